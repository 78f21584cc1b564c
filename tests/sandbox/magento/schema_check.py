"""Validate stand-in responses against Adobe's admin REST schema (Swagger 2.0 definitions).

Checks: `$ref` resolution, types (integer/number/string/boolean/array/object), `required` (present and
not null: a null is no value of the documented type), and no property outside the definition (field
for field). Used for the stand-in's responses and the writer's request bodies alike."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]
SCHEMA = Path(
    os.environ.get(
        "MAGENTO_ADMIN_SCHEMA", REPO.parent / "shared" / "contracts" / "magento" / "admin-schema-2.4.8.yaml"
    )
)
VENDORED = REPO / "sandbox" / "magento" / "admin_schema_subset.json"


@cache
def definitions() -> dict[str, Any]:
    """The full YAML when the product docs are beside the repo (dev tree, CI); else the vendored subset."""
    if SCHEMA.exists():
        return dict(_doc()["definitions"])
    return dict(json.loads(VENDORED.read_text(encoding="utf-8"))["definitions"])


def _ref_name(ref: str) -> str:
    assert ref.startswith("#/definitions/"), ref
    return ref.rsplit("/", 1)[-1]


def _type_ok(value: Any, type_name: str) -> bool:
    checks = {
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    return checks[type_name](value)


def errors(value: Any, node: dict[str, Any] | str, path: str = "$") -> list[str]:
    """All violations of `value` against a schema node or a definition name."""
    if isinstance(node, str):
        node = {"$ref": f"#/definitions/{node}"}
    if "$ref" in node:
        name = _ref_name(node["$ref"])
        definition = definitions()[name]
        return errors(value, {k: v for k, v in definition.items() if k != "$ref"}, path)
    problems: list[str] = []
    type_name = node.get("type")
    if value is None:
        return problems  # an optional field left null (required ones are checked by their parent)
    if type_name and not _type_ok(value, type_name):
        return [f"{path}: expected {type_name}, got {type(value).__name__} {value!r}"]
    if type_name == "array" and "items" in node:
        for i, item in enumerate(value):
            problems += errors(item, node["items"], f"{path}[{i}]")
    if isinstance(value, dict) and (type_name == "object" or "properties" in node):
        props: dict[str, Any] = node.get("properties", {})
        for key in node.get("required", []):
            if key not in value:
                problems.append(f"{path}: required field {key!r} missing")
            elif value[key] is None:
                problems.append(f"{path}: required field {key!r} is null")
        for key, item in value.items():
            if key not in props:
                problems.append(f"{path}: field {key!r} is not in the schema")
            else:
                problems += errors(item, props[key], f"{path}.{key}")
    return problems


def assert_valid(value: Any, definition: str | dict[str, Any]) -> None:
    problems = errors(value, definition)
    assert not problems, "\n".join(problems[:20])


def response_schema(path: str, method: str) -> dict[str, Any]:
    """The 200 response schema of a route in the full YAML (falls back to nothing if unavailable)."""
    if not SCHEMA.exists():
        return {}
    schema: dict[str, Any] = _doc()["paths"][path][method]["responses"]["200"]["schema"]
    return schema


@cache
def _doc() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SCHEMA.open(encoding="utf-8") as fh:
        doc: dict[str, Any] = yaml.load(fh, Loader=loader)  # noqa: S506
    return doc
