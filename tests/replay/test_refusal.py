"""`sales-channel replay` refuses while a live consumer of the same group is running."""

from __future__ import annotations

import time

import pytest

from services.common.kafka import make_consumer
from services.common.settings import Settings
from services.replay import ReplayRefused, replay

pytestmark = pytest.mark.integration


def test_replay_refuses_while_the_projector_group_has_a_live_member(topics: Settings) -> None:
    from services.orders_tab.projector import GROUP_ID, SOURCE_TOPICS

    fast = topics.model_copy(update={"kafka_session_timeout_ms": 1000})  # short grace for departing members
    live = make_consumer(topics, GROUP_ID, SOURCE_TOPICS)
    try:
        deadline = time.monotonic() + 30
        while not live.assignment() and time.monotonic() < deadline:
            live.poll(200)
        assert live.assignment(), "the stand-in projector never joined its group"
        with pytest.raises(ReplayRefused, match="live consumer"):
            replay(fast, "orders_tab")
        with pytest.raises(ValueError, match="unknown service"):
            replay(fast, "everything")
    finally:
        live.close()
