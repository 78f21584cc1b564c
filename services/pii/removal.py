"""What shows where erased buyer PII was (the Orders tab)."""

from __future__ import annotations

REMOVED = "Removed after 30 days (Amazon data protection)"
REMOVED_ON_REQUEST = "Removed on the buyer's request (Amazon data protection)"


def removed_text(reason: str | None) -> str:
    """``reason``: the erasure's (``retention`` or ``request``)."""
    return REMOVED_ON_REQUEST if reason == "request" else REMOVED
