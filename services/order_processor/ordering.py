"""The order in which one batch of input records is folded.

An order's facts arrive on four co-partitioned topics, and the fetcher hands over whatever each
partition returned, one topic's run after another's. Folding in that order would make the
order log depend on fetch timing: a replay, which finds every topic full, could fold a Magento
result before the Amazon fact that caused it. Within a batch, records are therefore merged by
their timestamps (each fact is produced after the facts it was caused by), while every
partition's own records keep their offset order."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from itertools import count

from services.order_processor.processor import Record


def by_time(records: Sequence[Record]) -> list[Record]:
    """A timestamp merge of the per-partition runs in ``records`` (stable for equal times)."""
    runs: dict[tuple[str, int], list[Record]] = {}
    for record in records:
        runs.setdefault((record.topic, record.partition), []).append(record)
    if len(runs) < 2:
        return list(records)
    tie = count()
    keyed = ([((r.timestamp_ms or 0), next(tie), r) for r in run] for run in runs.values())
    return [r for _, _, r in heapq.merge(*keyed)]
