"""What a command's result says, decided from what Magento holds (pure; issue 16).

A call that timed out, lost its connection or got a 5xx may have committed in Magento: its retry
then meets Magento's refusal ("does not allow a shipment", ``cancel`` answering false) although the
first attempt did the work. So a handler never takes a failed or refused call as the outcome: it
reads the order again and these functions decide from that read. A command whose effect is already
present is done; otherwise the call's own error (or Magento's refusal, from the state it holds now)
is the reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from services.magento_writer.magento.errors import MagentoError

T = TypeVar("T")
CLOSED_STATES = ("canceled", "closed")


def uncertain(error: MagentoError) -> bool:
    """The call may have committed although it failed: no answer (timeout, dropped connection) or a
    5xx. A 429 or a business refusal was not executed."""
    return error.retryable and (error.http_status is None or error.http_status >= 500)


class Attempts:
    """Wraps a call run under ``with_retries`` and remembers whether any attempt was uncertain."""

    def __init__(self) -> None:
        self.uncertain: MagentoError | None = None

    def watch(self, call: Callable[[], T]) -> Callable[[], T]:
        def watched() -> T:
            try:
                return call()
            except MagentoError as exc:
                if uncertain(exc):
                    self.uncertain = exc
                raise

        return watched


def _all(items: list[dict[str, Any]], field: str) -> bool:
    rows = [i for i in items if not i.get("parent_item_id")]
    return bool(rows) and all(float(i.get(field) or 0) >= float(i.get("qty_ordered") or 0) for i in rows)


@dataclass(frozen=True)
class OrderFacts:
    """What Magento holds for one order, from ``GET /V1/orders/{id}``."""

    state: str | None
    status: str | None
    invoiced: bool  # every item fully invoiced
    shipped: bool  # every item fully shipped

    @classmethod
    def of(cls, order: Mapping[str, Any]) -> OrderFacts:
        items = [i for i in order.get("items") or [] if isinstance(i, dict)]
        state, status = order.get("state"), order.get("status")
        return cls(
            state if isinstance(state, str) else None,
            status if isinstance(status, str) else None,
            _all(items, "qty_invoiced"),
            _all(items, "qty_shipped"),
        )

    @property
    def complete(self) -> bool:
        return self.state == "complete"

    @property
    def canceled(self) -> bool:
        return self.state == "canceled"

    @property
    def closed(self) -> bool:
        return self.state in CLOSED_STATES

    def held(self) -> str:
        return f"state {self.state or 'unknown'} (status {self.status or 'unknown'})"


@dataclass(frozen=True)
class CancelOutcome:
    ok: bool
    reason: str | None = None


def cancel_outcome(facts: OrderFacts, error: MagentoError | None = None) -> CancelOutcome:
    """``facts``: the order read after the cancel call; ``error``: the call's failure, if it failed
    (None when Magento answered, true or false)."""
    if facts.canceled:
        return CancelOutcome(True)
    if error is not None:
        return CancelOutcome(False, error.reason)
    return CancelOutcome(False, f"Magento does not allow canceling an order in {facts.held()}")


@dataclass(frozen=True)
class ShipOutcome:
    invoiced: bool
    shipped: bool
    complete: bool
    reason: str | None = None


def ship_outcome(facts: OrderFacts, error: MagentoError | None = None) -> ShipOutcome:
    """``facts``: the order read after the invoice and ship calls; ``error``: the failure of the last
    of them that failed. The effect present in Magento wins over any error."""
    if facts.complete:
        return ShipOutcome(True, True, True)
    if facts.closed:
        return ShipOutcome(facts.invoiced, facts.shipped, False, f"the Magento order is {facts.state}")
    if error is not None and not (facts.invoiced and facts.shipped):
        return ShipOutcome(facts.invoiced, facts.shipped, False, error.reason)
    return ShipOutcome(facts.invoiced, facts.shipped, False, f"the Magento order is in {facts.held()}")


@dataclass(frozen=True)
class ReservationOutcome:
    """``held``: Magento holds the command's key (applied now or before); ``applied``: this command
    applied it (its own attempt whose answer was lost included); ``known`` False: every attempt was
    uncertain and none answered, so whether Magento holds it is unknown."""

    held: bool
    applied: bool
    known: bool = True
    detail: str | None = None


def reservation_outcome(
    answer: bool | None, attempts: Attempts, error: MagentoError | None = None
) -> ReservationOutcome:
    """The module's route is idempotent by key: a retry is the re-read. ``answer`` True: applied by
    this call; False: the key was already recorded, which after an uncertain attempt means our own
    lost attempt applied it (done), else an earlier delivery of the same command did."""
    if error is not None:
        if attempts.uncertain is not None:
            return ReservationOutcome(
                False, False, False, f"whether Magento holds the reservation is unknown: {error.reason}"
            )
        return ReservationOutcome(False, False, True, f"Magento refused the reservation: {error.reason}")
    if answer or attempts.uncertain is not None:
        return ReservationOutcome(True, True)
    return ReservationOutcome(True, False, True, "already applied")
