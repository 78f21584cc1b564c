"""Regenerate `admin_schema_subset.json` from Adobe's admin REST schema (Swagger 2.0, Apache-2.0).

The stand-in validates and renders data objects field for field from this subset, so it needs no YAML
parser at run time. Usage: `python -m sandbox.magento.schema_extract <admin-schema-2.4.8.yaml>`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOTS = (
    "sales-data-order-interface",
    "sales-data-order-search-result-interface",
    "sales-data-order-status-history-search-result-interface",
    "catalog-data-product-interface",
    "store-data-store-interface",
    "store-data-website-interface",
    "store-data-store-config-interface",
    "sales-data-invoice-item-creation-interface",
    "sales-data-invoice-comment-creation-interface",
    "sales-data-invoice-creation-arguments-interface",
    "sales-data-shipment-item-creation-interface",
    "sales-data-shipment-comment-creation-interface",
    "sales-data-shipment-track-creation-interface",
    "sales-data-shipment-package-creation-interface",
    "sales-data-shipment-creation-arguments-interface",
    "customer-data-customer-interface",
    "customer-data-customer-search-results-interface",
    "directory-data-country-information-interface",
    "directory-data-currency-information-interface",
    "error-response",
)
OUT = Path(__file__).with_name("admin_schema_subset.json")


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def extract(definitions: dict[str, Any], roots: tuple[str, ...] = ROOTS) -> dict[str, Any]:
    seen: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    name = str(value).rsplit("/", 1)[-1]
                    if name not in seen:
                        seen.add(name)
                        walk(definitions[name])
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for root in roots:
        seen.add(root)
        walk(definitions[root])
    return {name: _strip(definitions[name]) for name in sorted(seen)}


def main(argv: list[str]) -> None:
    import yaml

    doc = yaml.safe_load(Path(argv[0]).read_text(encoding="utf-8"))
    subset = extract(doc["definitions"])
    payload = {
        "source": "AdobeDocs/commerce-webapi src/openapi/admin-schema-2.4.8.yaml (Apache-2.0)",
        "definitions": subset,
    }
    OUT.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
