"""Admin API under ``/_sandbox``: sellers, orders, transitions, the generator, the clock,
fault injection and reset. JSON in, JSON out; unknown ids → 404, impossible transitions → 409,
bad values → 422."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from sandbox.spapi.catalog import DEFAULT_MARKETPLACE_ID
from sandbox.spapi.clock import parse_time
from sandbox.spapi.generator import ItemSpec
from sandbox.spapi.lifecycle import TransitionError
from sandbox.spapi.model import SimOrder
from sandbox.spapi.render import ALL_INCLUDED, render_order
from sandbox.spapi.state import SandboxState, TickResult


class SellerIn(BaseModel):
    seller_id: str | None = None
    marketplace_id: str = DEFAULT_MARKETPLACE_ID
    name: str | None = None


class SellersBulkIn(BaseModel):
    count: int = Field(ge=1, le=10_000)
    marketplace_id: str = DEFAULT_MARKETPLACE_ID


class ItemIn(BaseModel):
    quantity: int = Field(default=1, ge=1)
    seller_sku: str | None = None
    title: str | None = None
    asin: str | None = None
    unit_price: Decimal | None = None


class OrderIn(BaseModel):
    fulfilled_by: Literal["MERCHANT", "AMAZON"] | None = None
    status: str | None = None
    items: list[ItemIn] | None = None
    programs: list[str] | None = None
    marketplace_id: str | None = None
    created_time: datetime | None = None
    order_id: str | None = None
    visible_after_seconds: float | None = None


class TransitionIn(BaseModel):
    action: Literal["status", "ship", "request_cancellation", "cancel", "advance"]
    status: str | None = None
    quantities: dict[str, int] | None = None
    """For ``ship``: order item id → units; omitted = ship everything left."""
    reason: str | None = None
    item_ids: list[str] | None = None
    visible_after_seconds: float | None = None


class TickIn(BaseModel):
    new_orders: int = Field(default=0, ge=0)
    transitions: int = Field(default=0, ge=0)


class TickAllIn(BaseModel):
    new_orders_per_seller: int = Field(default=0, ge=0)
    transitions_per_seller: int = Field(default=0, ge=0)


class FreezeIn(BaseModel):
    at: str | None = None


class SecondsIn(BaseModel):
    seconds: float


class FaultIn(BaseModel):
    operation: str
    status: int | None = None
    count: int = Field(default=1, ge=1)
    latency_ms: float = Field(default=0, ge=0)
    seller_id: str | None = None


class VisibilityDelayIn(BaseModel):
    seconds: float = Field(ge=0)
    seller_id: str | None = None


class MalformedIn(BaseModel):
    kind: Literal["unknown_status", "missing_field"] = "unknown_status"
    field: str = "createdTime"
    value: str = "LOST_IN_SPACE"
    order_id: str | None = None


class ConfigIn(BaseModel):
    rate_scale: float | None = Field(default=None, gt=0)
    rate_limits_enabled: bool | None = None
    access_token_ttl_seconds: float | None = Field(default=None, gt=0)


def _full(order: SimOrder) -> dict[str, Any]:
    return render_order(order, ALL_INCLUDED)


def _tick(result: TickResult) -> dict[str, Any]:
    return {"created": result.created, "transitioned": result.transitioned}


def admin_router(state: SandboxState) -> APIRouter:
    router = APIRouter(prefix="/_sandbox")

    def guarded(action: Any) -> Any:
        try:
            return action()
        except KeyError as exc:
            raise HTTPException(404, str(exc.args[0] if exc.args else exc)) from exc
        except TransitionError as exc:
            raise HTTPException(409, str(exc)) from exc
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc

    @router.get("/state")
    def describe() -> dict[str, Any]:
        sellers = state.describe_sellers()
        return {
            "clock": state.clock.describe(),
            "sellers": len(sellers),
            "orders": sum(int(s["orders"]) for s in sellers),
            "config": _config(state),
        }

    @router.post("/sellers", status_code=201)
    def create_seller(body: SellerIn) -> dict[str, str]:
        return guarded(lambda: state.create_seller(body.seller_id, body.marketplace_id, body.name).as_dict())

    @router.post("/sellers/bulk", status_code=201)
    def create_sellers(body: SellersBulkIn) -> list[dict[str, str]]:
        return [state.create_seller(marketplace_id=body.marketplace_id).as_dict() for _ in range(body.count)]

    @router.get("/sellers")
    def list_sellers() -> list[dict[str, Any]]:
        return state.describe_sellers()

    @router.post("/sellers/{seller_id}/access-token")
    def access_token(seller_id: str) -> dict[str, str]:
        return {"access_token": guarded(lambda: state.access_token_for(seller_id))}

    @router.post("/sellers/{seller_id}/orders", status_code=201)
    def create_order(seller_id: str, body: OrderIn) -> dict[str, Any]:
        items = [ItemSpec(**item.model_dump()) for item in body.items] if body.items else None
        return guarded(
            lambda: _full(
                state.create_order(
                    seller_id,
                    fulfilled_by=body.fulfilled_by,
                    status=body.status,
                    items=items,
                    programs=body.programs,
                    marketplace_id=body.marketplace_id,
                    created_time=body.created_time,
                    order_id=body.order_id,
                    visible_after_seconds=body.visible_after_seconds,
                )
            )
        )

    @router.get("/sellers/{seller_id}/orders/{order_id}")
    def get_order(seller_id: str, order_id: str) -> dict[str, Any]:
        return guarded(lambda: _full(state.get_order(seller_id, order_id)))

    @router.post("/sellers/{seller_id}/orders/{order_id}/transition")
    def transition(seller_id: str, order_id: str, body: TransitionIn) -> dict[str, Any]:
        delay = body.visible_after_seconds

        def run() -> SimOrder:
            if body.action == "status":
                if not body.status:
                    raise ValueError("action 'status' needs 'status'")
                return state.set_status(seller_id, order_id, body.status, delay)
            if body.action == "ship":
                return state.ship(seller_id, order_id, body.quantities, delay)
            if body.action == "request_cancellation":
                return state.request_cancellation(
                    seller_id, order_id, body.reason or "Changed mind about purchase", body.item_ids, delay
                )
            if body.action == "cancel":
                return state.cancel(seller_id, order_id, body.reason, visible_after_seconds=delay)
            return state.advance_randomly(seller_id, order_id)

        return guarded(lambda: _full(run()))

    @router.post("/sellers/{seller_id}/tick")
    def tick(seller_id: str, body: TickIn) -> dict[str, Any]:
        return guarded(lambda: _tick(state.tick(seller_id, body.new_orders, body.transitions)))

    @router.post("/tick")
    def tick_all(body: TickAllIn) -> dict[str, Any]:
        result = state.tick_all(body.new_orders_per_seller, body.transitions_per_seller)
        return {"created": len(result.created), "transitioned": len(result.transitioned)}

    @router.post("/sellers/{seller_id}/malformed-next")
    def malformed_next(seller_id: str, body: MalformedIn) -> dict[str, str]:
        guarded(
            lambda: state.malform_next_search(
                seller_id, body.kind, field=body.field, value=body.value, order_id=body.order_id
            )
        )
        return {"armed": body.kind}

    @router.get("/clock")
    def clock() -> dict[str, object]:
        return state.clock.describe()

    @router.post("/clock/freeze")
    def freeze(body: FreezeIn) -> dict[str, object]:
        guarded(lambda: state.clock.freeze(parse_time(body.at) if body.at else None))
        return state.clock.describe()

    @router.post("/clock/unfreeze")
    def unfreeze() -> dict[str, object]:
        state.clock.unfreeze()
        return state.clock.describe()

    @router.post("/clock/advance")
    def advance(body: SecondsIn) -> dict[str, object]:
        state.clock.advance(body.seconds)
        return state.clock.describe()

    @router.post("/clock/offset")
    def offset(body: SecondsIn) -> dict[str, object]:
        state.clock.set_offset(body.seconds)
        return state.clock.describe()

    @router.post("/faults", status_code=201)
    def add_fault(body: FaultIn) -> list[dict[str, Any]]:
        guarded(
            lambda: state.inject_fault(
                body.operation,
                status=body.status,
                count=body.count,
                latency_seconds=body.latency_ms / 1000,
                seller_id=body.seller_id,
            )
        )
        return state.faults.pending()

    @router.get("/faults")
    def list_faults() -> list[dict[str, Any]]:
        return state.faults.pending()

    @router.delete("/faults")
    def clear_faults() -> dict[str, str]:
        state.faults.clear()
        return {"cleared": "faults"}

    @router.post("/visibility-delay")
    def visibility_delay(body: VisibilityDelayIn) -> dict[str, Any]:
        guarded(lambda: state.set_visibility_delay(body.seconds, body.seller_id))
        return {"seconds": body.seconds, "seller_id": body.seller_id}

    @router.post("/config")
    def configure(body: ConfigIn) -> dict[str, Any]:
        if body.rate_scale is not None:
            state.rate_limiter.rate_scale = body.rate_scale
        if body.rate_limits_enabled is not None:
            state.rate_limiter.enabled = body.rate_limits_enabled
        if body.access_token_ttl_seconds is not None:
            state.auth.access_token_ttl_seconds = body.access_token_ttl_seconds
        return _config(state)

    @router.post("/reset")
    def reset() -> dict[str, str]:
        state.reset()
        return {"reset": "ok"}

    return router


def _config(state: SandboxState) -> dict[str, Any]:
    return {
        "rate_scale": state.rate_limiter.rate_scale,
        "rate_limits_enabled": state.rate_limiter.enabled,
        "access_token_ttl_seconds": state.auth.access_token_ttl_seconds,
        "visibility_delay_seconds": state.visibility_delay_seconds,
        "client_id": state.auth.client_id,
    }
