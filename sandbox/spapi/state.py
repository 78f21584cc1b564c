"""``SandboxState``: everything the simulator knows, and the Python API tests drive it with."""

from __future__ import annotations

import random
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sandbox.spapi import lifecycle
from sandbox.spapi.auth import LwaAuthority
from sandbox.spapi.catalog import DEFAULT_MARKETPLACE_ID
from sandbox.spapi.clock import SandboxClock, format_time, whole_seconds
from sandbox.spapi.errors import not_found
from sandbox.spapi.faults import FaultInjector, MalformedOrder
from sandbox.spapi.feeds import SHIPPED_MESSAGE, FeedBook
from sandbox.spapi.generator import ItemSpec, OrderFactory, OrderSpec
from sandbox.spapi.model import FULFILLMENT_STATUSES, SimOrder
from sandbox.spapi.pagination import PageCursor, PaginationCodec
from sandbox.spapi.ratelimit import RateLimiter
from sandbox.spapi.render import ALL_INCLUDED, render_order
from sandbox.spapi.search_params import (
    QueryParams,
    SearchQuery,
    as_get_list,
    parse_included_data,
    parse_search,
)
from sandbox.spapi.store import SellerOrderStore

DEFAULT_UPPER_BOUND_AGE = timedelta(minutes=2)


@dataclass(frozen=True)
class SellerCredentials:
    """What a seller's authorization gives the integrator: the app's LWA client and the
    seller's refresh token."""

    seller_id: str
    marketplace_id: str
    client_id: str
    client_secret: str
    refresh_token: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Seller:
    seller_id: str
    marketplace_id: str
    name: str
    store: SellerOrderStore = field(default_factory=SellerOrderStore)
    visibility_delay_seconds: float | None = None


@dataclass
class TickResult:
    created: list[str] = field(default_factory=list)
    transitioned: list[str] = field(default_factory=list)


class SandboxState:
    """Thread-safe: every public method holds one re-entrant lock."""

    def __init__(
        self,
        *,
        seed: int | None = None,
        rate_scale: float = 1.0,
        rate_limits_enabled: bool = True,
        access_token_ttl_seconds: float = 3600,
        client_id: str | None = None,
        client_secret: str | None = None,
        clock: SandboxClock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock or SandboxClock()
        self.rng = random.Random(seed)
        self.auth = LwaAuthority(client_id, client_secret, access_token_ttl_seconds)
        self.rate_limiter = RateLimiter(rate_scale, rate_limits_enabled, monotonic)
        self.faults = FaultInjector()
        self.feeds = FeedBook()
        self.visibility_delay_seconds = 0.0
        self._pagination = PaginationCodec(secrets.token_bytes(32))
        self._sellers: dict[str, Seller] = {}
        self._order_owner: dict[str, str] = {}
        self._factory = OrderFactory(self.rng, self._order_owner.__contains__)
        self._lock = threading.RLock()

    # ----- sellers and credentials -------------------------------------------------------------

    def create_seller(
        self,
        seller_id: str | None = None,
        marketplace_id: str = DEFAULT_MARKETPLACE_ID,
        name: str | None = None,
    ) -> SellerCredentials:
        with self._lock:
            seller_id = seller_id or self._new_seller_id()
            if seller_id in self._sellers:
                raise ValueError(f"seller {seller_id} already exists")
            self._sellers[seller_id] = Seller(
                seller_id, marketplace_id, name or f"Sandbox seller {seller_id}"
            )
            refresh_token = self.auth.authorize_seller(seller_id)
            return SellerCredentials(
                seller_id, marketplace_id, self.auth.client_id, self.auth.client_secret, refresh_token
            )

    def seller_ids(self) -> list[str]:
        with self._lock:
            return list(self._sellers)

    def describe_sellers(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {
                    "seller_id": s.seller_id,
                    "marketplace_id": s.marketplace_id,
                    "name": s.name,
                    "orders": len(s.store),
                    "open_orders": s.store.open_count,
                    "visibility_delay_seconds": s.visibility_delay_seconds,
                }
                for s in self._sellers.values()
            ]

    def access_token_for(self, seller_id: str) -> str:
        """Shortcut for tests: run the LWA refresh-token exchange in-process."""
        with self._lock:
            self._seller(seller_id)
            refresh_token = self.auth.authorize_seller(seller_id)
            answer = self.auth.exchange(
                {
                    "grant_type": "refresh_token",
                    "refresh_token": refresh_token,
                    "client_id": self.auth.client_id,
                    "client_secret": self.auth.client_secret,
                },
                self.clock.now(),
            )
            return str(answer["access_token"])

    def _new_seller_id(self) -> str:
        alphabet = string.ascii_uppercase + string.digits
        while True:
            candidate = "A" + "".join(self.rng.choices(alphabet, k=13))
            if candidate not in self._sellers:
                return candidate

    def _seller(self, seller_id: str) -> Seller:
        seller = self._sellers.get(seller_id)
        if seller is None:
            raise KeyError(f"unknown seller {seller_id}")
        return seller

    # ----- orders ------------------------------------------------------------------------------

    def create_order(
        self,
        seller_id: str,
        *,
        fulfilled_by: str | None = None,
        status: str | None = None,
        items: Sequence[ItemSpec | dict[str, Any]] | None = None,
        programs: list[str] | None = None,
        marketplace_id: str | None = None,
        created_time: datetime | None = None,
        order_id: str | None = None,
        visible_after_seconds: float | None = None,
    ) -> SimOrder:
        """A new order (random where not given). It starts PENDING (PENDING_AVAILABILITY when
        ``status`` asks for it); another ``status`` is reached by one forced transition."""
        with self._lock:
            seller = self._seller(seller_id)
            if order_id is not None and order_id in self._order_owner:
                raise ValueError(f"order {order_id} already exists")
            if status is not None and status not in FULFILLMENT_STATUSES:
                raise ValueError(f"unknown fulfillment status {status!r}")
            if fulfilled_by is not None and fulfilled_by not in ("MERCHANT", "AMAZON"):
                raise ValueError(f"fulfilled_by must be MERCHANT or AMAZON, not {fulfilled_by!r}")
            item_specs = [ItemSpec(**i) if isinstance(i, dict) else i for i in items] if items else None
            now = self.clock.now()
            spec = OrderSpec(
                fulfilled_by,
                item_specs,
                programs,
                marketplace_id,
                created_time,
                order_id,
                preorder=status == "PENDING_AVAILABILITY",
            )
            order = self._factory.new_order(seller_id, seller.marketplace_id, now, spec)
            self._order_owner[order.order_id] = seller_id
            if status not in (None, "PENDING", "PENDING_AVAILABILITY"):
                order = lifecycle.set_status(order, status, max(now, order.created_time), self._factory)
            self._store(seller, order, now, visible_after_seconds)
            return order

    def get_order(self, seller_id: str, order_id: str) -> SimOrder:
        with self._lock:
            order = self._seller(seller_id).store.current.get(order_id)
            if order is None:
                raise KeyError(f"seller {seller_id} has no order {order_id}")
            return order

    def order_json(
        self, seller_id: str, order_id: str, included: Iterable[str] = ALL_INCLUDED
    ) -> dict[str, Any]:
        """The order as getOrder would return it with ``includedData`` = ``included``."""
        return render_order(self.get_order(seller_id, order_id), frozenset(included))

    def set_status(
        self, seller_id: str, order_id: str, status: str, visible_after_seconds: float | None = None
    ) -> SimOrder:
        return self._transition(
            seller_id,
            order_id,
            visible_after_seconds,
            lambda o, at: lifecycle.set_status(o, status, at, self._factory),
        )

    def ship(
        self,
        seller_id: str,
        order_id: str,
        quantities: dict[str, int] | None = None,
        visible_after_seconds: float | None = None,
    ) -> SimOrder:
        """Ship ``quantities`` (order item id → units), or everything left when ``None``."""
        return self._transition(
            seller_id,
            order_id,
            visible_after_seconds,
            lambda o, at: lifecycle.ship(o, quantities, at, self._factory),
        )

    def request_cancellation(
        self,
        seller_id: str,
        order_id: str,
        reason: str = "Changed mind about purchase",
        item_ids: list[str] | None = None,
        visible_after_seconds: float | None = None,
    ) -> SimOrder:
        return self._transition(
            seller_id,
            order_id,
            visible_after_seconds,
            lambda o, at: lifecycle.request_cancellation(o, at, reason, item_ids),
        )

    def cancel(
        self,
        seller_id: str,
        order_id: str,
        reason: str | None = None,
        cancelled_by: str = "SELLER",
        visible_after_seconds: float | None = None,
    ) -> SimOrder:
        return self._transition(
            seller_id,
            order_id,
            visible_after_seconds,
            lambda o, at: lifecycle.cancel(o, at, cancelled_by, reason),
        )

    def cancel_by_seller(self, seller_id: str, order_id: str, reason: str) -> str | None:
        """A seller cancellation from an acknowledgement feed: None when the order is (now) canceled,
        else why Amazon refuses it (shipped, or not the seller's order)."""
        with self._lock:
            try:
                order = self.get_order(seller_id, order_id)
            except KeyError:
                return f"Order {order_id} was not found for this seller."
            if order.status in ("SHIPPED", "PARTIALLY_SHIPPED"):
                return SHIPPED_MESSAGE
            if order.status in ("CANCELLED", "CANCELED"):
                return None
            try:
                self.cancel(seller_id, order_id, reason=reason, cancelled_by="SELLER")
            except lifecycle.TransitionError as exc:
                return str(exc)
            return None

    def advance_randomly(self, seller_id: str, order_id: str) -> SimOrder:
        return self._transition(
            seller_id, order_id, None, lambda o, at: lifecycle.random_step(o, at, self.rng, self._factory)
        )

    def tick(self, seller_id: str, new_orders: int = 0, transitions: int = 0) -> TickResult:
        """Generate ``new_orders`` random orders and move ``transitions`` random open orders one step."""
        with self._lock:
            seller = self._seller(seller_id)
            result = TickResult()
            for order_id in seller.store.random_open_ids(transitions, self.rng):
                result.transitioned.append(self.advance_randomly(seller_id, order_id).order_id)
            for _ in range(new_orders):
                result.created.append(self.create_order(seller_id).order_id)
            return result

    def tick_all(self, new_orders_per_seller: int = 0, transitions_per_seller: int = 0) -> TickResult:
        with self._lock:
            total = TickResult()
            for seller_id in list(self._sellers):
                result = self.tick(seller_id, new_orders_per_seller, transitions_per_seller)
                total.created.extend(result.created)
                total.transitioned.extend(result.transitioned)
            return total

    def _transition(
        self,
        seller_id: str,
        order_id: str,
        visible_after_seconds: float | None,
        step: Callable[[SimOrder, datetime], SimOrder],
    ) -> SimOrder:
        with self._lock:
            seller = self._seller(seller_id)
            order = self.get_order(seller_id, order_id)
            now = self.clock.now()
            new_version = step(order, now)
            self._store(seller, new_version, now, visible_after_seconds)
            return new_version

    def _store(
        self, seller: Seller, order: SimOrder, now: datetime, visible_after_seconds: float | None
    ) -> None:
        delay = visible_after_seconds
        if delay is None:
            delay = seller.visibility_delay_seconds
        if delay is None:
            delay = self.visibility_delay_seconds
        seller.store.put(order, now + timedelta(seconds=delay))

    # ----- behaviour switches ------------------------------------------------------------------

    def set_visibility_delay(self, seconds: float, seller_id: str | None = None) -> None:
        """From now on, updates show up in searchOrders ``seconds`` after they happen (getOrder
        sees them at once). ``seller_id=None`` sets the default for sellers without their own."""
        with self._lock:
            if seller_id is None:
                self.visibility_delay_seconds = seconds
            else:
                self._seller(seller_id).visibility_delay_seconds = seconds

    def inject_fault(
        self,
        operation: str,
        *,
        status: int | None = None,
        count: int = 1,
        latency_seconds: float = 0.0,
        seller_id: str | None = None,
    ) -> None:
        """The next ``count`` calls of ``operation`` (searchOrders, getOrder, token or '*'),
        optionally only for one seller, answer ``status`` and/or wait ``latency_seconds``."""
        self.faults.add(operation, count, status, latency_seconds, seller_id)

    def malform_next_search(
        self,
        seller_id: str,
        kind: str = "unknown_status",
        *,
        field: str = "createdTime",
        value: str = "LOST_IN_SPACE",
        order_id: str | None = None,
    ) -> None:
        """The seller's next searchOrders answer that has orders carries one malformed order."""
        with self._lock:
            self._seller(seller_id)
        self.faults.arm_malformed(seller_id, MalformedOrder(kind, field, value, order_id))

    def reset(self) -> None:
        """Forget sellers, orders, tokens, faults and buckets; the clock runs in real time again."""
        with self._lock:
            self._sellers.clear()
            self._order_owner.clear()
            self.auth.reset()
            self.faults.clear()
            self.feeds = FeedBook()
            self.rate_limiter.reset()
            self.clock.reset()
            self.visibility_delay_seconds = 0.0

    # ----- SP-API operations (called by the HTTP layer) ----------------------------------------

    def search_orders(self, seller_id: str, params: QueryParams) -> dict[str, Any]:
        """searchOrders for ``seller_id``; ``params`` maps query names to a value or a list of
        values (or is a ``name -> values`` callable). Raises ``ApiError`` like the HTTP API."""
        get_list = as_get_list(params)
        with self._lock:
            now = self.clock.now()
            query = parse_search(get_list, now)
            store = self._seller(seller_id).store
            store.promote(now)
            fingerprint = query.fingerprint(seller_id)
            if query.pagination_token:
                cursor = self._pagination.decode(query.pagination_token, seller_id, fingerprint, now)
                upper, after_key = cursor.upper_bound, cursor.last_key
            else:
                upper = query.before or whole_seconds(now - DEFAULT_UPPER_BOUND_AGE)
                after_key = None
            page: list[SimOrder] = []
            has_more = False
            for order in store.scan(query.by_created, query.after, upper, after_key):
                if not _matches(order, query):
                    continue
                if len(page) == query.max_results:
                    has_more = True
                    break
                page.append(order)
            body: dict[str, Any] = {
                "orders": self.faults.corrupt_page(
                    seller_id, [render_order(order, query.included) for order in page]
                )
            }
            if has_more:
                last = page[-1]
                key = (last.created_time if query.by_created else last.last_updated_time, last.order_id)
                body["pagination"] = {
                    "nextToken": self._pagination.encode(PageCursor(seller_id, fingerprint, upper, key, now))
                }
            body["createdBefore" if query.by_created else "lastUpdatedBefore"] = format_time(upper)
            return body

    def get_order_response(
        self, seller_id: str, order_id: str, params: QueryParams | None = None
    ) -> dict[str, Any]:
        get_list = as_get_list(params or {})
        with self._lock:
            included = parse_included_data(get_list)
            order = self._seller(seller_id).store.current.get(order_id)
            if order is None:
                raise not_found(f"Order {order_id} not found.")
            return {"order": render_order(order, included)}


def _matches(order: SimOrder, query: SearchQuery) -> bool:
    return (
        (not query.fulfillment_statuses or order.status in query.fulfillment_statuses)
        and (not query.fulfilled_by or order.fulfilled_by in query.fulfilled_by)
        and (not query.marketplace_ids or order.marketplace_id in query.marketplace_ids)
    )
