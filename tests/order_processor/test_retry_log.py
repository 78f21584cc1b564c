"""SPEC §11: a person's retry request is written to the order's log with who made it,
from v2 requests (a named user, the CLI, a tool) and from v1 requests read from old topics."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schemas.events.requests import (
    MagentoRetryRequestedDataV2,
    MagentoRetryRequestedV1,
    MagentoRetryRequestedV2,
    RequestedVia,
)
from schemas.registry import decode, encode
from schemas.types import AmazonStatus as S
from services.order_processor.domain import messages as msg
from tests.order_processor.driver import Fold
from tests.order_processor.factory import INTEGRATED, Script, store_config


def request_v2(script: Script, name: str, via: RequestedVia) -> MagentoRetryRequestedV2:
    data = MagentoRetryRequestedDataV2(store_id=script.store_id, amazon_order_id=script.order_id,
                                       requested_by=name, request_id=f"r-{name}", via=via)
    return MagentoRetryRequestedV2.build(key=script.key, occurred_at=INTEGRATED + timedelta(days=1),
                                         producer="orders_tab", data=data, identity=(f"r-{name}",))


@pytest.mark.parametrize(("name", "via", "message"), [
    ("alice", RequestedVia.WEB, "Retry requested by alice."),
    ("bob", RequestedVia.API, "Retry requested by bob."),
    ("carol", RequestedVia.CLI, "Retry requested by carol (command line)."),
    ("demo", RequestedVia.SYSTEM, "Retry requested by demo."),
])
def test_the_message_names_the_requester(name: str, via: RequestedVia, message: str) -> None:
    assert msg.retry_requested(name, via) == message


def test_a_users_retry_is_logged_with_their_name_before_the_new_request() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.failed("Product SKU-1 does not exist"))
    new = run(request_v2(script, "alice", RequestedVia.WEB))
    assert run.log[-1] == "Retry requested by alice."
    assert run.requests[-1].data.reason == "user_retry"
    assert run.view.last_action == "Retry requested by alice."
    kinds = [type(e).__name__ for e in new]
    assert kinds.index("OrderLogAppendedV2") < kinds.index("MagentoOrderRequestedV2")


def test_a_retry_with_nothing_to_retry_is_still_logged_and_requests_nothing() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.created("100000123"))
    run(request_v2(script, "bob", RequestedVia.API))
    assert run.log[-1] == "Retry requested by bob." and len(run.requests) == 1


def test_a_v1_request_from_an_old_topic_is_read_and_logged() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.failed("boom"))
    old = script.retry()  # v1, requested_by "admin"
    assert isinstance(old, MagentoRetryRequestedV1) and not isinstance(old, MagentoRetryRequestedV2)
    run(decode(encode(old)))
    assert run.log[-1] == "Retry requested by admin."
    assert run.requests[-1].data.reason == "user_retry"


def test_v1_upcasts_keep_the_fact_and_read_the_cli_prefix() -> None:
    script = Script()
    old = script.retry()
    cli = old.model_copy(update={"data": old.data.model_copy(update={"requested_by": "cli:dana"})})
    new = decode(encode(cli))
    assert isinstance(new, MagentoRetryRequestedV2) and new.event_id == old.event_id
    assert (new.data.requested_by, new.data.via) == ("dana", RequestedVia.CLI)
    assert decode(encode(old)).data.via is RequestedVia.SYSTEM  # type: ignore[attr-defined]


def test_a_replayed_request_is_logged_once() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(S.UNSHIPPED), script.failed("boom"))
    request = request_v2(script, "alice", RequestedVia.WEB)
    run(request, request)
    assert run.log.count("Retry requested by alice.") == 1
