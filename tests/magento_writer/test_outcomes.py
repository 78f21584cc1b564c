"""The writer's decisions after a cancel, invoice, ship or reservation call: from what Magento holds
(pure, no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from services.magento_writer.magento.errors import BusinessError, MagentoError, RetryableError
from services.magento_writer.outcomes import (
    Attempts,
    OrderFacts,
    cancel_outcome,
    reservation_outcome,
    ship_outcome,
    uncertain,
)

DROPPED = RetryableError("Magento connection failed (RemoteProtocolError)")
UNAVAILABLE = RetryableError("Service Unavailable", http_status=503)
THROTTLED = RetryableError("Too Many Requests", http_status=429)
NO_SHIPMENT = BusinessError("The order does not allow a shipment to be created", http_status=400)


def order(state: str, status: str, invoiced: float = 0, shipped: float = 0) -> dict[str, Any]:
    items = [
        {"qty_ordered": 2, "qty_invoiced": invoiced, "qty_shipped": shipped},
        {"qty_ordered": 1, "parent_item_id": 7},  # a child row never counts
    ]
    return {"state": state, "status": status, "items": items}


NEW = OrderFacts.of(order("new", "pending"))
INVOICED = OrderFacts.of(order("processing", "processing", invoiced=2))
COMPLETE = OrderFacts.of(order("complete", "complete", invoiced=2, shipped=2))
CANCELED = OrderFacts.of(order("canceled", "canceled"))


def test_facts_read_the_state_and_whole_items() -> None:
    assert (NEW.state, NEW.status, NEW.invoiced, NEW.shipped) == ("new", "pending", False, False)
    assert INVOICED.invoiced and not INVOICED.shipped
    assert COMPLETE.complete and COMPLETE.shipped and not COMPLETE.closed
    assert CANCELED.canceled and CANCELED.closed
    assert OrderFacts.of({"state": "closed"}).closed
    assert OrderFacts.of({}) == OrderFacts(None, None, False, False)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (DROPPED, True),
        (UNAVAILABLE, True),
        (RetryableError("x", http_status=500), True),
        (THROTTLED, False),
        (NO_SHIPMENT, False),
    ],
)
def test_only_unanswered_calls_and_5xx_are_uncertain(error: MagentoError, expected: bool) -> None:
    assert uncertain(error) is expected


def test_cancel_is_done_when_magento_holds_it_canceled_whatever_the_call_said() -> None:
    assert cancel_outcome(CANCELED).ok  # the retry answered false: the lost first attempt canceled it
    assert cancel_outcome(CANCELED, UNAVAILABLE).ok
    assert cancel_outcome(CANCELED, BusinessError("Cannot cancel")).reason is None


def test_cancel_refused_gives_the_state_read_after_the_call() -> None:
    refused = cancel_outcome(COMPLETE)
    assert not refused.ok
    assert refused.reason == "Magento does not allow canceling an order in state complete (status complete)"
    assert cancel_outcome(NEW, UNAVAILABLE).reason == "Service Unavailable"


def test_ship_is_complete_when_magento_holds_it_complete_whatever_the_call_said() -> None:
    for error in (None, NO_SHIPMENT, UNAVAILABLE, DROPPED):
        outcome = ship_outcome(COMPLETE, error)
        assert (outcome.invoiced, outcome.shipped, outcome.complete, outcome.reason) == (True, True, True, None)


def test_ship_that_did_not_complete_always_has_a_reason() -> None:
    assert ship_outcome(INVOICED, UNAVAILABLE).reason == "Service Unavailable"
    assert ship_outcome(NEW, NO_SHIPMENT).reason == "The order does not allow a shipment to be created"
    canceled = ship_outcome(CANCELED, NO_SHIPMENT)
    assert not canceled.complete and canceled.reason == "the Magento order is canceled"
    held = OrderFacts("holded", "holded", True, True)
    assert ship_outcome(held).reason == "the Magento order is in state holded (status holded)"
    assert ship_outcome(held, NO_SHIPMENT).reason == "the Magento order is in state holded (status holded)"
    for facts in (NEW, INVOICED, CANCELED, held):
        for error in (None, NO_SHIPMENT, UNAVAILABLE):
            outcome = ship_outcome(facts, error)
            assert not outcome.complete and outcome.reason


def _attempts(*errors: MagentoError) -> Attempts:
    attempts = Attempts()
    for error in errors:

        def fail(e: MagentoError = error) -> None:
            raise e

        with pytest.raises(MagentoError):
            attempts.watch(fail)()
    return attempts


def test_attempts_remember_an_uncertain_failure_only() -> None:
    assert _attempts(THROTTLED, NO_SHIPMENT).uncertain is None
    assert _attempts(THROTTLED, DROPPED).uncertain is DROPPED
    assert Attempts().watch(lambda: 3)() == 3


def test_reservation_already_recorded_after_a_lost_attempt_is_ours_and_applied() -> None:
    first = reservation_outcome(True, Attempts())
    assert (first.held, first.applied, first.known, first.detail) == (True, True, True, None)
    redelivered = reservation_outcome(False, Attempts())
    assert (redelivered.held, redelivered.applied, redelivered.detail) == (True, False, "already applied")
    lost = reservation_outcome(False, _attempts(DROPPED))
    assert (lost.held, lost.applied, lost.detail) == (True, True, None)


def test_reservation_without_any_answer_is_unknown_and_a_refusal_is_known() -> None:
    unknown = reservation_outcome(None, _attempts(DROPPED), UNAVAILABLE)
    assert (unknown.held, unknown.known) == (False, False)
    assert unknown.detail == "whether Magento holds the reservation is unknown: Service Unavailable"
    refused = reservation_outcome(None, _attempts(THROTTLED), BusinessError("unknown sku"))
    assert (refused.held, refused.known, refused.detail) == (
        False,
        True,
        "Magento refused the reservation: unknown sku",
    )
