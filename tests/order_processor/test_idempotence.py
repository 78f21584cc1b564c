"""Property tests: duplicates and late (stale) deliveries change nothing."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.envelope import Event
from schemas.events.lifecycle import OrderLogAppendedV1, OrderStateChangedV1
from schemas.events.poller import detailed_order_of
from schemas.types import AmazonStatus
from schemas.types import FulfillmentChannel as FC
from tests.order_processor.driver import Fold
from tests.order_processor.factory import Script, store_config

STEPS: dict[str, Callable[[Script, int], Event]] = {
    "amazon": lambda s, n: s.amazon(list(AmazonStatus)[n % len(AmazonStatus)], changes=(f"c{n}",)),
    "created": lambda s, n: s.created(f"10000{n % 3}", request_seq=1 + n % 3),
    "failed": lambda s, n: s.failed(["timeout", "no such product"][n % 2], request_seq=1 + n % 3),
    "deleted": lambda s, n: s.deleted(),
    "canceled": lambda s, n: s.canceled(ok=n % 2 == 0, reason="invoiced"),
    "shipped": lambda s, n: s.shipped(complete=n % 2 == 0),
    "reserved": lambda s, n: s.reserved(),
    "released": lambda s, n: s.released(),
    "reservation_failed": lambda s, n: s.reservation_failed("no stock"),
    "retry": lambda s, n: s.retry(),
}

steps = st.lists(st.tuples(st.sampled_from(sorted(STEPS)), st.integers(0, 20)), min_size=1, max_size=30)
configs = st.builds(store_config, import_orders=st.booleans(), create_invoice_and_shipment=st.booleans(),
                    amazon_fulfilled=st.sampled_from(["create_when_shipped", "do_not_create"]))


def history(plan: list[tuple[str, int]], channel: FC) -> list[Event]:
    script = Script(channel=channel)
    return [script.amazon(AmazonStatus.PENDING, changes=("new",))] + [STEPS[op](script, n) for op, n in plan]


@settings(max_examples=150, deadline=None)
@given(plan=steps, config=configs, channel=st.sampled_from(list(FC)), data=st.data())
def test_duplicates_and_stale_redeliveries_end_in_the_clean_state(plan, config, channel, data) -> None:  # type: ignore[no-untyped-def]
    events = history(plan, channel)
    clean = Fold(config).feed(events)
    noisy_order: list[Event] = []
    for i, event in enumerate(events):
        noisy_order.append(event)
        extra = data.draw(st.lists(st.integers(0, i), max_size=3), label=f"redeliveries after {i}")
        noisy_order.extend(events[j] for j in extra)
    noisy = Fold(config).feed(noisy_order)
    assert noisy.state == clean.state
    assert [e.event_id for e in noisy.outputs] == [e.event_id for e in clean.outputs]
    assert noisy.outputs == clean.outputs


@settings(max_examples=100, deadline=None)
@given(statuses=st.lists(st.sampled_from(list(AmazonStatus)), min_size=1, max_size=12), data=st.data())
def test_out_of_order_poller_facts_converge_on_the_newest(statuses, data) -> None:  # type: ignore[no-untyped-def]
    script = Script()
    facts = [script.amazon(status) for status in statuses]
    shuffled = data.draw(st.permutations(facts))
    duplicated = shuffled + data.draw(st.lists(st.sampled_from(facts), max_size=5))
    run = Fold(store_config(import_orders=False)).feed(duplicated)
    assert run.state is not None and run.state.order == detailed_order_of(facts[-1])
    views = [e for e in run.outputs if isinstance(e, OrderStateChangedV1)]
    assert [v.data.version for v in views] == list(range(1, len(views) + 1))
    assert views[-1].data.amazon_status is statuses[-1]
    seqs = [e.data.entry.seq for e in run.outputs if isinstance(e, OrderLogAppendedV1)]
    assert seqs == list(range(1, len(seqs) + 1))
    assert len({e.event_id for e in run.outputs}) == len(run.outputs)
