"""Magento's timestamp format (UTC, `Y-m-d H:i:s`)."""

from __future__ import annotations

from datetime import UTC, datetime


def now_str() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
