"""The fulfillment outbox of our Magento module (``deploy/magento-module``), in the stand-in.

The module's observers append a snapshot of the whole shipment (order reference, items with the
Amazon order item id kept in ``ext_order_item_id``, tracks, who made the change) to
``sales_channel_fulfillment_outbox`` inside the transaction that saves the shipment or a track; and
an ``order_canceled`` entry (the order reference, its items, who canceled it) when an order's state
becomes canceled, inside the order's save. Here the "transaction" is the state lock: the entry is
appended under the same lock hold as the change.

Shipment tracks keep the dicts they were sent with (``OrderBook.shipments[...]["tracks"]``); their
entity ids live here, beside them, so the existing views stay as they were.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sandbox.magento.clock import now_str
from sandbox.magento.errors import MagentoError
from sandbox.magento.orders import OrderBook

SHIPMENT_SAVED = "shipment_saved"
TRACK_SAVED = "track_saved"
TRACK_DELETED = "track_deleted"
ORDER_CANCELED = "order_canceled"
MAX_PAGE = 500
# Magento\Authorization\Model\UserContextInterface
USER_TYPE_INTEGRATION = 1
USER_TYPE_ADMIN = 2


@dataclass
class Track:
    entity_id: int
    parent_id: int
    order_id: int
    data: dict[str, Any]  # the dict stored in the shipment's "tracks" list
    created_at: str

    def snapshot(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "track_number": str(self.data.get("track_number") or ""),
            "carrier_code": str(self.data.get("carrier_code") or ""),
            "title": str(self.data.get("title") or ""),
            "created_at": self.created_at,
        }


@dataclass
class FulfillmentOutbox:
    orders: OrderBook
    entries: list[dict[str, Any]] = field(default_factory=list)
    tracks: dict[int, Track] = field(default_factory=dict)
    source: dict[str, Any] = field(
        default_factory=lambda: {"area": "webapi_rest", "user_type": USER_TYPE_INTEGRATION, "user_id": 1}
    )
    _next_track: int = 0

    def attach(self) -> None:
        self.orders.shipment_observers.append(self._shipment_saved)
        self.orders.cancel_observers.append(self._order_canceled)

    @contextmanager
    def acting_as(self, area: str, user_type: int | None, user_id: int | None) -> Iterator[None]:
        """Changes made inside are recorded as made from ``area`` by that user (the caller holds the lock)."""
        saved = self.source
        self.source = {"area": area, "user_type": user_type, "user_id": user_id}
        try:
            yield
        finally:
            self.source = saved

    # ---- observers -------------------------------------------------------------------------------
    def _shipment_saved(self, shipment: dict[str, Any]) -> None:
        for data in shipment["tracks"]:
            self._register(shipment, data)
        self._record(shipment, SHIPMENT_SAVED)

    def _register(self, shipment: dict[str, Any], data: dict[str, Any]) -> Track:
        self._next_track += 1
        track = Track(self._next_track, shipment["entity_id"], shipment["order_id"], data, now_str())
        self.tracks[track.entity_id] = track
        return track

    def _record(self, shipment: dict[str, Any], event: str) -> None:
        order = self.orders.get(shipment["order_id"])
        by_item = {int(i["item_id"]): i for i in order["items"]}
        items = [
            {
                "order_item_id": item_id,
                "ext_order_item_id": by_item[item_id].get("ext_order_item_id"),
                "sku": by_item[item_id].get("sku"),
                "qty": qty,
            }
            for item_id, qty in sorted(shipment["items"].items())
        ]
        tracks = [t.snapshot() for t in sorted(self._tracks_of(shipment["entity_id"]), key=lambda t: t.entity_id)]
        payload = {
            "shipment": {
                "entity_id": shipment["entity_id"],
                "increment_id": str(shipment.get("increment_id") or shipment["entity_id"]),
                "created_at": shipment["created_at"],
            },
            "order": self._order_ref(order),
            "items": items,
            "tracks": tracks,
            "source": dict(self.source),
        }
        self._append(event, shipment["entity_id"], shipment["order_id"], payload)

    def _order_canceled(self, order: dict[str, Any]) -> None:
        """The module's ``sales_order_save_after`` observer, for an order whose state became canceled."""
        items = [
            {
                "order_item_id": int(item["item_id"]),
                "ext_order_item_id": item.get("ext_order_item_id"),
                "sku": item.get("sku"),
                "qty_ordered": float(item.get("qty_ordered") or 0),
                "qty_canceled": float(item.get("qty_canceled") or 0),
                "qty_shipped": float(item.get("qty_shipped") or 0),
            }
            for item in order["items"]
        ]
        payload = {
            "order": {**self._order_ref(order), "state": order.get("state"), "status": order.get("status"),
                      "updated_at": order.get("updated_at")},
            "items": items,
            "source": dict(self.source),
        }
        self._append(ORDER_CANCELED, 0, order["entity_id"], payload)  # no shipment: 0, as the module writes

    def _order_ref(self, order: dict[str, Any]) -> dict[str, Any]:
        store = self.orders.catalog.stores.get(int(order.get("store_id") or 0))
        return {
            "entity_id": order["entity_id"],
            "increment_id": order.get("increment_id"),
            "ext_order_id": order.get("ext_order_id"),
            "store_id": order.get("store_id"),
            "store_code": store.code if store else None,
        }

    def _append(self, event: str, shipment_id: int, order_id: int, payload: dict[str, Any]) -> None:
        self.entries.append(
            {
                "entry_id": len(self.entries) + 1,
                "event": event,
                "shipment_id": shipment_id,
                "order_id": order_id,
                "payload": json.dumps(payload, separators=(",", ":")),
                "created_at": now_str(),
            }
        )

    def _tracks_of(self, shipment_id: int) -> list[Track]:
        return [t for t in self.tracks.values() if t.parent_id == shipment_id]

    def shipment(self, shipment_id: int) -> dict[str, Any]:
        shipment = self.orders.shipments.get(shipment_id)
        if shipment is None:
            raise MagentoError(404, "The entity that was requested doesn't exist. Verify the entity and try again.")
        return shipment

    # ---- actions ---------------------------------------------------------------------------------
    def save_track(self, entity: dict[str, Any]) -> dict[str, Any]:
        """``POST /V1/shipment/track``: a new track on a shipment (no ``entity_id``) or a changed one."""
        entity_id = entity.get("entity_id")
        if entity_id:
            track = self.tracks.get(int(entity_id))
            if track is None:
                raise MagentoError(404, "The entity that was requested doesn't exist. Verify the entity and try again.")
            shipment = self.shipment(track.parent_id)
            for key in ("track_number", "title", "carrier_code"):
                if entity.get(key) is not None:
                    track.data[key] = entity[key]
        else:
            shipment = self.shipment(int(entity.get("parent_id") or 0))
            if int(entity.get("order_id") or 0) != shipment["order_id"]:
                raise MagentoError(400, "Could not save the shipment tracking.")
            data = {
                "track_number": entity["track_number"],
                "title": entity["title"],
                "carrier_code": entity["carrier_code"],
            }
            shipment["tracks"].append(data)
            track = self._register(shipment, data)
        self._record(shipment, TRACK_SAVED)
        return self.render_track(track, entity)

    def delete_track(self, track_id: int) -> bool:
        """``DELETE /V1/shipment/track/{id}``."""
        track = self.tracks.pop(track_id, None)
        if track is None:
            raise MagentoError(400, "Could not delete the shipment tracking.")
        shipment = self.shipment(track.parent_id)
        shipment["tracks"] = [t for t in shipment["tracks"] if t is not track.data]
        self._record(shipment, TRACK_DELETED)
        return True

    @staticmethod
    def render_track(track: Track, sent: dict[str, Any] | None = None) -> dict[str, Any]:
        sent = sent or {}
        return {
            "entity_id": track.entity_id,
            "order_id": track.order_id,
            "parent_id": track.parent_id,
            "weight": sent.get("weight", 0),
            "qty": sent.get("qty", 0),
            "description": sent.get("description", ""),
            "track_number": track.data.get("track_number"),
            "title": track.data.get("title"),
            "carrier_code": track.data.get("carrier_code"),
            "created_at": track.created_at,
            "updated_at": now_str(),
        }

    def page(self, after: int, page_size: int) -> dict[str, Any]:
        """``GET /V1/sales-channel/fulfillment-outbox``: entries after ``after``, oldest first."""
        if after < 0:
            raise MagentoError(400, "after must be 0 or a previous entry_id.")
        if page_size < 1 or page_size > MAX_PAGE:
            raise MagentoError(400, "pageSize must be 1 to %1.", [MAX_PAGE])
        return {
            "entries": [dict(e) for e in self.entries[after : after + page_size]],
            "last_entry_id": len(self.entries),
        }
