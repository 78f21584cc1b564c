"""What the confirmer sends is valid against Amazon's ConfirmShipmentRequest model (ordersV0.json),
every object closed: no field Amazon does not define."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from jsonschema import Draft4Validator

from schemas.events.fulfillment import AmazonPackage, PackageItem
from services.fulfillment.carriers import AMAZON_CARRIER_CODES
from services.fulfillment.spapi import ConfirmRefused, confirm_request
from tests.harness import shared_path

CONTRACT = shared_path("contracts", "sp-api", "ordersV0.json")


def _closed(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _closed(v) for k, v in node.items() if not k.startswith("x-")}
        if out.get("type") == "object" and "properties" in out:
            out.setdefault("additionalProperties", False)
        return out
    return [_closed(v) for v in node] if isinstance(node, list) else node


def package(**change: Any) -> AmazonPackage:
    base: dict[str, Any] = dict(package_reference_id="12", carrier_code="UPS", tracking_number="1Z1",
                                ship_date=datetime(2026, 12, 5, 1, 30, tzinfo=timezone(timedelta(hours=-8))),
                                items=(PackageItem(amazon_order_item_id="A1", quantity=2),))
    base.update(change)
    return AmazonPackage(**base)


@pytest.mark.skipif(not CONTRACT.exists(), reason="ordersV0.json not beside the repo")
@pytest.mark.parametrize(
    "pkg", [package(), package(carrier_code="Other", carrier_name="Bob's", shipping_method="Ground")]
)
def test_requests_validate_against_the_model(pkg: AmazonPackage) -> None:
    defs = _closed(json.loads(CONTRACT.read_text())["definitions"])
    body = confirm_request("ATVPDKIKX0DER", pkg)
    Draft4Validator({"$ref": "#/definitions/ConfirmShipmentRequest", "definitions": defs}).validate(body)
    assert body["packageDetail"]["shipDate"] == "2026-12-05T09:30:00Z"
    assert ("carrierName" in body["packageDetail"]) == (pkg.carrier_code == "Other")


def test_a_package_amazon_would_refuse_is_never_sent() -> None:
    with pytest.raises(ValueError):
        confirm_request("ATVPDKIKX0DER", package(package_reference_id="PKG-1"))
    with pytest.raises(ValueError):
        confirm_request("ATVPDKIKX0DER", package(items=()))


def test_our_carrier_codes_are_ones_the_sandbox_accepts() -> None:
    from sandbox.spapi.shipments import CARRIER_CODES

    assert set(AMAZON_CARRIER_CODES) <= CARRIER_CODES


def test_already_fulfilled_is_recognised_from_amazons_answer() -> None:
    refused = ConfirmRefused("x", 400, "InvalidInput", "The order has already been fulfilled.",
                             "PackageToUpdateNotFound")
    assert refused.already_fulfilled
    assert not ConfirmRefused("x", 400, "InvalidInput", "Invalid carrierCode: X.", "").already_fulfilled
