"""The replay's wait for a stopped consumer group to empty, without a broker (GROUP_EMPTY policy)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services import replay
from services.replay import ReplayRefused, _ensure_idle


def members(counts: list[int], monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    answers = iter(counts)
    monkeypatch.setattr(replay, "group_member_count", lambda admin, group: next(answers))
    return answers


def test_a_member_that_leaves_within_the_grace_is_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    members([2, 1, 0], monkeypatch)
    waits: list[float] = []
    _ensure_idle(None, "g", "order_processor", grace_s=15.0, sleep=waits.append)  # type: ignore[arg-type]
    assert waits == [1.0, 1.0]  # asked once a second until the group was empty


def test_a_member_still_there_is_refused_naming_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    members([1, 1], monkeypatch)
    with pytest.raises(ReplayRefused, match="1 live consumer.*Stop every order-processor process"):
        _ensure_idle(None, "g", "order_processor", grace_s=0.0)  # type: ignore[arg-type]
