"""Folds events through the pure domain and keeps what came out, for assertions."""

from __future__ import annotations

from collections.abc import Iterable

from schemas.envelope import Event
from schemas.events.lifecycle import (
    MagentoCancelRequestedV1,
    MagentoOrderRequestedV1,
    MagentoShipmentRequestedV1,
    OrderLogAppendedV1,
    OrderStateChangedV1,
    OrderView,
)
from schemas.types import StoreConfig
from services.order_processor.domain import OrderState, apply


class Fold:
    def __init__(self, config: StoreConfig) -> None:
        self.config = config
        self.state: OrderState | None = None
        self.outputs: list[Event] = []

    def __call__(self, *events: Event) -> list[Event]:
        new: list[Event] = []
        for event in events:
            outcome = apply(self.state, event, self.config)
            self.state = outcome.state
            new.extend(outcome.outputs)
        self.outputs.extend(new)
        return new

    def feed(self, events: Iterable[Event]) -> Fold:
        self(*events)
        return self

    @property
    def log(self) -> list[str]:
        return [e.data.entry.message for e in self.outputs if isinstance(e, OrderLogAppendedV1)]

    @property
    def views(self) -> list[OrderView]:
        return [e.data for e in self.outputs if isinstance(e, OrderStateChangedV1)]

    @property
    def view(self) -> OrderView:
        return self.views[-1]

    @property
    def requests(self) -> list[MagentoOrderRequestedV1]:
        return [e for e in self.outputs if isinstance(e, MagentoOrderRequestedV1)]

    @property
    def cancels(self) -> list[MagentoCancelRequestedV1]:
        return [e for e in self.outputs if isinstance(e, MagentoCancelRequestedV1)]

    @property
    def shipments(self) -> list[MagentoShipmentRequestedV1]:
        return [e for e in self.outputs if isinstance(e, MagentoShipmentRequestedV1)]
