"""A small Orders-tab dataset covering every filter, published through the broker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from schemas.events.lifecycle import OrderView
from schemas.types import FulfillmentChannel as FC
from schemas.types import MagentoState as MS
from schemas.types import TabStatus as TS
from tests.orders_tab import sample

D = datetime(2026, 2, 1, tzinfo=UTC)


@dataclass
class Dataset:
    a: str
    b: str
    views: dict[str, OrderView]
    polled_at: datetime

    def ids(self, *names: str) -> set[str]:
        return {self.views[n].amazon_order_id for n in names}

    @property
    def stores(self) -> list[str]:
        return [self.a, self.b]


def build(uid: str, now: datetime) -> Dataset:
    a, b = f"api-a-{uid}", f"api-b-{uid}"
    v = {
        "A1": sample.view(
            a,
            "901-0000001-1000001",
            merchant_id=11,
            status=TS.UNSHIPPED,
            is_prime=True,
            total=Decimal("10.00"),
            buyer_name="Ada Lovelace",
            purchase_date=D,
            latest_ship_date=now + timedelta(hours=5),
            magento_state=MS.CREATED,
            magento_order_number="100000001",
            magento_order_id=501,
            qty=1,
        ),
        "A2": sample.view(
            a,
            "901-0000002-1000002",
            merchant_id=11,
            status=TS.SHIPPED,
            channel=FC.AMAZON,
            total=Decimal("99.50"),
            buyer_name="Grace Hopper",
            purchase_date=D + timedelta(days=4),
            magento_state=MS.COMPLETE,
            magento_order_number="100000002",
            magento_order_id=502,
            qty=2,
            shipped=2,
            last_action="Status updated to Shipped.",
        ),
        "A3": sample.view(
            a,
            "901-0000003-1000003",
            merchant_id=11,
            status=TS.PENDING,
            reserved=True,
            total=Decimal("5.00"),
            buyer_name="Alan Turing",
            purchase_date=D + timedelta(days=9),
            qty=3,
            last_action="Inventory reserved.",
        ),
        "A4": sample.view(
            a,
            "901-0000004-1000004",
            merchant_id=11,
            status=TS.CANCELED,
            on_tab=False,
            buyer_name="Edsger Dijkstra",
            purchase_date=D + timedelta(days=10),
            last_action="Amazon order canceled.",
        ),
        "A5": sample.view(
            a,
            "901-0000005-1000005",
            merchant_id=11,
            status=TS.PARTIALLY_SHIPPED,
            total=Decimal("250.00"),
            buyer_name="Barbara Liskov",
            purchase_date=D + timedelta(days=2),
            latest_ship_date=now - timedelta(hours=2),
            magento_state=MS.FAILED,
            qty=3,
            shipped=1,
            last_action="Cannot create sales order: product SKU-005 is out of stock.",
        ),
        "B1": sample.view(
            b,
            "902-0000001-2000001",
            merchant_id=12,
            status=TS.UNSHIPPED,
            total=Decimal("42.00"),
            currency="EUR",
            buyer_name="Donald Knuth",
            purchase_date=D + timedelta(days=1),
            latest_ship_date=now + timedelta(days=3),
        ),
        "B2": sample.view(
            b,
            "902-0000002-2000002",
            merchant_id=12,
            status=TS.COMPLETED,
            channel=FC.AMAZON,
            is_prime=True,
            total=Decimal("60.00"),
            buyer_name="Margaret Hamilton",
            purchase_date=D + timedelta(days=3),
            magento_state=MS.COMPLETE,
            magento_order_number="100000003",
            magento_order_id=503,
            qty=1,
            shipped=1,
            last_action="Status updated to completed.",
        ),
    }
    return Dataset(a=a, b=b, views=v, polled_at=now - timedelta(minutes=5))


def events(ds: Dataset) -> dict[str, list]:
    from schemas.topics import ORDER_VIEW, POLLER_SYNC, STORES

    lifecycle: list = [sample.state_event(v) for v in ds.views.values()]
    a1 = ds.views["A1"]
    lifecycle += [
        sample.log_event(ds.a, a1.amazon_order_id, 1, "Order imported from Amazon.", D),
        sample.log_event(ds.a, a1.amazon_order_id, 2, "Magento order 100000001 was created.", D + timedelta(minutes=2)),
    ]
    return {
        STORES: [sample.store_event(ds.a, "Alpha Store", 11), sample.store_event(ds.b, "Beta Store", 12)],
        POLLER_SYNC: [sample.poll_event(ds.a, ds.polled_at)],
        ORDER_VIEW: lifecycle,
    }
