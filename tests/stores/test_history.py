"""The one rule for "the configuration in force at a time" (``StoreHistory.at``), and the fold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from schemas.events.stores import StoreConfiguredV1
from schemas.types import StoreConfig
from services.stores.history import StoreHistory, fold
from services.stores.registry import configured_event

INTEGRATED = datetime(2026, 1, 1, tzinfo=UTC)


def config(poll: int, store_id: str = "s1") -> StoreConfig:
    """Configurations told apart by their poll interval."""
    return StoreConfig(store_id=store_id, name=store_id, merchant_id=1, seller_id="A1",
                       marketplace_id="ATVPDKIKX0DER", spapi_endpoint="http://x", lwa_credentials_ref="env:L",
                       integration_time=INTEGRATED, poll_interval_seconds=poll)


def event(poll: int, at: datetime, store_id: str = "s1", change: str = "updated") -> StoreConfiguredV1:
    return configured_event(config(poll, store_id), change, at)


def days(n: float) -> datetime:
    return INTEGRATED + timedelta(days=n)


def polls_at(history: StoreHistory, *moments: datetime) -> list[int | None]:
    return [c.poll_interval_seconds if (c := history.at(m)) is not None else None for m in moments]


# --- the rule, case by case --------------------------------------------------------------------

def test_a_store_without_configurations_has_none_in_force() -> None:
    assert StoreHistory("s1").at(days(0)) is None


def test_one_configuration_is_in_force_at_any_time_before_and_after() -> None:
    h = fold([event(100, days(0), change="integrated")])["s1"]
    assert polls_at(h, days(-365), days(-0.001), days(0), days(1), days(3650)) == [100] * 5


def test_the_newest_configuration_at_or_before_the_moment_wins() -> None:
    h = fold([event(100, days(0)), event(200, days(10)), event(300, days(20))])["s1"]
    assert polls_at(h, days(0), days(9.99), days(10), days(19), days(20), days(99)) == [100, 100, 200, 200, 300, 300]


def test_a_moment_before_the_first_configuration_gets_the_first_one() -> None:
    """Facts may carry Amazon's earlier times (the initial import): judged by the integration's settings."""
    h = fold([event(100, days(0)), event(200, days(10))])["s1"]
    assert polls_at(h, days(-30), days(-0.5)) == [100, 100]


def test_a_change_takes_effect_exactly_at_its_effective_time() -> None:
    h = fold([event(100, days(0)), event(200, days(5))])["s1"]
    assert polls_at(h, days(5) - timedelta(microseconds=1), days(5)) == [100, 200]


def test_configurations_are_ordered_by_effective_time_not_by_arrival() -> None:
    """A change dated earlier but read later (a backdated correction) takes its place in time."""
    h = fold([event(300, days(20)), event(100, days(0)), event(200, days(10))])["s1"]
    assert h.times == (days(0), days(10), days(20))
    assert polls_at(h, days(5), days(15), days(25)) == [100, 200, 300]
    assert h.current.poll_interval_seconds == 300


def test_the_current_configuration_is_the_latest_in_effect_not_the_latest_read() -> None:
    h = fold([event(200, days(10)), event(100, days(0))])["s1"]
    assert h.current.poll_interval_seconds == 200


def test_of_two_configurations_with_one_effective_time_the_one_read_later_wins() -> None:
    h = fold([event(100, days(0)), event(200, days(5)), event(300, days(5))])["s1"]
    assert polls_at(h, days(4), days(5), days(6)) == [100, 300, 300]
    assert h.current.poll_interval_seconds == 300


def test_ties_at_the_first_moment_apply_before_it_as_at_it() -> None:
    h = fold([event(100, days(0)), event(200, days(0))])["s1"]
    assert polls_at(h, days(-1), days(0)) == [200, 200]


def test_an_event_read_twice_counts_once_and_leaves_the_history_unchanged() -> None:
    first = event(100, days(0))
    h = StoreHistory("s1").with_event(first)
    assert h.with_event(first) is h
    h2 = fold([first, event(200, days(5)), first])["s1"]
    assert len(h2.configs) == 2 and polls_at(h2, days(6)) == [200]


def test_with_event_returns_a_new_history_and_leaves_the_old_one_as_it_was() -> None:
    h1 = StoreHistory("s1").with_event(event(100, days(0)))
    h2 = h1.with_event(event(200, days(5)))
    assert polls_at(h1, days(6)) == [100] and polls_at(h2, days(6)) == [200]
    assert len(h1.configs) == 1 and len(h2.configs) == 2


def test_fold_keeps_one_history_per_store() -> None:
    stores = fold([event(100, days(0), "a"), event(200, days(0), "b"), event(300, days(5), "a")])
    assert sorted(stores) == ["a", "b"]
    assert polls_at(stores["a"], days(1), days(6)) == [100, 300]
    assert polls_at(stores["b"], days(6)) == [200]
    assert fold([]) == {}


# --- the rule against its definition, for any history and moment ----------------------------------

def oracle(arrivals: list[tuple[int, int]], when: int) -> int:
    """By definition: among distinct events, the latest effective at or before
    max(when, first effective time), later-read first on ties."""
    distinct: dict[tuple[int, int], int] = {}
    for index, (at, poll) in enumerate(arrivals):
        distinct.setdefault((at, poll), index)  # identical event = the same event id
    first = min(at for at, _ in distinct)
    moment = max(when, first)
    at, index, poll = max((at, index, poll) for (at, poll), index in distinct.items() if at <= moment)
    return poll


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(1, 4)), min_size=1, max_size=12),
       st.integers(-3, 9))
def test_at_matches_its_definition(arrivals: list[tuple[int, int]], when: int) -> None:
    h = fold([event(poll, days(at)) for at, poll in arrivals])["s1"]
    assert polls_at(h, days(when)) == [oracle(arrivals, when)]
    assert list(h.times) == sorted(h.times)
    assert h.current.poll_interval_seconds == oracle(arrivals, 10**6)
