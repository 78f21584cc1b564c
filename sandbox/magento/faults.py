"""Fault injection (latency, 429/500/503, lock-wait 500, commit-then-drop) and the mutating-call log."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

FaultKind = Literal["status", "lock_wait", "commit_then_drop"]
FAULT_KINDS = ("status", "lock_wait", "commit_then_drop")
ANY_ROUTE = "*"

# The route keys of the writer's mutating calls (method + the schema's path template, parameter
# names included: a key spelled otherwise never matches). Each commits before its answer is sent,
# so "commit_then_drop" on any of them leaves the effect in place and the caller without an answer.
ORDER_CREATE = "PUT /V1/orders/create"
ORDER_CANCEL = "POST /V1/orders/{id}/cancel"
ORDER_INVOICE = "POST /V1/order/{orderId}/invoice"
ORDER_SHIP = "POST /V1/order/{orderId}/ship"
ORDER_COMMENT = "POST /V1/orders/{id}/comments"
RESERVATIONS = "POST /V1/sales-channel/reservations"
COMMAND_ROUTES = (ORDER_CREATE, ORDER_CANCEL, ORDER_INVOICE, ORDER_SHIP, ORDER_COMMENT, RESERVATIONS)


class ConnectionDropped(Exception):
    """Raised after the order was committed to abort the HTTP response ("commit then drop").

    Over a socket uvicorn closes the connection mid-response (the client sees a protocol/connection
    error); in-process (TestClient / ASGITransport) the exception reaches the caller."""


@dataclass
class Fault:
    route: str  # "PUT /V1/orders/create", "POST /V1/orders/{id}/cancel", or "*"
    kind: FaultKind
    remaining: int = 1
    status: int = 500


@dataclass
class CallRecord:
    method: str
    route: str
    path: str
    store_code: str | None
    status: int
    at: float
    fault: str | None = None
    dropped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FaultPlan:
    faults: list[Fault] = field(default_factory=list)
    latency_ms: dict[str, float] = field(default_factory=dict)  # route (or "*") -> ms

    def add(self, route: str, kind: FaultKind, times: int = 1, status: int = 500) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        if kind == "status" and status not in (429, 500, 502, 503, 504):
            raise ValueError(f"unsupported fault status {status}")
        fault = Fault(route, kind, times, status)
        self.faults.append(fault)
        return fault

    def take(self, route: str) -> Fault | None:
        """Consume one occurrence of the first fault matching the route."""
        for fault in self.faults:
            if fault.remaining > 0 and fault.route in (route, ANY_ROUTE):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self.faults.remove(fault)
                return fault
        return None

    def latency_for(self, route: str) -> float:
        return self.latency_ms.get(route, self.latency_ms.get(ANY_ROUTE, 0.0))

    def clear(self) -> None:
        self.faults.clear()
        self.latency_ms.clear()


def now() -> float:
    return time.time()
