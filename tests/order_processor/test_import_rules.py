"""SPEC §2: which orders are tracked, and when they join the Orders tab."""

from __future__ import annotations

from datetime import timedelta

from schemas.types import AmazonStatus as S
from schemas.types import FulfillmentChannel, TabStatus
from services.order_processor.domain import order_id_for
from tests.order_processor.driver import Fold
from tests.order_processor.factory import INTEGRATED, Script, store_config

BEFORE = INTEGRATED - timedelta(days=2)


def test_new_order_is_tracked_from_first_sighting_pending_off_tab() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.PENDING, changes=("new",)))
    assert run.state is not None and not run.state.excluded
    assert run.view.status is TabStatus.PENDING and run.view.on_tab is False
    assert run.log == [] and run.requests == []


def test_leaving_pending_joins_the_tab_with_imported_entry() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.PENDING), script.amazon(S.UNSHIPPED))
    assert run.view.on_tab is True and run.view.status is TabStatus.UNSHIPPED
    assert run.log == ["Order imported from Amazon."]
    assert run.view.last_action == "Order imported from Amazon."


def test_pending_availability_is_pending_and_partially_shipped_joins() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.PENDING_AVAILABILITY))
    assert run.view.status is TabStatus.PENDING and not run.view.on_tab
    run(script.amazon(S.PARTIALLY_SHIPPED, shipped=1))
    assert run.view.status is TabStatus.PARTIALLY_SHIPPED and run.view.on_tab
    assert run.view.items_shipped == 1 and run.view.items_unshipped == 1


def test_fba_order_goes_from_pending_straight_to_shipped() -> None:
    run = Fold(store_config())
    script = Script(channel=FulfillmentChannel.AMAZON)
    run(script.amazon(S.PENDING), script.amazon(S.SHIPPED))
    assert run.view.on_tab and run.view.status is TabStatus.SHIPPED
    assert run.log == ["Order imported from Amazon.", "Invoice created for Amazon marketplace order."]


def test_canceled_while_pending_never_joins_the_tab() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.PENDING), script.amazon(S.CANCELED))
    assert run.view.status is TabStatus.CANCELED and run.view.on_tab is False
    assert run.log == ["Amazon order canceled."]
    assert run.requests == []


def test_pre_integration_unshipped_order_from_initial_import_is_imported() -> None:
    run = Fold(store_config())
    script = Script(purchased=BEFORE, start=INTEGRATED)
    run(script.amazon(S.UNSHIPPED, initial_import=True, changes=("new",)))
    assert run.view.on_tab and run.log[0] == "Order imported from Amazon."
    assert len(run.requests) == 1


def test_pre_integration_unshipped_is_excluded_when_initial_import_is_none() -> None:
    run = Fold(store_config(initial_import="none"))
    script = Script(purchased=BEFORE, start=INTEGRATED)
    run(script.amazon(S.UNSHIPPED, initial_import=True))
    assert run.state is not None and run.state.excluded and run.outputs == []


def test_pre_integration_order_in_other_status_is_excluded_forever() -> None:
    run = Fold(store_config())
    script = Script(purchased=BEFORE, start=INTEGRATED)
    run(script.amazon(S.PENDING, initial_import=True))
    assert run.state is not None and run.state.excluded
    run(script.amazon(S.UNSHIPPED), script.amazon(S.SHIPPED))  # whatever happens later
    assert run.state.excluded and run.outputs == []


def test_pre_integration_order_not_from_initial_import_is_excluded() -> None:
    run = Fold(store_config())
    script = Script(purchased=BEFORE, start=INTEGRATED)
    run(script.amazon(S.UNSHIPPED, initial_import=False))
    assert run.state is not None and run.state.excluded and run.outputs == []


def test_order_id_is_deterministic_from_the_key() -> None:
    a, b = Fold(store_config()), Fold(store_config())
    a(Script().amazon(S.UNSHIPPED))
    b(Script().amazon(S.UNSHIPPED))
    assert a.view.order_id == b.view.order_id == order_id_for(Script().key)
    assert order_id_for("other:1") != a.view.order_id


def test_untracked_order_parks_other_events_without_output() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.created(), script.reserved(), script.retry())
    assert run.state is not None and len(run.state.parked) == 3 and run.outputs == []


def test_events_overtaking_the_first_amazon_fact_are_applied_after_it() -> None:
    script = Script()
    pending, reserved = script.amazon(S.PENDING), script.reserved()
    clean = Fold(store_config()).feed([pending, reserved])
    overtaken = Fold(store_config()).feed([reserved, reserved, pending])
    assert overtaken.outputs == clean.outputs and overtaken.state == clean.state
    assert overtaken.log == ["Inventory reserved."]


def test_parked_events_of_an_excluded_order_are_dropped() -> None:
    run = Fold(store_config())
    script = Script(purchased=BEFORE, start=INTEGRATED)
    run(script.reserved(), script.amazon(S.SHIPPED))
    assert run.state is not None and run.state.excluded and run.state.parked == () and run.outputs == []
