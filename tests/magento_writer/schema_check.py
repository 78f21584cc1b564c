"""Checks a request body against the Magento 2.4.8 admin REST schema, field for field: types, no field
outside the schema, and every field the schema marks required present and not null, at every depth."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from tests.harness import shared_path

SCHEMA_PATH = shared_path("contracts", "magento", "admin-schema-2.4.8.yaml")
TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


@cache
def schema() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SCHEMA_PATH.open() as f:
        data: dict[str, Any] = yaml.load(f, Loader=loader)  # noqa: S506 - safe loader
    return data


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema()["definitions"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def violations(value: Any, node: dict[str, Any], path: str = "$") -> list[str]:
    node = _resolve(node)
    out: list[str] = []
    kind = node.get("type") or ("object" if "properties" in node else None)
    if kind and not isinstance(value, TYPES[kind]) or (kind in ("integer", "number") and isinstance(value, bool)):
        return [f"{path}: {type(value).__name__} is not {kind}"]
    if isinstance(value, dict) and "properties" in node:
        for key in node.get("required", ()):
            if value.get(key) is None:
                out.append(f"{path}.{key}: required field missing")
        for key, sub in value.items():
            if key not in node["properties"]:
                out.append(f"{path}.{key}: not in schema")
            else:
                out += violations(sub, node["properties"][key], f"{path}.{key}")
    if isinstance(value, list) and "items" in node:
        for i, sub in enumerate(value):
            out += violations(sub, node["items"], f"{path}[{i}]")
    return out


def request_body_schema(path: str, method: str) -> dict[str, Any]:
    operation = schema()["paths"][path][method]
    return next(p["schema"] for p in operation["parameters"] if p["in"] == "body")


def definition(name: str) -> dict[str, Any]:
    return {"$ref": f"#/definitions/{name}"}
