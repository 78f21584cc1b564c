"""Issue 18, item 6: the shipment confirmer's outcomes in the order log, Last Action following."""

from __future__ import annotations

from schemas.events.lifecycle import LogLevel, OrderLogAppendedV2
from schemas.types import AmazonStatus as S
from tests.order_processor.driver import Fold
from tests.order_processor.factory import Script, store_config


def shipped_in_magento() -> tuple[Fold, Script]:
    run, script = Fold(store_config()), Script()
    run(script.amazon(S.UNSHIPPED), script.created("7"))
    return run, script


def levels(run: Fold) -> dict[str, LogLevel]:
    return {e.data.entry.message: e.data.entry.level for e in run.outputs if isinstance(e, OrderLogAppendedV2)}


def test_a_confirmed_package_is_logged_with_amazons_carrier_code_and_tracking_number() -> None:
    run, script = shipped_in_magento()
    run(script.confirmation("confirmed", carrier="UPS", tracking="1Z999"))
    assert run.log[-1] == "Shipment confirmed to Amazon (UPS 1Z999)."
    assert run.view.last_action == "Shipment confirmed to Amazon (UPS 1Z999)."
    assert levels(run)[run.log[-1]] is LogLevel.INFO


def test_a_carrier_without_an_amazon_code_is_logged_by_its_name() -> None:
    run, script = shipped_in_magento()
    run(script.confirmation("confirmed", carrier="Other", carrier_name="Speedy Couriers", tracking="SC-1"))
    assert run.log[-1] == "Shipment confirmed to Amazon (Speedy Couriers SC-1)."


def test_each_package_and_each_corrected_tracking_number_gets_its_entry() -> None:
    run, script = shipped_in_magento()
    run(script.confirmation("confirmed", shipment_id=5, tracking="1Z1"),
        script.confirmation("confirmed", shipment_id=6, tracking="1Z2"),
        script.confirmation("confirmed", shipment_id=5, tracking="1Z3"))
    assert run.log[-3:] == ["Shipment confirmed to Amazon (UPS 1Z1).", "Shipment confirmed to Amazon (UPS 1Z2).",
                            "Shipment confirmed to Amazon (UPS 1Z3)."]
    assert run.view.last_action == "Shipment confirmed to Amazon (UPS 1Z3)."


def test_the_same_outcome_delivered_twice_is_logged_once() -> None:
    run, script = shipped_in_magento()
    outcome = script.confirmation("confirmed", entry=9)
    run(outcome, outcome)
    assert run.log.count("Shipment confirmed to Amazon (UPS 1Z999).") == 1


def test_a_package_confirmed_again_after_a_lost_commit_is_not_logged_twice() -> None:
    """The confirmer may confirm a package again (an edit) under a new outbox entry."""
    run, script = shipped_in_magento()
    run(script.confirmation("confirmed", entry=9), script.confirmation("confirmed", entry=10))
    assert run.log.count("Shipment confirmed to Amazon (UPS 1Z999).") == 1


def test_a_failed_confirmation_is_an_error_with_amazons_reason_once_per_reason() -> None:
    run, script = shipped_in_magento()
    run(script.confirmation("failed", reason="Amazon refused: invalid carrier."),
        script.confirmation("failed", reason="Amazon refused: invalid carrier."))
    message = "Could not confirm shipment to Amazon: Amazon refused: invalid carrier."
    assert run.log.count(message) == 1
    assert run.view.last_action == message
    assert levels(run)[message] is LogLevel.ERROR


def test_a_failure_without_a_reason_still_says_so() -> None:
    run, script = shipped_in_magento()
    run(script.confirmation("failed", reason=None))
    assert run.log[-1] == "Could not confirm shipment to Amazon: unknown error."


def test_a_new_failure_after_a_confirmation_is_logged_and_a_later_confirmation_follows() -> None:
    run, script = shipped_in_magento()
    run(script.confirmation("failed", reason="SKU X is not an item of the order"),
        script.confirmation("confirmed", tracking="1Z5"),
        script.confirmation("failed", reason="SKU X is not an item of the order"))
    assert run.log[-3:] == ["Could not confirm shipment to Amazon: SKU X is not an item of the order.",
                            "Shipment confirmed to Amazon (UPS 1Z5).",
                            "Could not confirm shipment to Amazon: SKU X is not an item of the order."]


def test_skipped_confirmations_are_not_logged() -> None:
    run, script = shipped_in_magento()
    before = list(run.log)
    new = run(script.confirmation("skipped", reason="the order is fulfilled by Amazon"))
    assert run.log == before
    assert not [e for e in new if isinstance(e, OrderLogAppendedV2)]


def test_an_outcome_before_the_orders_first_amazon_fact_is_applied_after_it() -> None:
    run, script = Fold(store_config()), Script()
    early = script.confirmation("confirmed", tracking="1Z7")
    run(early)
    assert run.log == []
    run(script.amazon(S.UNSHIPPED))
    assert run.log[-1] == "Shipment confirmed to Amazon (UPS 1Z7)."


def test_outcomes_of_an_order_never_imported_are_ignored() -> None:
    run, script = Fold(store_config()), Script(purchased=store_config().integration_time.replace(year=2025))
    run(script.amazon(S.UNSHIPPED), script.confirmation("failed", reason="x"))
    assert run.state is not None and run.state.excluded and run.outputs == []


def test_a_cancellation_sent_then_accepted_is_logged_in_that_order() -> None:
    run, script = shipped_in_magento()
    run(script.cancellation("sent"), script.cancellation("accepted"))
    assert run.log[-2:] == ["Cancellation sent to Amazon.", "Amazon accepted the cancellation."]
    assert run.view.last_action == "Amazon accepted the cancellation."
    assert {levels(run)[m] for m in run.log[-2:]} == {LogLevel.INFO}


def test_a_refused_cancellation_is_an_error_with_amazons_reason() -> None:
    run, script = shipped_in_magento()
    run(script.cancellation("sent"), script.cancellation("refused", "The order cannot be canceled because it has "
                                                                    "already shipped."))
    message = "Amazon refused the cancellation: The order cannot be canceled because it has already shipped."
    assert run.log[-1] == message and run.view.last_action == message
    assert levels(run)[message] is LogLevel.ERROR


def test_a_shipped_order_refused_before_any_feed_says_why() -> None:
    run, script = shipped_in_magento()
    run(script.cancellation("refused", "the order is already shipped, and shipped orders cannot be canceled"))
    assert run.log[-1] == ("Amazon refused the cancellation: the order is already shipped, and shipped orders "
                           "cannot be canceled.")
    assert "Cancellation sent to Amazon." not in run.log


def test_cancellation_outcomes_delivered_again_are_logged_once() -> None:
    run, script = shipped_in_magento()
    sent, accepted = script.cancellation("sent"), script.cancellation("accepted")
    run(sent, sent, accepted, accepted)
    assert run.log.count("Cancellation sent to Amazon.") == 1
    assert run.log.count("Amazon accepted the cancellation.") == 1


def test_the_request_itself_changes_nothing_until_amazon_answers() -> None:
    from services.fulfillment.cancel_requests import cancel_request

    run, script = shipped_in_magento()
    before = list(run.log)
    assert run(cancel_request(script.store_id, script.order_id, "NoInventory", "ann", "cli")) == []
    assert run.log == before
