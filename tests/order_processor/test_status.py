"""SPEC §3: every Orders-tab status, and SPEC §4 status log entries."""

from __future__ import annotations

import pytest

from schemas.types import AmazonStatus as S
from schemas.types import TabStatus
from services.order_processor.domain.status import tab_status
from tests.order_processor.driver import Fold
from tests.order_processor.factory import Script, store_config


@pytest.mark.parametrize(("amazon", "tab"), [
    (S.PENDING, TabStatus.PENDING), (S.PENDING_AVAILABILITY, TabStatus.PENDING),
    (S.UNSHIPPED, TabStatus.UNSHIPPED), (S.PARTIALLY_SHIPPED, TabStatus.PARTIALLY_SHIPPED),
    (S.SHIPPED, TabStatus.SHIPPED), (S.INVOICE_UNCONFIRMED, TabStatus.SHIPPED),
    (S.CANCELED, TabStatus.CANCELED), (S.UNFULFILLABLE, TabStatus.CANCELED),
])
def test_amazon_status_maps_to_tab_status(amazon: S, tab: TabStatus) -> None:
    assert tab_status(amazon, magento_complete=False) is tab
    run = Fold(store_config())
    run(Script().amazon(amazon))
    assert run.view.status is tab and run.view.amazon_status is amazon


def test_completed_needs_amazon_shipped_and_magento_complete() -> None:
    assert tab_status(S.SHIPPED, True) is TabStatus.COMPLETED
    assert tab_status(S.INVOICE_UNCONFIRMED, True) is TabStatus.COMPLETED
    assert tab_status(S.UNSHIPPED, True) is TabStatus.UNSHIPPED
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.created(), script.amazon(S.SHIPPED), script.shipped(complete=True))
    assert run.view.status is TabStatus.COMPLETED
    assert run.view.last_action == "Status updated to completed."


def test_incomplete_magento_shipment_keeps_shipped() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.created(), script.amazon(S.SHIPPED), script.shipped(complete=False))
    assert run.view.status is TabStatus.SHIPPED


def test_status_changes_after_joining_are_logged() -> None:
    run = Fold(store_config(import_orders=False))
    script = Script()
    run(script.amazon(S.PENDING), script.amazon(S.UNSHIPPED), script.amazon(S.PARTIALLY_SHIPPED, shipped=1),
        script.amazon(S.SHIPPED))
    assert run.log == ["Order imported from Amazon.", "Status updated to Partially Shipped.",
                       "Status updated to Shipped.", "Invoice created for Amazon marketplace order."]
    assert [v.version for v in run.views] == list(range(1, len(run.views) + 1))


def test_invoice_entry_once_when_invoice_unconfirmed_becomes_shipped() -> None:
    run = Fold(store_config(import_orders=False))
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.amazon(S.INVOICE_UNCONFIRMED))
    assert "Invoice created for Amazon marketplace order." not in run.log
    run(script.amazon(S.SHIPPED), script.amazon(S.SHIPPED, changes=("items",)))
    assert run.log.count("Invoice created for Amazon marketplace order.") == 1


def test_amazon_cancel_after_joining_is_logged_as_canceled() -> None:
    run = Fold(store_config(import_orders=False))
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.amazon(S.CANCELED))
    assert run.view.status is TabStatus.CANCELED and run.view.on_tab
    assert run.log[-1] == "Amazon order canceled."


def test_no_visible_change_publishes_no_new_version() -> None:
    run = Fold(store_config(import_orders=False))
    script = Script()
    run(script.amazon(S.UNSHIPPED))
    before = len(run.views)
    # a fact whose visible fields are identical except last_updated still changes the view
    run(script.amazon(S.UNSHIPPED, changes=("latest_ship_date",)))
    assert len(run.views) == before + 1
    run(script.reserved(), script.released())
    assert run.views[-1].reserved is False and run.views[-2].reserved is True
