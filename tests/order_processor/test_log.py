"""SPEC §4: reservation entries, append-only log with sequence numbers, Last Action."""

from __future__ import annotations

from schemas.events.lifecycle import OrderLogAppendedV1
from schemas.types import AmazonStatus as S
from tests.order_processor.driver import Fold
from tests.order_processor.factory import Script, store_config


def test_reservation_entries_and_reserved_flag() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.PENDING), script.reserved())
    assert run.view.reserved is True and run.log == ["Inventory reserved."]
    run(script.amazon(S.UNSHIPPED), script.created(), script.released())
    assert run.view.reserved is False and run.log[-1] == "Reserved inventory released."


def test_reservation_failure_logged_once_per_reason() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.PENDING), script.reservation_failed("the quantity is not available"),
        script.reservation_failed("the quantity is not available"))
    assert run.log == ["Unable to reserve inventory: the quantity is not available."]


def test_log_is_append_only_with_consecutive_seq_and_source_time() -> None:
    run = Fold(store_config())
    script = Script()
    events = [script.amazon(S.PENDING), script.reserved(), script.amazon(S.UNSHIPPED),
              script.created("7"), script.released(), script.amazon(S.SHIPPED)]
    run(*events)
    entries = [e for e in run.outputs if isinstance(e, OrderLogAppendedV1)]
    assert [e.data.entry.seq for e in entries] == list(range(1, len(entries) + 1))
    assert len({e.event_id for e in entries}) == len(entries)
    by_id = {e.event_id: e for e in events}
    for entry in entries:
        assert entry.data.entry.at == by_id[entry.causation_id or ""].occurred_at
    assert run.view.last_action == entries[-1].data.entry.message
    assert run.log == ["Inventory reserved.", "Order imported from Amazon.", "Magento order 7 was created.",
                       "Reserved inventory released.", "Status updated to Shipped.",
                       "Invoice created for Amazon marketplace order."]


def test_state_round_trips_through_bytes_and_dict() -> None:
    from services.order_processor.domain import OrderState

    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.failed("x"))
    assert run.state is not None
    assert OrderState.from_bytes(run.state.to_bytes()) == run.state
    assert OrderState.from_dict(run.state.to_dict()) == run.state


def test_entries_are_v2_and_failed_actions_are_errors() -> None:
    """The processor states each entry's level (v2); it agrees with what the v1 upcast infers
    from the wording, so live and replayed-from-v1 logs read the same."""
    from schemas.events.lifecycle import LogLevel, OrderLogAppendedV2, level_of

    failing, canceled = Fold(store_config()), Fold(store_config())
    a, b = Script(), Script(order_id="111-0000000-0000009")
    failing(a.amazon(S.PENDING), a.reservation_failed("the quantity is not available"), a.reserved(),
            a.amazon(S.UNSHIPPED), a.failed("SKU X is disabled"))
    canceled(b.amazon(S.PENDING), b.amazon(S.UNSHIPPED), b.created("9"), b.amazon(S.CANCELED),
             b.canceled(ok=False, number="9", reason="the order is invoiced"))
    entries = [e for e in failing.outputs + canceled.outputs if isinstance(e, OrderLogAppendedV1)]
    assert entries and all(isinstance(e, OrderLogAppendedV2) and e.schema_version == 2 for e in entries)
    levels = {e.data.entry.message: e.data.entry.level for e in entries}  # type: ignore[attr-defined]
    assert levels == {message: level_of(message) for message in levels}
    errors = [m for m, level in levels.items() if level is LogLevel.ERROR]
    assert [m.split(":")[0] for m in errors] == ["Unable to reserve inventory", "Cannot create sales order",
                                                "Magento order 9 could not be canceled"]
