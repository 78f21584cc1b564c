"""Opaque searchOrders pagination tokens. A token pins the seller, the filter parameters
(all but maxResultsPerPage and includedData), the upper time bound of the first page and the
position reached, and expires 24 hours after it was issued. It is standard base64 (``+``,
``/``, ``=``), so clients must URL-encode it as they must with Amazon's."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sandbox.spapi.clock import format_time, parse_time
from sandbox.spapi.errors import invalid_input

TOKEN_LIFETIME = timedelta(hours=24)
PARAMETERS_MUST_MATCH = "All parameters must match the original request except maxResultsPerPage"


@dataclass(frozen=True)
class PageCursor:
    seller_id: str
    fingerprint: str
    upper_bound: datetime
    last_key: tuple[datetime, str]
    issued_at: datetime


class PaginationCodec:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def encode(self, cursor: PageCursor) -> str:
        payload = json.dumps(
            {
                "s": cursor.seller_id,
                "f": cursor.fingerprint,
                "b": format_time(cursor.upper_bound),
                "k": [format_time(cursor.last_key[0]), cursor.last_key[1]],
                "i": format_time(cursor.issued_at),
            },
            separators=(",", ":"),
        ).encode()
        signature = hmac.new(self._secret, payload, hashlib.sha256).digest()[:12]
        return base64.b64encode(signature + payload).decode()

    def decode(self, token: str, seller_id: str, fingerprint: str, now: datetime) -> PageCursor:
        """Check and open a token; every problem is a 400 InvalidInput."""
        try:
            raw = base64.b64decode(token, validate=True)
            signature, payload = raw[:12], raw[12:]
            if not hmac.compare_digest(
                signature, hmac.new(self._secret, payload, hashlib.sha256).digest()[:12]
            ):
                raise ValueError("bad signature")
            data = json.loads(payload)
            cursor = PageCursor(
                data["s"],
                data["f"],
                parse_time(data["b"]),
                (parse_time(data["k"][0]), data["k"][1]),
                parse_time(data["i"]),
            )
        except (ValueError, KeyError, IndexError, TypeError, binascii.Error) as exc:
            raise invalid_input("Invalid paginationToken.", "The pagination token is malformed.") from exc
        if cursor.seller_id != seller_id:
            raise invalid_input(
                "Invalid paginationToken.", "The pagination token was issued to another seller."
            )
        if now - cursor.issued_at > TOKEN_LIFETIME:
            raise invalid_input("Invalid paginationToken.", "The pagination token has expired.")
        if cursor.fingerprint != fingerprint:
            raise invalid_input(PARAMETERS_MUST_MATCH)
        return cursor
