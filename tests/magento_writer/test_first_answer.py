"""Each command's first answer, again (issue 16). A writer killed between publishing a result and
committing its input offset handles the command again after a restart; it must publish the same
body under the same event id, not what it would answer now (a create's "created" became "found", a
reservation's ``applied: true`` became ``false``). The writer records the answer in its ledger
before publishing it and sends the record again, byte for byte, without asking Magento anything.

The kill is simulated in-process: the first writer publishes and never commits an offset (a SIGKILL
after the broker's ack and before the commit leaves exactly that behind), the second starts fresh on
the same database and consumer group. Real broker, PostgreSQL and the Magento stand-in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pytest
from alembic import command
from prometheus_client import REGISTRY
from sqlalchemy import inspect, text

from schemas import decode
from schemas.envelope import Event
from schemas.events.magento import MagentoOrderCreatedData, MagentoOrderCreatedV1, MagentoReservationSyncedV1
from services.common.db import alembic_config, get_engine
from services.common.settings import Settings
from services.magento_writer import results
from services.magento_writer.handlers import answers_for
from services.magento_writer.ledger import Ledger
from services.magento_writer.main import build_context
from tests.magento_writer.conftest import FAST_RETRIES, Bus, InProcessWriter
from tests.magento_writer.factories import (
    amazon_order,
    amazon_order_id,
    order_requested,
    reservation_placed,
    store_id,
)
from tests.magento_writer.sqlite_ledger import migrated_sqlite

pytestmark = pytest.mark.integration
CREATE_ROUTE = "PUT /V1/orders/create"


def _never_commits(writer: InProcessWriter) -> InProcessWriter:
    """Publishes results, never commits an input offset: after ``stop`` the broker holds what a
    SIGKILL between the result's ack and the offset commit leaves behind."""
    writer.loop.offsets.to_commit = dict  # type: ignore[method-assign]
    return writer


def _bodies(bus: Bus, event_id: str) -> list[bytes]:
    bus.results.poll(100)
    return [r.value for r in bus.results.raw if event_id.encode() in r.value and decode(r.value).event_id == event_id]


def _resent(event_type: str) -> float:
    return REGISTRY.get_sample_value("sales_channel_writer_answers_resent_total", {"command": event_type}) or 0.0


def _killed_after_publishing(
    settings: Settings, bus: Bus, cmd: Event, publish: Callable[[Event], None], result: type[Event]
) -> tuple[Event, list[bytes], float]:
    """``cmd`` handled by a writer that dies before committing, then by a fresh one: its first
    result, every body published under that result's id, and how many commands of its type were
    answered from the record meanwhile."""
    first_writer = _never_commits(InProcessWriter(settings)).start()
    try:
        publish(cmd)
        events = bus.wait(cmd.key, lambda ev: any(isinstance(e, result) for e in ev), what="first result")
    finally:
        first_writer.stop()
    first = next(e for e in events if isinstance(e, result))
    assert len(_bodies(bus, first.event_id)) == 1
    resent_before = _resent(cmd.event_type)
    second_writer = InProcessWriter(settings).start()
    try:
        bus.wait(cmd.key, lambda _ev: len(_bodies(bus, first.event_id)) >= 2, timeout=60,
                 what="the command handled again after the restart")
    finally:
        second_writer.stop()
    return first, _bodies(bus, first.event_id), _resent(cmd.event_type) - resent_before


def test_a_create_handled_again_after_a_kill_before_the_commit_resends_its_first_answer(
    magento: Any, writer_settings: Settings, bus: Bus
) -> None:
    sku = "FA-SKU-1"
    magento.create_product(sku, qty=100)
    order = amazon_order(items=((sku, 1, "5.00"),))
    cmd = order_requested(store_id(), order)
    creates_before = len(magento.calls(CREATE_ROUTE))
    first, bodies, resent = _killed_after_publishing(writer_settings, bus, cmd, bus.command, MagentoOrderCreatedV1)
    assert isinstance(first, MagentoOrderCreatedV1) and first.data.outcome == "created"
    assert len(bodies) == 2 and bodies[0] == bodies[1]  # the same body, byte for byte: not "found"
    assert resent >= 1  # answered from the record, nothing recomputed
    assert magento.count_orders(order.amazon_order_id) == 1
    assert len(magento.calls(CREATE_ROUTE)) == creates_before + 1


def test_a_reservation_handled_again_after_a_kill_before_the_commit_resends_its_first_answer(
    magento: Any, writer_settings: Settings, bus: Bus
) -> None:
    sku = "FA-SKU-2"
    magento.create_product(sku, qty=10)
    placed = reservation_placed(store_id(), amazon_order_id(), {sku: 3})
    first, bodies, resent = _killed_after_publishing(
        writer_settings, bus, placed, bus.reservation, MagentoReservationSyncedV1
    )
    assert isinstance(first, MagentoReservationSyncedV1) and first.data.applied and first.data.detail is None
    assert len(bodies) == 2 and bodies[0] == bodies[1]  # not applied=false "already applied"
    assert resent >= 1
    assert magento.salable_qty(sku) == 7


def test_an_answer_recorded_and_not_yet_published_is_what_a_fresh_writer_publishes(
    magento: Any, writer_settings: Settings
) -> None:
    """Killed after recording the answer, before publishing it: the next writer publishes the record,
    the first body any consumer sees, without creating or looking up anything in Magento."""
    sku = "FA-SKU-3"
    magento.create_product(sku, qty=100)
    order = amazon_order(items=((sku, 2, "3.00"),))
    cmd = order_requested(store_id(), order)
    first_ctx, second_ctx = (build_context(writer_settings, FAST_RETRIES) for _ in range(2))
    try:
        [recorded] = answers_for(first_ctx, cmd)  # recorded; its publication never happens
        calls_before = len(magento.calls())
        [again] = answers_for(second_ctx, cmd)
    finally:
        for ctx in (first_ctx, second_ctx):
            ctx.client.close()
            ctx.ledger.dispose()
    assert again.body == recorded.body and again.key == cmd.key
    assert isinstance(again.event, MagentoOrderCreatedV1) and again.event.data.outcome == "created"
    assert len(magento.calls()) == calls_before
    assert magento.count_orders(order.amazon_order_id) == 1


def test_the_first_recorded_answer_wins(migrated_pg_url: str) -> None:
    """Two writers handling one command at once (a rebalance) each record their answer: the second
    record is refused and both publish the first."""
    ledger = Ledger(migrated_pg_url)
    try:
        cmd = order_requested(store_id(), amazon_order())
        def created(outcome: Literal["created", "found"]) -> Event:
            return results.created(cmd, MagentoOrderCreatedData(
                request_seq=1, magento_order_number="100000016", magento_order_id=16, magento_store_code="default",
                outcome=outcome))

        assert ledger.answer(cmd.event_id) is None
        mine = ledger.keep_answer(cmd.event_id, created("created"))
        theirs = ledger.keep_answer(cmd.event_id, created("found"))
        assert theirs.body == mine.body and theirs.event == created("created")
        kept = ledger.answer(cmd.event_id)
        assert kept is not None and kept.body == mine.body
    finally:
        ledger.dispose()


def test_a_database_at_the_first_writer_revision_upgrades_and_keeps_its_rows(tmp_path: Path) -> None:
    url = migrated_sqlite(tmp_path, "0001_writer_tables")
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO magento_writer_orders (store_id, amazon_order_id, state, magento_store_code, "
                          "increment_id, entity_id) VALUES ('s', 'A', 'created', 'default', '100000001', 1)"))
    assert "magento_writer_answers" not in inspect(engine).get_table_names()
    command.upgrade(alembic_config(url), "magento_writer@head")
    assert "magento_writer_answers" in inspect(get_engine(url)).get_table_names()
    ledger = Ledger(url)
    row = ledger.get("s", "A")
    assert row is not None and (row.state, row.entity_id) == ("created", 1)
    assert ledger.answer("no-such-command") is None
