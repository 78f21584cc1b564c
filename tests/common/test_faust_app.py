"""Our Faust App's flow control keeps what the fetcher queued when flow is resumed twice (the
second resume of table recovery, docs/tansu-notes.md #10), and still empties the queues when a
rebalance suspends and clears flow."""

from __future__ import annotations

import asyncio

from mode.utils.queues import FlowControlQueue

from services.common.faust_app import App, ResumeOnceFlowControl
from services.common.settings import Settings


def _queue(flow: ResumeOnceFlowControl) -> FlowControlQueue:
    queue = FlowControlQueue(maxsize=10, flow_control=flow, clear_on_resume=True)
    return queue


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
