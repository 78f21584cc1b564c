"""Magento 2.4 REST calls the writer needs, on store-scoped URLs ``/rest/<store_code>/V1/...``.

Thread-safe: one ``httpx.Client`` shared by the worker threads over ``KeepAliveTransport`` (a
keep-alive connection per calling thread; see ``transport.py`` for why not httpx's pool). Every call
is counted and timed per route; transport failures become ``RetryableError``, non-200 answers typed
errors."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from services.magento_writer import metrics
from services.magento_writer.magento.errors import (
    AuthError,
    BusinessError,
    MagentoError,
    NotFound,
    RetryableError,
    classify,
)
from services.magento_writer.magento.transport import KeepAliveTransport

ORDER_FIELDS = "items[entity_id,increment_id,ext_order_id,state,status,store_id],total_count"
CUSTOMER_FIELDS = "items[id,email,group_id,website_id],total_count"


def as_int(value: Any) -> int:
    """Magento returns scalar ids uncast: a JSON number or a numeric string."""
    if isinstance(value, bool):
        raise ValueError(f"not an id: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise ValueError(f"not an id: {value!r}")


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


@dataclass(frozen=True)
class OrderRef:
    entity_id: int
    increment_id: str
    ext_order_id: str | None = None
    state: str | None = None
    status: str | None = None
    store_id: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OrderRef:
        store = data.get("store_id")
        return cls(
            entity_id=as_int(data["entity_id"]),
            increment_id=str(data.get("increment_id") or ""),
            ext_order_id=data.get("ext_order_id"),
            state=data.get("state"),
            status=data.get("status"),
            store_id=as_int(store) if store not in (None, "") else None,
        )


@dataclass(frozen=True)
class CustomerRef:
    id: int
    email: str
    group_id: int
    website_id: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CustomerRef:
        website = data.get("website_id")
        return cls(
            id=as_int(data["id"]),
            email=str(data.get("email") or ""),
            group_id=as_int(data.get("group_id") or 1),
            website_id=as_int(website) if website not in (None, "") else None,
        )


def search_params(
    field: str, value: str, page_size: int = 5, extra: dict[str, str] | None = None, fields: str = ORDER_FIELDS
) -> dict[str, str]:
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": field,
        "searchCriteria[filter_groups][0][filters][0][value]": value,
        "searchCriteria[filter_groups][0][filters][0][condition_type]": "eq",
        "searchCriteria[pageSize]": str(page_size),
        "fields": fields,
    }
    for index, (f, v) in enumerate((extra or {}).items(), start=1):
        params[f"searchCriteria[filter_groups][{index}][filters][0][field]"] = f
        params[f"searchCriteria[filter_groups][{index}][filters][0][value]"] = v
        params[f"searchCriteria[filter_groups][{index}][filters][0][condition_type]"] = "eq"
    return params


class MagentoClient:
    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth,
        *,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        max_connections: int = 64,
    ) -> None:
        """``max_connections``: how many calls may be under way at once (one connection each)."""
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            auth=auth,
            timeout=timeout_s,
            transport=transport or KeepAliveTransport(timeout_s, httpx.create_ssl_context()),
            headers={"Accept": "application/json", "Content-Type": "application/json"},
        )
        self._slots = threading.BoundedSemaphore(max_connections)
        self._store_views: dict[str, dict[str, Any] | None] = {}

    def close(self) -> None:
        self._http.close()

    def url(self, store_code: str, path: str) -> str:
        return f"{self.base_url}/rest/{quote(store_code, safe='')}/V1/{path.lstrip('/')}"

    def call(
        self,
        method: str,
        route: str,
        store_code: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        started = time.perf_counter()
        outcome = "ok"
        try:
            try:
                with self._slots:
                    started = time.perf_counter()  # the call's duration, not the wait for a free slot
                    response = self._http.request(method, self.url(store_code, path), json=body, params=params)
            except httpx.TimeoutException as exc:
                raise RetryableError(f"Magento did not answer in time ({type(exc).__name__})", route=route) from exc
            except httpx.TransportError as exc:
                raise RetryableError(f"Magento connection failed ({type(exc).__name__})", route=route) from exc
            if response.status_code != 200:
                raise classify(response.status_code, response.content, route)
            try:
                return response.json()
            except ValueError as exc:
                raise RetryableError(
                    "Magento answered with a body that is not JSON", route=route, http_status=200
                ) from exc
        except MagentoError as exc:
            outcome = "retryable" if exc.retryable else exc.reason_class
            raise
        finally:
            metrics.MAGENTO_CALLS.labels(route, outcome).inc()
            metrics.MAGENTO_CALL_SECONDS.labels(route).observe(time.perf_counter() - started)

    # --- stores ----------------------------------------------------------------------

    def store_id(self, store_code: str) -> int | None:
        """Numeric store id of a store code (cached); None when the integration may not read stores.
        An unknown store code is a ``BusinessError`` (Magento answers 404 for any route under it)."""
        view = self._store_view(store_code)
        return as_int(view["id"]) if view is not None else None

    def website_id(self, store_code: str) -> int | None:
        """Website of a store code (cached with the store id); None when stores may not be read."""
        view = self._store_view(store_code)
        return as_int(view["website_id"]) if view is not None and "website_id" in view else None

    def _store_view(self, store_code: str) -> dict[str, Any] | None:
        if store_code not in self._store_views:
            unknown = BusinessError(f"Magento store view {store_code} does not exist")
            try:
                views = self.call("GET", "store_views", store_code, "store/storeViews")
            except NotFound as exc:
                raise unknown from exc
            except AuthError:
                views = None  # no Magento_Backend::store: the URL's store scopes the order anyway
            if views is not None:
                found = next((v for v in views if isinstance(v, dict) and v.get("code") == store_code), None)
                if found is None or "id" not in found:
                    raise unknown
                self._store_views[store_code] = found
            else:
                self._store_views[store_code] = None
        return self._store_views[store_code]

    # --- directory (anonymous ACL) -----------------------------------------------------

    def countries(self, store_code: str) -> Any:
        """``GET /V1/directory/countries``: the store's countries, each with its ``available_regions``."""
        return self.call("GET", "directory_countries", store_code, "directory/countries")

    def currency_information(self, store_code: str) -> Any:
        """``GET /V1/directory/currency``: the store view's base currency and exchange rates."""
        return self.call("GET", "directory_currency", store_code, "directory/currency")

    # --- customers -------------------------------------------------------------------

    def find_customer(self, store_code: str, email: str, website_id: int | None) -> CustomerRef | None:
        extra = {"website_id": str(website_id)} if website_id is not None else None
        params = search_params("email", email, extra=extra, fields=CUSTOMER_FIELDS)
        data = self.call("GET", "customers_search", store_code, "customers/search", params=params)
        items = (data or {}).get("items") or []
        return CustomerRef.from_json(items[0]) if items else None

    def create_customer(self, store_code: str, customer: dict[str, Any]) -> CustomerRef:
        """``POST /V1/customers``; an email already taken in the website answers 400 (``BusinessError``)."""
        data = self.call("POST", "customer_create", store_code, "customers", body={"customer": customer})
        return CustomerRef.from_json(data)

    # --- orders ----------------------------------------------------------------------

    def find_orders(self, store_code: str, field: str, value: str, store_id: int | None = None) -> list[OrderRef]:
        extra = {"store_id": str(store_id)} if store_id is not None else None
        data = self.call("GET", "orders_search", store_code, "orders", params=search_params(field, value, extra=extra))
        return [OrderRef.from_json(item) for item in (data or {}).get("items") or []]

    def get_order_data(self, store_code: str, entity_id: int) -> dict[str, Any]:
        data = self.call("GET", "order_get", store_code, f"orders/{entity_id}")
        if not isinstance(data, dict):
            raise RetryableError("Magento answered an order read with something else", route="order_get")
        return data

    def get_order(self, store_code: str, entity_id: int) -> OrderRef:
        return OrderRef.from_json(self.get_order_data(store_code, entity_id))

    def get_product(self, store_code: str, sku: str) -> dict[str, Any] | None:
        """``GET /V1/products/{sku}``; None when Magento does not know the SKU."""
        try:
            data = self.call("GET", "product_get", store_code, f"products/{quote(sku, safe='')}")
        except NotFound:
            return None
        return data if isinstance(data, dict) else None

    def create_order(self, store_code: str, entity: dict[str, Any]) -> OrderRef:
        return OrderRef.from_json(
            self.call("PUT", "order_create", store_code, "orders/create", body={"entity": entity})
        )

    def cancel_order(self, store_code: str, entity_id: int) -> bool:
        return as_bool(self.call("POST", "order_cancel", store_code, f"orders/{entity_id}/cancel"))

    def add_comment(self, store_code: str, entity_id: int, comment: str, status: str | None) -> bool:
        history: dict[str, Any] = {
            "comment": comment,
            "is_customer_notified": 0,
            "is_visible_on_front": 0,
            "parent_id": entity_id,
        }
        if status:
            history["status"] = status
        return as_bool(
            self.call(
                "POST",
                "order_comment",
                store_code,
                f"orders/{entity_id}/comments",
                body={"statusHistory": history},
            )
        )

    def invoice(self, store_code: str, entity_id: int, comment: str | None = None) -> int:
        body: dict[str, Any] = {"capture": False, "notify": False}
        if comment:
            body["appendComment"] = True
            body["comment"] = {"comment": comment, "is_visible_on_front": 0}
        return as_int(self.call("POST", "order_invoice", store_code, f"order/{entity_id}/invoice", body=body))

    def ship(
        self,
        store_code: str,
        entity_id: int,
        comment: str | None = None,
        tracks: list[dict[str, str]] | None = None,
    ) -> int:
        """Ship every remaining item; ``tracks``: ``{"track_number", "title", "carrier_code"}`` each."""
        body: dict[str, Any] = {"notify": False}
        if tracks:
            body["tracks"] = tracks
        if comment:
            body["appendComment"] = True
            body["comment"] = {"comment": comment, "is_visible_on_front": 0}
        return as_int(self.call("POST", "order_ship", store_code, f"order/{entity_id}/ship", body=body))

    # --- reservations (our Magento module's route) -------------------------------------

    def apply_reservation(self, store_code: str, command: dict[str, Any]) -> bool:
        data = self.call("POST", "reservations", store_code, "sales-channel/reservations", body={"command": command})
        return as_bool(data.get("applied") if isinstance(data, dict) else data)
