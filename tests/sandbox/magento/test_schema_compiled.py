"""The compiled coerce/render plans answer exactly as a plain walk of the schema nodes (the reference
below is the stand-in's previous, interpreted implementation), on random input shaped by the schema."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.magento.errors import NO_ACCESSOR, MagentoError
from sandbox.magento.schema import _cast_scalar, _ref, _type_error, class_name, coerce, definitions, render, snake

DEFS = ("sales-data-order-interface", "sales-data-order-status-history-interface", "catalog-data-product-interface")


def ref_coerce(node: dict[str, Any] | str, value: Any) -> Any:
    if isinstance(node, str):
        return ref_coerce_object(node, value)
    ref = _ref(node)
    if ref:
        return ref_coerce_object(ref, value)
    if node.get("type") == "array":
        if value is None:
            return None
        if isinstance(value, dict):
            value = list(value.values())
        if not isinstance(value, list):
            raise _type_error(value, "array")
        return [ref_coerce(node.get("items", {}), v) for v in value]
    if node.get("type") == "object":
        return value
    return _cast_scalar(value, str(node.get("type", "")))


def ref_coerce_object(defname: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _type_error(value if not isinstance(value, list) else json.dumps(value), class_name(defname))
    props: dict[str, Any] = definitions()[defname].get("properties", {})
    out: dict[str, Any] = {}
    for raw_key, raw_value in value.items():
        key = snake(str(raw_key))
        if key not in props:
            getter = "get" + "".join(p.capitalize() for p in key.split("_"))
            raise MagentoError(400, NO_ACCESSOR, [raw_key, getter, class_name(defname)])
        out[key] = ref_coerce(props[key], raw_value)
    return out


def ref_render(node: dict[str, Any] | str, value: Any) -> Any:
    if isinstance(node, str):
        return ref_render_object(node, value)
    ref = _ref(node)
    if ref:
        return ref_render_object(ref, value)
    if node.get("type") == "array":
        if value is None:
            return None
        return [ref_render(node.get("items", {}), v) for v in value]
    if node.get("type") == "object":
        return value
    try:
        return _cast_scalar(value, str(node.get("type", "")))
    except MagentoError:
        return value


def ref_render_object(defname: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    definition = definitions()[defname]
    required = set(definition.get("required", ()))
    out: dict[str, Any] = {}
    for key, prop in definition.get("properties", {}).items():
        v = value.get(key)
        if v is None:
            if key in required:
                out[key] = None
            continue
        out[key] = ref_render(prop, v)
    return out


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=6),
    st.sampled_from(["12", " 7 ", "3.0", "1.5", "true", "0", "x"]),
)


def shaped(defname: str, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with keys of the definition (snake or camel case, sometimes unknown) and values
    that are scalars, lists or nested objects of the referenced definition."""
    props: dict[str, Any] = definitions()[defname].get("properties", {})

    def value_for(prop: dict[str, Any]) -> st.SearchStrategy[Any]:
        ref = _ref(prop) or _ref(prop.get("items", {}) if prop.get("type") == "array" else {})
        options: list[st.SearchStrategy[Any]] = [SCALARS, st.lists(SCALARS, max_size=2)]
        if ref and depth < 2:
            nested = shaped(ref, depth + 1)
            options += [nested, st.lists(nested, max_size=2)]
        return st.one_of(*options)

    keys = sorted(props)[:: max(1, len(props) // 12)]
    camel = {k: k.split("_")[0] + "".join(p.capitalize() for p in k.split("_")[1:]) for k in keys}
    base = st.fixed_dictionaries({}, optional={k: value_for(props[k]) for k in keys})

    def disguise(value: dict[str, Any], camel_case: bool, unknown: bool) -> dict[str, Any]:
        out = {camel[k] if camel_case else k: v for k, v in value.items()}
        if unknown:
            out["noSuchField"] = 1
        return out

    return st.builds(disguise, base, st.booleans(), st.sampled_from([False, False, False, True]))


def outcome(fn: Any, *args: Any) -> Any:
    try:
        return ("ok", fn(*args))
    except MagentoError as exc:
        return ("error", exc.status, exc.body(False))
    except (AttributeError, TypeError) as exc:
        return ("crash", type(exc).__name__)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(DEFS).flatmap(lambda d: st.tuples(st.just(d), shaped(d))))
def test_compiled_plans_match_the_schema_walk(case: tuple[str, dict[str, Any]]) -> None:
    defname, value = case
    assert outcome(coerce, defname, value) == outcome(ref_coerce, defname, value)
    assert outcome(render, defname, value) == outcome(ref_render, defname, value)
    array = {"type": "array", "items": {"$ref": f"#/definitions/{defname}"}}
    assert outcome(coerce, array, [value]) == outcome(ref_coerce, array, [value])
    assert outcome(render, array, [value, None]) == outcome(ref_render, array, [value, None])
