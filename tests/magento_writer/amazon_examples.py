"""The example orders of the SP-API Orders v2026-01-01 model (response examples and the
``x-amzn-api-sandbox`` static cases), and their proceeds as the payload's ``OrderCharges``: what the
command will carry once the facts event has the proceeds breakdowns (see services/magento_writer/README.md)."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from typing import Any

from services.magento_writer.payload import Charge, OrderCharges, charges_from_lines
from tests.harness import shared_path

MODEL = shared_path("contracts", "sp-api", "orders_2026-01-01.json")
PATHS = ("/orders/2026-01-01/orders", "/orders/2026-01-01/orders/{orderId}")


@cache
def example_orders() -> tuple[dict[str, Any], ...]:
    doc = json.loads(MODEL.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = []
    for path in PATHS:
        ok = doc["paths"][path]["get"]["responses"]["200"]
        bodies = [ok["examples"]["application/json"], *(c["response"] for c in ok["x-amzn-api-sandbox"]["static"])]
        for body in bodies:
            found += body.get("orders") or [body["order"]]
    return tuple(found)


def _lines(breakdowns: list[dict[str, Any]]) -> list[Charge]:
    out: list[Charge] = []
    for b in breakdowns:
        details = b.get("detailedBreakdowns") or []
        total = Decimal(b["subtotal"]["amount"])
        if details:
            parts = [Charge(b["type"], Decimal(d["value"]["amount"]), d.get("subtype")) for d in details]
            out += parts
            rest = total - sum((c.amount for c in parts), Decimal(0))
            if rest:
                out.append(Charge(b["type"], rest))
        else:
            out.append(Charge(b["type"], total))
    return out


def charges_of_example(raw: dict[str, Any]) -> OrderCharges:
    """Each item's proceeds breakdowns (ITEM, SHIPPING, TAX by subtype, ...), the order's DELIVERY_TIP."""
    rows = []
    currency = None
    for item in raw["orderItems"]:
        unit = ((item.get("product") or {}).get("price") or {}).get("unitPrice")
        proceeds = item.get("proceeds") or {}
        lines = _lines(proceeds.get("breakdowns") or [])
        if not lines and unit:
            lines = [Charge("ITEM", Decimal(unit["amount"]) * item["quantityOrdered"])]
        currency = currency or (unit or proceeds.get("proceedsTotal") or {}).get("currencyCode")
        rows.append((item["orderItemId"], item["quantityOrdered"], Decimal(unit["amount"]) if unit else None, lines))
    order_proceeds = raw.get("proceeds") or {}
    grand = order_proceeds.get("grandTotal")
    tips = [
        Charge("DELIVERY_TIP", Decimal(b["subtotal"]["amount"]))
        for b in order_proceeds.get("breakdowns") or []
        if b["type"] == "DELIVERY_TIP"
    ]
    return charges_from_lines(
        currency or (grand or {}).get("currencyCode", "USD"), rows, tips, Decimal(grand["amount"]) if grand else None
    )
