"""The one switch for a broker's known differences from Apache Kafka: ``BROKER_QUIRKS``.

``none`` (the default, and what every Apache Kafka deployment runs): nothing here changes a
client. ``tansu``: the work-arounds for the dev broker Tansu 0.6.0 that docs/tansu-notes.md
documents, each with its reproduction. No other module names a broker; they ask this one what
to do (``short_end_offsets``, ``enforces_topic_configs``, ``stale_members_linger``,
``stream_fetch_max_wait_ms``, ``describe_groups_tolerantly``, ``confirm_end_offsets``);
"note #N" in their comments is the numbered entry of docs/tansu-notes.md.

- #7/#14 ListOffsets(latest) answers the start of the last batch + 1 (or an older batch's):
  ``confirm_end_offsets`` reads from the reported end to find the real one.
- #5 DescribeGroups' ``authorized_operations`` bits kafka-python cannot parse:
  ``describe_groups_tolerantly`` ignores the unknown bits.
- #8 members that left stay listed: ``replay --force`` is offered (Kafka removes them).
- #12 a waiting fetch answered only at its max wait: the stream fetch wait is bounded.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

log = logging.getLogger(__name__)

Quirks = Literal["none", "tansu"]
QUIRKS: tuple[Quirks, ...] = ("none", "tansu")


def active() -> Quirks:
    """The broker quirks this process works around (``BROKER_QUIRKS``)."""
    value = os.environ.get("BROKER_QUIRKS", "none").strip().lower() or "none"
    if value not in QUIRKS:
        raise ValueError(f"BROKER_QUIRKS={value!r} is not one of {', '.join(QUIRKS)} "
                         f"(none for Apache Kafka, tansu for the dev broker)")
    return value  # type: ignore[return-value]


def _tansu() -> bool:
    return active() == "tansu"


def short_end_offsets() -> bool:
    """Whether ListOffsets(latest) can answer short of the high watermark (notes #7, #9, #14)."""
    return _tansu()


def enforces_topic_configs() -> bool:
    """Whether the broker keeps topic configs (cleanup, retention) to verify (note #4: Tansu has none)."""
    return not _tansu()


def idempotent_async_producers() -> bool:
    """Whether aiokafka's idempotent producer can start: Tansu answers its InitProducerId with
    UnknownError (note #16), so there the processor's output producer runs without idempotence
    (acks=all, ordered in-flight batches as before); on Kafka a retried batch is written once."""
    return not _tansu()


def stream_fetch_max_wait_ms() -> int | None:
    """The Faust stream consumer's fetch wait: ``STREAM_FETCH_MAX_WAIT_MS`` where set, else 100 ms on
    Tansu (note #12) and Faust's own on Kafka, which answers a waiting fetch as soon as a record arrives."""
    explicit = os.environ.get("STREAM_FETCH_MAX_WAIT_MS")
    if explicit:
        return int(explicit)
    return 100 if _tansu() else None


def confirm_end_offsets(reader: Any, reported: dict[Any, int], timeout_s: float = 10.0) -> dict[Any, int]:
    """``reported`` end offsets (ListOffsets latest), confirmed on Tansu by reading (tansu-notes #7,
    #14); unchanged on Apache Kafka, whose answer is the high watermark. ``reader`` is a
    group-less kafka-python consumer this function may reassign.

    On Tansu, everything the first fetch from ``end - 1`` of each partition brings (several batches)
    finds the real end. A partition that never answers within ``timeout_s`` keeps the reported end
    and is logged: an end too low makes Faust's recovery stop short."""
    if not short_end_offsets():
        return dict(reported)
    check = {tp: end for tp, end in reported.items() if end > 0}
    if not check:
        return dict(reported)
    reader.assign(list(check))
    for tp, end in check.items():
        reader.seek(tp, end - 1)
    out = dict(reported)
    answered: set[Any] = set()
    deadline = time.monotonic() + timeout_s
    draining = False
    while time.monotonic() < deadline:
        # Until every partition answered, wait for fetches; then take only what the fetches already
        # brought: a partition being written meanwhile must not keep this reading.
        batch = reader.poll(timeout_ms=0 if draining else 300)
        for tp, records in batch.items():
            if records:
                out[tp] = max(out[tp], records[-1].offset + 1)
                answered.add(tp)
        if draining and not any(batch.values()):
            break
        draining = answered >= set(check)
    if pending := set(check) - answered:
        log.warning("end offsets not confirmed by a read (reported ends kept): %s",
                    sorted(f"{tp.topic}[{tp.partition}]" for tp in pending))
    return out


@contextmanager
def describe_groups_tolerantly() -> Iterator[None]:
    """On Tansu, let kafka-python's DescribeGroups ignore ``authorized_operations`` bits it cannot
    parse (tansu-notes #5: ``15 is not a valid ACLOperation``); nothing changes on Kafka."""
    if not _tansu():
        yield
        return
    import kafka.admin._acls as acls_mod

    original = acls_mod.valid_acl_operations
    known = {op.value for op in acls_mod.ACLOperation}

    def tolerant(values: Any) -> set[Any]:
        return original([v for v in values if v in known])

    acls_mod.valid_acl_operations = tolerant  # type: ignore[assignment]
    try:
        yield
    finally:
        acls_mod.valid_acl_operations = original  # type: ignore[assignment]


def stale_members_linger() -> bool:
    """Whether consumers that left can stay listed in their group (tansu-notes #8), so an operator
    may need ``replay --force`` after stopping every consumer. Apache Kafka removes them."""
    return _tansu()
