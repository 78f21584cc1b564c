"""Our Faust workers' shared options; our Faust App's flow control keeps what the fetcher queued
when flow is resumed twice (the second resume of table recovery, docs/tansu-notes.md #10), and
still empties the queues when a rebalance suspends and clears flow."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from mode.utils.queues import FlowControlQueue

from services.common.faust_app import App, ResumeOnceFlowControl
from services.common.settings import Settings


def _queue(flow: ResumeOnceFlowControl) -> FlowControlQueue[str]:
    return FlowControlQueue(maxsize=10, flow_control=flow, clear_on_resume=True)


def test_a_second_resume_keeps_the_records_queued_in_between() -> None:
    async def go() -> None:
        flow = ResumeOnceFlowControl()
        queue = _queue(flow)
        flow.resume()  # recovery resumes the streams...
        await queue.put("fetched while the consumer seeks")
        flow.resume()  # ...and resumes again after the seek: stock mode cleared the queue here
        assert queue.qsize() == 1 and await queue.get() == "fetched while the consumer seeks"

    asyncio.run(go())


def test_a_suspended_flow_still_clears_its_queues_on_resume() -> None:
    async def go() -> None:
        flow = ResumeOnceFlowControl()
        queue = _queue(flow)
        flow.resume()
        await queue.put("from the partitions before the rebalance")
        flow.suspend()  # a rebalance
        flow.resume()
        assert queue.qsize() == 0

    asyncio.run(go())


def test_the_app_uses_it() -> None:
    app = App("flow-control-test", Settings(kafka_bootstrap_servers="127.0.0.1:1"))
    assert isinstance(app.flow_control, ResumeOnceFlowControl)


def test_both_workers_share_one_set_of_group_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from services.common import faust_app

    monkeypatch.setattr(faust_app, "cluster_replication", lambda _settings: 3)
    settings = Settings(kafka_bootstrap_servers="127.0.0.1:1", data_dir=tmp_path, order_topic_partitions=6,
                        kafka_session_timeout_ms=45_000, kafka_max_poll_interval_ms=300_000)
    options = faust_app.worker_options(settings, "order-processor")
    assert options["topic_partitions"] == 6 and options["topic_replication_factor"] == 3
    assert options["table_standby_replicas"] == 0 and options["processing_guarantee"] == "at_least_once"
    assert (options["broker_session_timeout"], options["broker_max_poll_interval"]) == (45.0, 300.0)
    assert (options["key_serializer"], options["value_serializer"]) == ("raw", "raw")
    assert options["datadir"].startswith(str(tmp_path)) and "order-processor" in options["datadir"]
