"""Collects what one input event causes: log entries, commands and the new view.

Every derived event takes the source event's ``occurred_at`` and id (causation), and an
identity from the order's own counters, so a replay reproduces identical events."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.envelope import Event
from schemas.events.lifecycle import (
    LeveledLogEntry,
    LogLevel,
    MagentoCancelRequestedData,
    MagentoCancelRequestedV1,
    MagentoOrderRequestedDataV2,
    MagentoOrderRequestedV2,
    MagentoShipmentRequestedDataV2,
    MagentoShipmentRequestedV2,
    MagentoTarget,
    OrderLogAppendedDataV2,
    OrderLogAppendedV2,
    OrderStateChangedV1,
)
from schemas.types import MagentoState, StoreConfig
from services.order_processor.domain.state import OrderState
from services.order_processor.domain.view import build_view, view_inputs

PRODUCER = "order_processor"


def target_of(config: StoreConfig) -> MagentoTarget:
    return MagentoTarget(store_id=config.store_id, merchant_id=config.merchant_id,
                         magento_store_code=config.magento_store_code,
                         magento_stock_id=config.magento_stock_id, settings=config.settings)


@dataclass
class Effects:
    """Mutates ``state`` (a private copy) and records the outputs it implies."""

    state: OrderState
    source: Event
    config: StoreConfig | None
    outputs: list[Event] = field(default_factory=list)

    def _build(self, cls: type[Event], identity: tuple[object, ...], data: object) -> Event:
        event: Event = cls.build(key=self.state.key, occurred_at=self.source.occurred_at, producer=PRODUCER,
                                 data=data, identity=identity, causation_id=self.source.event_id)
        return event

    def log(self, message: str, level: LogLevel = LogLevel.INFO) -> None:
        """Append to the order log; ``LogLevel.ERROR`` for an action that failed."""
        s = self.state
        s.log_seq += 1
        s.last_action = message
        entry = LeveledLogEntry(seq=s.log_seq, at=self.source.occurred_at, message=message, level=level)
        data = OrderLogAppendedDataV2(store_id=s.store_id, amazon_order_id=s.amazon_order_id, entry=entry)
        self.outputs.append(self._build(OrderLogAppendedV2, (s.log_seq,), data))

    def request_magento_order(self, reason: str) -> bool:
        s = self.state
        if self.config is None or s.order is None:
            return False
        s.request_seq += 1
        s.magento_state = MagentoState.REQUESTED
        data = MagentoOrderRequestedDataV2(request_seq=s.request_seq, reason=reason,  # type: ignore[arg-type]
                                           target=target_of(self.config), order=s.order)
        self.outputs.append(self._build(MagentoOrderRequestedV2, (s.request_seq,), data))
        return True

    def request_cancel(self) -> None:
        s = self.state
        if self.config is None or s.magento_order_number is None:
            return
        s.cancel_seq += 1
        data = MagentoCancelRequestedData(request_seq=s.cancel_seq, target=target_of(self.config),
                                          amazon_order_id=s.amazon_order_id,
                                          magento_order_number=s.magento_order_number,
                                          magento_order_id=s.magento_order_id)
        self.outputs.append(self._build(MagentoCancelRequestedV1, (s.cancel_seq,), data))

    def request_shipment(self) -> None:
        s = self.state
        if self.config is None or s.magento_order_number is None or s.order is None:
            return
        s.shipment_seq += 1
        data = MagentoShipmentRequestedDataV2(request_seq=s.shipment_seq, target=target_of(self.config),
                                              amazon_order_id=s.amazon_order_id,
                                              magento_order_number=s.magento_order_number,
                                              magento_order_id=s.magento_order_id, order=s.order, tracks=s.tracks)
        self.outputs.append(self._build(MagentoShipmentRequestedV2, (s.shipment_seq,), data))

    def publish_view(self, before: OrderState | None) -> None:
        """Emit the view when anything it shows changed since ``before`` (version + 1)."""
        s = self.state
        if s.order is None or s.excluded:
            return
        if before is not None and before.order is not None and view_inputs(before) == view_inputs(s):
            return
        s.version += 1
        self.outputs.append(self._build(OrderStateChangedV1, (s.version,), build_view(s, s.order, s.version)))
