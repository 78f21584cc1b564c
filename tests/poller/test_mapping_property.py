"""Property: every valid Orders v2026-01-01 ``Order`` maps, without a crash and without a dead
letter, and goes out as an ``amazon.order.changed`` v3 fact that decodes as published.

Orders are generated from the model's own JSON Schema (hypothesis-jsonschema), with what the
model states in words rather than in schema made explicit (``GENERATED``). Unknown values of
open strings come for free: the model types them as plain strings, so the generator invents them.
``MAPPING_PROPERTY_EXAMPLES`` sets the number of orders (default: a few seconds' worth)."""

from __future__ import annotations

import copy
import json
import os
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.internal.conjecture import utils as _conjecture_utils

from schemas import decode, encode
from schemas.events.poller import AmazonOrderChangedV3, DetailedAmazonOrder
from services.poller.facts import order_facts
from services.poller.mapping import map_order, map_tracks
from tests.harness import shared_path

hypothesis_jsonschema = pytest.importorskip("hypothesis_jsonschema")


class _ManyWithMore:
    """hypothesis-jsonschema 0.23.1 (its latest release) drives Hypothesis's private collection helper
    ``conjecture.utils.many`` with ``more()``/``reject()``; recent Hypothesis made that helper a
    context manager to iterate. This adapter gives the old calls on the new helper: same draws, same
    spans (``more()`` is one step of the iteration; the end of the iteration closes it)."""

    _DONE = object()

    def __init__(self, data: Any, **kwargs: Any) -> None:
        self._many = _conjecture_utils.many(data, **kwargs)
        self._many.__enter__()
        self._steps = iter(self._many)

    def more(self) -> bool:
        if next(self._steps, self._DONE) is self._DONE:
            self._many.__exit__(None)
            return False
        return True

    def reject(self, why: str | None = None) -> None:
        self._many.reject(why)


if not hasattr(_conjecture_utils.many, "more"):
    hypothesis_jsonschema._from_schema.cu = SimpleNamespace(many=_ManyWithMore)

CONTRACT = shared_path("contracts", "sp-api", "orders_2026-01-01.json")
EXAMPLES = int(os.environ.get("MAPPING_PROPERTY_EXAMPLES", "50"))
T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)

# What the model says in its descriptions, or what our request guarantees, as schema:
GENERATED: dict[str, dict[str, Any]] = {
    # the poller asks for includedData=FULFILLMENT: the status is always there
    "Order": {"required": ["fulfillment"]},
    # "A decimal number with no loss of precision. Follows RFC 7159 for number representation."
    "Decimal": {"pattern": r"^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,8})?([eE][+-]?[0-9])?$"},
    # identifiers are not empty
    "Order.orderId": {"minLength": 1},
    "OrderItem.orderItemId": {"minLength": 1},
    # counts of units
    "OrderItem.quantityOrdered": {"minimum": 0},
    "ItemFulfillment.quantityFulfilled": {"minimum": 0},
    "ItemFulfillment.quantityUnfulfilled": {"minimum": 0},
}
# ISO 4217: three letters
CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$"}


MAX_ITEMS = 3  # entries of any list: enough to mix cases, and orders that generate in milliseconds


def _clean(node: Any) -> Any:
    """Swagger 2.0 definitions as JSON Schema: no vendor extensions or examples; objects closed
    (nothing is read from properties the model does not have) and lists short, for speed."""
    if isinstance(node, dict):
        out = {k: _clean(v) for k, v in node.items() if not k.startswith("x-") and k != "example"}
        if out.get("type") == "object" and "properties" in out:
            out.setdefault("additionalProperties", False)
        if out.get("type") == "array":
            out.setdefault("maxItems", MAX_ITEMS)
        return out
    if isinstance(node, list):
        return [_clean(v) for v in node]
    return node


def order_schema() -> dict[str, Any]:
    definitions: dict[str, Any] = _clean(copy.deepcopy(json.loads(CONTRACT.read_text())["definitions"]))
    for target, extra in GENERATED.items():
        name, _, prop = target.partition(".")
        node = definitions[name]["properties"][prop] if prop else definitions[name]
        if "required" in extra:
            node["required"] = sorted({*node.get("required", []), *extra["required"]})
        else:
            node.update(extra)
    definitions["Money"]["properties"]["currencyCode"] = CURRENCY
    # Keep only what an Order reaches (the schema of responses and errors is not needed).
    return {"$ref": "#/definitions/Order", "definitions": definitions}


ORDERS = hypothesis_jsonschema.from_schema(order_schema())


# Deterministic (the same orders on every run: CI does not flicker; raise the count to explore).
# No shrinking: an order is a deep tree and shrinking one takes minutes; the failing order is
# reported as generated.
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(raw=ORDERS)
def test_every_valid_order_maps_and_goes_out_as_a_fact(raw: dict[str, Any]) -> None:
    reported: list[tuple[str, str, str | None]] = []
    order = map_order(raw, marketplace_id="ATVPDKIKX0DER", on_unknown=lambda *a: reported.append(a))
    assert isinstance(order, DetailedAmazonOrder) and order.amazon_order_id == raw["orderId"]
    assert len(order.items) == len(raw["orderItems"])
    assert order.marketplace_id == (raw["salesChannel"].get("marketplaceId") or "ATVPDKIKX0DER")
    tracks = map_tracks(raw)
    [event] = order_facts("st-a", [order], {}, T0, tracks={order.amazon_order_id: tracks}).events
    decoded = decode(encode(event))
    assert isinstance(decoded, AmazonOrderChangedV3) and decoded == event
