"""Field-for-field input coercion and output rendering from the vendored admin schema subset.

Input (ServiceInputProcessor): camelCase or snake_case keys, unknown keys rejected, scalars cast to
the documented type. Entities a route creates must carry every schema-`required` field, non-null, at
every depth (``require``: the checks are compiled from the subset's ``required`` lists, none is written
by hand); a missing one is refused with Magento's InputException envelope. This is stricter than
Magento, whose ``required`` marks fields always present in its output: the stand-in refuses a body
whose order, once saved, would read back with a required field null. Output (DataObjectProcessor):
null fields omitted except schema-`required` ones, values cast to the documented type.

Each definition is compiled once into a plan of per-field functions (walking the schema nodes for
every value was a third of the stand-in's CPU per order create); the rules are the same."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from sandbox.magento.errors import INPUT_EXCEPTIONS, INVALID_TYPE, NO_ACCESSOR, REQUIRED_FIELD, MagentoError

_SUBSET = Path(__file__).with_name("admin_schema_subset.json")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


@cache
def definitions() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_SUBSET.read_text(encoding="utf-8"))["definitions"]
    return data


@cache
def snake(key: str) -> str:
    return _CAMEL.sub("_", key).lower()


def class_name(defname: str) -> str:
    """'sales-data-order-item-interface' -> 'Magento\\Sales\\Api\\Data\\OrderItemInterface' (approx.)."""
    parts = defname.split("-")
    if "data" in parts:
        i = parts.index("data")
        module = "".join(p.capitalize() for p in parts[:i])
        rest = "".join(p.capitalize() for p in parts[i + 1 :])
        return f"Magento\\{module}\\Api\\Data\\{rest}"
    return "".join(p.capitalize() for p in parts)


def _ref(node: dict[str, Any]) -> str | None:
    ref = node.get("$ref")
    return str(ref).rsplit("/", 1)[-1] if ref else None


def _type_error(value: Any, type_name: str) -> MagentoError:
    return MagentoError(400, INVALID_TYPE, {"value": str(value), "type": type_name})


def _cast_scalar(value: Any, type_name: str) -> Any:
    if value is None:
        return None
    if type_name == "integer":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+(\.0*)?\s*", value):
            return int(float(value))
        raise _type_error(value, "int")
    if type_name == "number":
        if isinstance(value, bool):
            return float(value)
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                raise _type_error(value, "float") from None
            if not math.isfinite(number):  # PHP's is_numeric() refuses "nan" and "inf"
                raise _type_error(value, "float")
            return number
        raise _type_error(value, "float")
    if type_name == "string":
        if isinstance(value, dict | list):
            raise _type_error(json.dumps(value), "string")
        if isinstance(value, bool):
            return "1" if value else ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    if type_name == "boolean":
        if isinstance(value, str):
            return value.lower() in ("1", "true")
        return bool(value)
    return value


def coerce(node: dict[str, Any] | str, value: Any) -> Any:
    """Validate and cast request input against a schema node or definition name."""
    if isinstance(node, str):
        return _coerce_object(node, value)
    ref = _ref(node)
    if ref:
        return _coerce_object(ref, value)
    if node.get("type") == "array":
        if value is None:
            return None
        if isinstance(value, dict):  # PHP-style maps {"0": ...}
            value = list(value.values())
        if not isinstance(value, list):
            raise _type_error(value, "array")
        return [coerce(node.get("items", {}), v) for v in value]
    if node.get("type") == "object":
        return value
    return _cast_scalar(value, str(node.get("type", "")))


def _coerce_object(defname: str, value: Any) -> dict[str, Any] | None:
    return _coercer(defname)(value)


Fn = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _scalar_coercer(type_name: str) -> Fn:
    exact = {"string": str, "integer": int, "number": float}.get(type_name)

    def cast(value: Any) -> Any:
        if exact is not None and type(value) is exact:
            return value  # what _cast_scalar returns for these, without the checks
        return _cast_scalar(value, type_name)

    return cast


def _compile_coerce(node: dict[str, Any]) -> Fn:
    ref = _ref(node)
    if ref:
        return lambda value: _coercer(ref)(value)
    if node.get("type") == "array":
        item = _compile_coerce(node.get("items", {}))

        def array(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, dict):  # PHP-style maps {"0": ...}
                value = list(value.values())
            if not isinstance(value, list):
                raise _type_error(value, "array")
            return [item(v) for v in value]

        return array
    if node.get("type") == "object":
        return _identity
    return _scalar_coercer(str(node.get("type", "")))


@cache
def _coercer(defname: str) -> Fn:
    props: dict[str, Any] = definitions()[defname].get("properties", {})
    fields = {key: _compile_coerce(prop) for key, prop in props.items()}
    cls = class_name(defname)

    def coerce_object(value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise _type_error(value if not isinstance(value, list) else json.dumps(value), cls)
        out: dict[str, Any] = {}
        for raw_key, raw_value in value.items():
            key = snake(str(raw_key))
            field = fields.get(key)
            if field is None:
                getter = "get" + "".join(p.capitalize() for p in key.split("_"))
                raise MagentoError(400, NO_ACCESSOR, [raw_key, getter, cls])
            out[key] = field(raw_value)
        return out

    return coerce_object


def render(node: dict[str, Any] | str, value: Any) -> Any:
    """Render output: omit nulls (except required), cast to the documented types."""
    if isinstance(node, str):
        return _render_object(node, value)
    ref = _ref(node)
    if ref:
        return _render_object(ref, value)
    if node.get("type") == "array":
        if value is None:
            return None
        return [render(node.get("items", {}), v) for v in value]
    if node.get("type") == "object":
        return value
    try:
        return _cast_scalar(value, str(node.get("type", "")))
    except MagentoError:
        return value


def _render_object(defname: str, value: Any) -> dict[str, Any] | None:
    rendered: dict[str, Any] | None = _renderer(defname)(value)
    return rendered


def _scalar_renderer(type_name: str) -> Fn:
    exact = {"string": str, "integer": int, "number": float}.get(type_name)

    def cast(value: Any) -> Any:
        if exact is not None and type(value) is exact:
            return value
        try:
            return _cast_scalar(value, type_name)
        except MagentoError:
            return value

    return cast


def _compile_render(node: dict[str, Any]) -> Fn:
    ref = _ref(node)
    if ref:
        return lambda value: _renderer(ref)(value)
    if node.get("type") == "array":
        item = _compile_render(node.get("items", {}))
        return lambda value: None if value is None else [item(v) for v in value]
    if node.get("type") == "object":
        return _identity
    return _scalar_renderer(str(node.get("type", "")))


@cache
def _renderer(defname: str) -> Fn:
    definition = definitions()[defname]
    required = set(definition.get("required", ()))
    plan = [(key, _compile_render(prop), key in required) for key, prop in definition.get("properties", {}).items()]

    def render_object(value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        out: dict[str, Any] = {}
        if not plan:
            return out  # no fields: the value is never looked into
        get = value.get
        for key, field, is_required in plan:
            v = get(key)
            if v is None:
                if is_required:
                    out[key] = None
                continue
            out[key] = field(v)
        return out

    return render_object


# ---- required fields (generated from the subset's `required` lists) ------------------------------------
Check = Callable[[Any, str], list[str]]


def _no_missing(value: Any, path: str) -> list[str]:
    return []


def _compile_require(node: dict[str, Any]) -> Check:
    ref = _ref(node)
    if ref:
        return lambda value, path: _requirer(ref)(value, path)
    if node.get("type") == "array":
        item = _compile_require(node.get("items", {}))
        if item is _no_missing:
            return _no_missing

        def array(value: Any, path: str) -> list[str]:
            if not isinstance(value, list):
                return []
            return [m for i, v in enumerate(value) for m in item(v, f"{path}[{i}]")]

        return array
    return _no_missing


@cache
def _requirer(defname: str) -> Check:
    definition = definitions()[defname]
    required = tuple(definition.get("required", ()))
    nested: list[tuple[str, Check]] = []
    for key, prop in definition.get("properties", {}).items():
        check = _compile_require(prop)
        if check is not _no_missing:
            nested.append((key, check))

    def require_object(value: Any, path: str) -> list[str]:
        if not isinstance(value, dict):
            return []
        prefix = f"{path}." if path else ""
        missing = [prefix + key for key in required if value.get(key) is None]
        for key, check in nested:
            sub = value.get(key)
            if sub is not None:
                missing += check(sub, prefix + key)
        return missing

    return require_object


def missing_required(node: dict[str, Any] | str, value: Any, root: str = "") -> list[str]:
    """Dotted paths (``entity.payment.cc_last4``, ``entity.items[0].sku``) of every schema-required
    field absent or null in an already coerced (snake_case) value."""
    check = _requirer(node) if isinstance(node, str) else _compile_require(node)
    return check(value, root)


def require(node: dict[str, Any] | str, value: Any, root: str = "") -> None:
    """Refuse a value missing required fields as Magento refuses missing input (InputException):
    one field: its message and ``fieldName``; several: the aggregate message with ``errors``."""
    missing = missing_required(node, value, root)
    if not missing:
        return
    if len(missing) == 1:
        raise MagentoError(400, REQUIRED_FIELD, {"fieldName": missing[0]})
    errors = [{"message": REQUIRED_FIELD, "parameters": {"fieldName": m}} for m in missing]
    raise MagentoError(400, INPUT_EXCEPTIONS, errors=errors)
