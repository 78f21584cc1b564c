"""Thread safety (HTTP threads and in-process use at once) and speed of indexed lookups."""

from __future__ import annotations

import threading
import time

import httpx
from fastapi.testclient import TestClient

from sandbox._server import serve_in_thread
from sandbox.magento import MagentoState, create_app
from tests.sandbox.magento.helpers import order_entity


def test_parallel_creates_keep_sequence_unique_and_stock_exact() -> None:
    state = MagentoState()
    state.create_product("SKU-1", qty=200)
    token = state.issue_admin_token()
    handle = serve_in_thread(create_app(state))
    errors: list[str] = []

    def worker(n: int) -> None:
        with httpx.Client(
            base_url=handle.url, headers={"Authorization": f"Bearer {token}"}, timeout=10
        ) as http:
            for i in range(25):
                r = http.put(
                    "/rest/V1/orders/create", json={"entity": order_entity(f"{n}-{i}", items=[("SKU-1", 1)])}
                )
                if r.status_code != 200:
                    errors.append(r.text)
                state.count_orders(f"{n}-{i}")  # in-process reads interleaved with HTTP writes

    try:
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        handle.stop()
    assert errors == []
    orders = state.list_orders()
    assert len(orders) == 100 and len({o["increment_id"] for o in orders}) == 100
    assert state.salable_qty("SKU-1") == 100


def test_thousands_of_orders_indexed_lookup_is_fast(
    state: MagentoState, client: TestClient, auth: dict[str, str]
) -> None:
    state.create_product("BULK", qty=10_000)
    for i in range(1000):
        state.orders.save(_coerced(f"B-{i}"), 1, True)
    started = time.monotonic()
    for i in range(0, 1000, 10):
        resp = client.get(
            "/rest/V1/orders?searchCriteria[filter_groups][0][filters][0][field]=ext_order_id"
            f"&searchCriteria[filter_groups][0][filters][0][value]=B-{i}",
            headers=auth,
        )
        assert resp.json()["total_count"] == 1
    assert time.monotonic() - started < 5.0
    assert state.salable_qty("BULK") == 9000


def _coerced(ext: str) -> dict[str, object]:
    from sandbox.magento.schema import coerce

    entity = coerce("sales-data-order-interface", order_entity(ext, items=[("BULK", 1)]))
    assert entity is not None
    return entity
