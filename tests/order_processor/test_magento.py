"""SPEC §6: the Magento creation matrix, results, retries, cancel and shipment."""

from __future__ import annotations

import pytest

from schemas.events.magento import (
    MagentoOrderCanceledDataV2,
    MagentoOrderCanceledV2,
    MagentoOrderShippedDataV2,
    MagentoOrderShippedV2,
)
from schemas.types import AmazonStatus as S
from schemas.types import FulfillmentChannel, MagentoState, TabStatus
from tests.order_processor.driver import Fold
from tests.order_processor.factory import Script, store_config

M, A = FulfillmentChannel.MERCHANT, FulfillmentChannel.AMAZON


@pytest.mark.parametrize(("channel", "status", "settings", "wanted"), [
    (M, S.UNSHIPPED, {}, True),
    (M, S.PARTIALLY_SHIPPED, {}, True),
    (M, S.SHIPPED, {}, True),
    (M, S.INVOICE_UNCONFIRMED, {}, True),
    (M, S.PENDING, {}, False),
    (M, S.PENDING_AVAILABILITY, {}, False),
    (M, S.CANCELED, {}, False),
    (M, S.UNFULFILLABLE, {}, False),
    (M, S.UNSHIPPED, {"import_orders": False}, False),
    (A, S.SHIPPED, {}, True),
    (A, S.SHIPPED, {"amazon_fulfilled": "do_not_create"}, False),
    (A, S.UNSHIPPED, {}, False),
    (A, S.PENDING, {}, False),
    (A, S.SHIPPED, {"import_orders": False}, False),
])
def test_creation_matrix(channel: FulfillmentChannel, status: S, settings: dict[str, str], wanted: bool) -> None:
    config = store_config(**settings)  # type: ignore[arg-type]
    run = Fold(config)
    script = Script(channel=channel)
    run(script.amazon(status))
    assert bool(run.requests) is wanted
    if wanted:
        request = run.requests[0]
        assert request.data.request_seq == 1 and request.data.reason == "status_changed"
        assert request.data.target.magento_store_code == config.magento_store_code
        assert request.data.order.amazon_order_id == script.order_id
        assert run.view.magento_state is MagentoState.REQUESTED


def test_at_most_one_outstanding_request() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.amazon(S.PARTIALLY_SHIPPED, shipped=1), script.retry())
    assert len(run.requests) == 1


def test_created_result_records_the_number_and_never_requests_again() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.created("100000123"))
    assert run.view.magento_order_number == "100000123" and run.view.magento_state is MagentoState.CREATED
    assert run.log[-1] == "Magento order 100000123 was created."
    run(script.amazon(S.PARTIALLY_SHIPPED, shipped=1), script.retry(), script.amazon(S.SHIPPED))
    assert len(run.requests) == 1


def test_failed_result_is_logged_once_per_reason_and_rerequested_on_change() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.failed("Product SKU-1 does not exist"))
    assert run.log[-1] == "Cannot create sales order: Product SKU-1 does not exist."
    assert run.view.magento_state is MagentoState.FAILED
    run(script.amazon(S.UNSHIPPED, changes=("ship_to",)))
    assert [r.data.reason for r in run.requests] == ["status_changed", "order_changed"]
    run(script.failed("Product SKU-1 does not exist.", request_seq=2))
    assert run.log.count("Cannot create sales order: Product SKU-1 does not exist.") == 1
    run(script.retry())
    assert run.requests[-1].data.reason == "user_retry" and run.requests[-1].data.request_seq == 3
    run(script.failed("Magento answered 503", request_seq=3))
    assert run.log[-1] == "Cannot create sales order: Magento answered 503."


def test_automatic_rerequests_are_capped_but_user_retries_are_not() -> None:
    from services.order_processor.domain.rules import MAX_AUTO_RETRIES

    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED))
    for seq in range(1, MAX_AUTO_RETRIES + 3):
        run(script.failed("boom", request_seq=len(run.requests)))
        run(script.amazon(S.UNSHIPPED, changes=(f"change{seq}",)))
    assert len(run.requests) == 1 + MAX_AUTO_RETRIES
    run(script.failed("boom", request_seq=len(run.requests)), script.retry())
    assert run.requests[-1].data.reason == "user_retry"


def test_stale_failure_of_an_earlier_request_is_ignored() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.failed("x", request_seq=1), script.retry())
    run(script.failed("x", request_seq=1))
    assert run.view.magento_state is MagentoState.REQUESTED


def test_deleted_magento_order_is_never_created_again() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.created("100000123"), script.deleted("100000123"))
    assert run.view.magento_state is MagentoState.DELETED
    assert run.log[-1] == "Magento order 100000123 was deleted."
    run(script.retry(), script.amazon(S.SHIPPED), script.retry())
    assert len(run.requests) == 1


def test_no_request_on_a_canceled_order_even_on_user_retry() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.failed("x"), script.amazon(S.CANCELED), script.retry())
    assert len(run.requests) == 1


def test_amazon_cancel_with_magento_order_requests_cancel_once() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.created("100000123"), script.amazon(S.CANCELED))
    assert len(run.cancels) == 1 and run.cancels[0].data.magento_order_number == "100000123"
    run(script.amazon(S.CANCELED, changes=("items",)))
    assert len(run.cancels) == 1
    run(script.canceled(ok=True, number="100000123"))
    assert run.log[-1] == "Magento order 100000123 was canceled."
    assert run.view.magento_state is MagentoState.CANCELED


def test_cancel_failure_is_logged_with_reason() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.created("100000123"), script.amazon(S.CANCELED),
        script.canceled(ok=False, number="100000123", reason="Order is invoiced"))
    assert run.log[-1] == "Magento order 100000123 could not be canceled: Order is invoiced."
    assert run.view.magento_state is MagentoState.CREATED


def test_cancel_requested_when_creation_completes_after_amazon_cancel() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.amazon(S.CANCELED))
    assert run.cancels == []
    run(script.created("100000123"))
    assert len(run.cancels) == 1


def test_shipment_requested_only_with_setting_and_magento_order() -> None:
    script = Script()
    on = Fold(store_config(create_invoice_and_shipment=True))
    on(script.amazon(S.UNSHIPPED), script.created(), script.amazon(S.SHIPPED), script.amazon(S.SHIPPED, changes=("x",)))
    assert len(on.shipments) == 1 and on.shipments[0].data.order.status is S.SHIPPED
    script = Script()
    off = Fold(store_config())
    off(script.amazon(S.UNSHIPPED), script.created(), script.amazon(S.SHIPPED))
    assert off.shipments == []


def test_shipment_requested_when_created_after_amazon_shipped() -> None:
    run = Fold(store_config(create_invoice_and_shipment=True))
    script = Script()
    run(script.amazon(S.SHIPPED), script.created())
    assert len(run.shipments) == 1


def test_shipment_carries_the_newest_amazon_package_tracks() -> None:
    from schemas.events.lifecycle import MagentoShipmentRequestedV2
    from schemas.events.poller import AmazonOrderChangedDataV2, AmazonOrderChangedV2
    from schemas.types import ShipmentTrack

    run = Fold(store_config(create_invoice_and_shipment=True))
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.created())
    shipped = script.amazon(S.SHIPPED)
    track = ShipmentTrack(carrier="UPS", tracking_number="1Z999AA10123456784")
    with_tracks = AmazonOrderChangedV2.build(
        key=shipped.key, occurred_at=shipped.occurred_at, producer="poller",
        identity=(shipped.data.order.last_updated.isoformat(), "Shipped"),
        data=AmazonOrderChangedDataV2(**shipped.data.model_dump(), tracks=(track,)))
    run(with_tracks)
    assert len(run.shipments) == 1
    shipment = run.shipments[0]
    assert isinstance(shipment, MagentoShipmentRequestedV2) and shipment.data.tracks == (track,)


def test_commands_carry_source_time_and_causation() -> None:
    run = Fold(store_config())
    script = Script()
    source = script.amazon(S.UNSHIPPED)
    run(source)
    for out in run.outputs:
        assert out.occurred_at == source.occurred_at and out.causation_id == source.event_id
        assert out.key == script.key and out.producer == "order_processor"


# --- ship and cancel outcomes as the writer states them (issue 16) ----------------------------


def _shipped_v2(script: Script, *, complete: bool, state: str | None, reason: str | None = None,
                invoiced: bool = True, shipped: bool = True, number: str = "100000123") -> MagentoOrderShippedV2:
    data = MagentoOrderShippedDataV2(request_seq=1, magento_order_number=number, invoiced=invoiced,
                                     shipped=shipped, complete=complete, reason=reason, magento_state=state)
    return MagentoOrderShippedV2.build(key=script.key, occurred_at=script._tick(), producer="magento_writer",
                                       data=data, identity=(complete, reason, script.seq))


def _canceled_v2(script: Script, *, ok: bool, state: str | None, reason: str | None = None,
                 number: str = "100000123") -> MagentoOrderCanceledV2:
    data = MagentoOrderCanceledDataV2(request_seq=1, magento_order_number=number, ok=ok, reason=reason,
                                      magento_state=state)
    return MagentoOrderCanceledV2.build(key=script.key, occurred_at=script._tick(), producer="magento_writer",
                                        data=data, identity=(ok, reason, script.seq))


def _shipping() -> tuple[Fold, Script]:
    run = Fold(store_config(create_invoice_and_shipment=True))
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.created("100000123"), script.amazon(S.SHIPPED))
    assert len(run.shipments) == 1
    return run, script


def test_ship_that_completed_in_magento_completes_the_order_and_says_so() -> None:
    run, script = _shipping()
    run(_shipped_v2(script, complete=True, state="complete"))
    assert run.view.magento_state is MagentoState.COMPLETE and run.view.status is TabStatus.COMPLETED
    assert run.log[-1] == "Status updated to completed."


def test_ship_that_did_not_complete_is_logged_with_its_reason_once() -> None:
    run, script = _shipping()
    run(_shipped_v2(script, complete=False, shipped=False, state="processing", reason="Service Unavailable"))
    assert run.log[-1] == "Magento order 100000123 could not be shipped: Service Unavailable."
    assert run.view.last_action == run.log[-1]
    assert run.view.magento_state is MagentoState.CREATED and run.view.status is TabStatus.SHIPPED
    before = len(run.log)
    run(_shipped_v2(script, complete=False, shipped=False, state="processing", reason="Service Unavailable."))
    assert len(run.log) == before  # the same reason again adds no second identical entry


def test_a_v1_ship_result_that_did_not_complete_is_logged_too() -> None:
    run, script = _shipping()
    run(script.shipped(complete=False, number="100000123"))
    assert run.log[-1] == "Magento order 100000123 could not be shipped: unknown error."


def test_ship_failure_is_an_error_entry_of_the_v2_log() -> None:
    from schemas.events.lifecycle import LogLevel, OrderLogAppendedV2, level_of

    run, script = _shipping()
    run(_shipped_v2(script, complete=False, invoiced=False, shipped=False, state="canceled",
                    reason="the Magento order is canceled"))
    [entry] = [e for e in run.outputs if isinstance(e, OrderLogAppendedV2)][-1:]
    assert entry.data.entry.message == "Magento order 100000123 could not be shipped: the Magento order is canceled."
    assert entry.data.entry.level is LogLevel.ERROR is level_of(entry.data.entry.message)


def test_cancel_that_committed_in_magento_is_logged_canceled() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.created("100000123"), script.amazon(S.CANCELED))
    run(_canceled_v2(script, ok=True, state="canceled"))
    assert run.log[-1] == "Magento order 100000123 was canceled."
    assert run.view.magento_state is MagentoState.CANCELED


def test_cancel_refused_v2_is_logged_with_the_reason_magento_gives_now() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.created("100000123"), script.amazon(S.CANCELED))
    reason = "Magento does not allow canceling an order in state complete (status complete)"
    run(_canceled_v2(script, ok=False, state="complete", reason=reason))
    assert run.log[-1] == f"Magento order 100000123 could not be canceled: {reason}."
