"""JSON Schema validators built from the official swagger model
(/work/shared/contracts/sp-api/orders_2026-01-01.json).

Swagger 2.0 definitions are JSON Schema draft 4 with ``#/definitions/...`` refs. To check the
sandbox "field for field", every object definition is closed (``additionalProperties: false``)
so a misspelt or invented property fails, and ``date-time`` strings are checked."""

from __future__ import annotations

import copy
import json
import os
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker

from tests.harness import shared_path

CONTRACT = Path(os.environ.get("SPAPI_CONTRACT") or shared_path("contracts", "sp-api", "orders_2026-01-01.json"))

_formats = FormatChecker()


@_formats.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str) or "T" not in value:
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def _closed(node: Any) -> Any:
    if isinstance(node, dict):
        closed = {key: _closed(value) for key, value in node.items() if not key.startswith("x-")}
        if closed.get("type") == "object" and "properties" in closed:
            closed.setdefault("additionalProperties", False)
        return closed
    if isinstance(node, list):
        return [_closed(value) for value in node]
    return node


@cache
def _definitions() -> dict[str, Any]:
    model = json.loads(CONTRACT.read_text())
    return _closed(copy.deepcopy(model["definitions"]))


@cache
def validator(definition: str) -> Draft4Validator:
    schema = {"$ref": f"#/definitions/{definition}", "definitions": _definitions()}
    return Draft4Validator(schema, format_checker=_formats)


def violations(definition: str, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(definition).iter_errors(instance)
    ]


def assert_valid(definition: str, instance: Any) -> None:
    problems = violations(definition, instance)
    assert not problems, f"{definition} violates the model:\n" + "\n".join(problems)
