"""Pure rules of the notification listener: decoding (strict on what it needs, tolerant of the
rest) and NotificationId de-duplication."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from services.poller.notifications.message import PoisonMessage, SeenNotifications, decode
from tests.harness import FakeClock, shared_path


def example() -> dict[str, Any]:
    doc = json.loads(shared_path("contracts", "sp-api", "OrderChangeNotification.json").read_text())
    return copy.deepcopy(doc["examples"][0])


def test_decodes_the_contract_example() -> None:
    change = decode(json.dumps(example()))
    assert change.notification_id == "d0e9e693-c3ad-4373-979f-ed4ec98dd746"
    assert (change.seller_id, change.marketplace_id, change.amazon_order_id) == (
        "A3TH9S8BH6GOGM", "ATVPDKIKX0DER", "903-8868176-2219830")
    assert change.change_type == "BuyerRequestedChange"
    assert change.time_of_change == datetime(2022, 11, 29, 19, 42, 4, 284000, tzinfo=UTC)


def test_tolerates_unknown_fields_values_and_a_null_time() -> None:
    doc = example()
    change = doc["Payload"]["OrderChangeNotification"]
    change["Summary"]["OrderStatus"] = "SomethingNew"
    change["NewField"] = {"x": 1}
    change["OrderChangeTrigger"]["TimeOfOrderChange"] = None
    decoded = decode(json.dumps(doc).encode())
    assert decoded.time_of_change is None and decoded.amazon_order_id == "903-8868176-2219830"


@pytest.mark.parametrize("mutate, needle", [
    (lambda d: d.update(NotificationType="ANY_OFFER_CHANGED"), "not ORDER_CHANGE"),
    (lambda d: d.update(PayloadVersion="2.0"), "payload version"),
    (lambda d: d["NotificationMetadata"].pop("NotificationId"), "NotificationId"),
    (lambda d: d["Payload"]["OrderChangeNotification"].pop("AmazonOrderId"), "AmazonOrderId"),
    (lambda d: d["Payload"]["OrderChangeNotification"]["Summary"].update(MarketplaceId=""), "MarketplaceId"),
    (lambda d: d.pop("Payload"), "OrderChangeNotification"),
])
def test_poison(mutate: Any, needle: str) -> None:
    doc = example()
    mutate(doc)
    with pytest.raises(PoisonMessage, match=needle):
        decode(json.dumps(doc))


@pytest.mark.parametrize("body", ["", "not json", "[1]", b"\xff\xfe"])
def test_not_json_is_poison(body: Any) -> None:
    with pytest.raises(PoisonMessage):
        decode(body)


def test_seen_keeps_the_newest_ids() -> None:
    seen = SeenNotifications(capacity=2)
    for nid in ("a", "b", "c"):
        seen.add(nid)
    assert "a" not in seen and "b" in seen and "c" in seen and len(seen) == 2


# --- cadence --------------------------------------------------------------------------------


def test_cadence_slows_while_push_flows_and_returns_when_it_stops() -> None:
    from services.poller.notifications.cadence import PushCadence
    from tests.poller.factory import store_config

    clock = FakeClock()
    cadence = PushCadence(slow_factor=5, stall_after_s=60, quiet_after_s=600, clock=clock)
    store = store_config("push", "http://sp", poll_interval=180)
    assert cadence.interval(store) == 180  # nothing heard yet
    cadence.received()
    assert cadence.interval(store) == 180  # the listener runs, but nothing came for this store
    cadence.notified("push")
    assert cadence.interval(store) == 900
    clock.now += 61  # the listener went silent: push stopped
    assert cadence.interval(store) == 180
    cadence.received()
    assert cadence.interval(store) == 900
    clock.now += 601  # no notification of this store for too long
    cadence.received()
    assert cadence.interval(store) == 180


def test_changes_from_before_push_started_are_not_counted_as_missed() -> None:
    from services.poller.notifications.cadence import PushCadence

    clock = FakeClock()
    cadence = PushCadence(clock=clock)
    cadence.polled("push", was_flowing=False, changes_published=2)  # polling alone, before the subscription
    clock.now += 10
    cadence.received()
    cadence.notified("push")  # push starts
    clock.now += 10
    # this poll's window began before the first notification: its changes predate push
    assert cadence.polled("push", was_flowing=True, changes_published=8) == 0
    clock.now += 10
    assert cadence.polled("push", was_flowing=True, changes_published=1) == 1  # a window push fully covered


def test_a_poll_finding_changes_push_missed_restores_full_cadence() -> None:
    from services.poller.notifications.cadence import PushCadence
    from tests.poller.factory import store_config

    clock = FakeClock()
    cadence = PushCadence(slow_factor=4, recovery_polls=2, clock=clock)
    store = store_config("push", "http://sp", poll_interval=100)
    cadence.received()
    cadence.notified("push")
    assert cadence.polled("push", was_flowing=True, changes_published=0) == 0
    assert cadence.interval(store) == 400
    assert cadence.polled("push", was_flowing=True, changes_published=3) == 3
    assert cadence.interval(store) == 100
    assert cadence.polled("push", was_flowing=False, changes_published=5) == 0  # full cadence: not a miss
    assert cadence.interval(store) == 100
    cadence.polled("push", was_flowing=False, changes_published=0)
    assert cadence.interval(store) == 400
