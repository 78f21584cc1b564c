"""The Magento module's fulfillment outbox: observers, table, route, ACL and DI are declared and agree."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

MODULE = Path(__file__).resolve().parents[2] / "deploy" / "magento-module"
ROUTE = "/V1/sales-channel/fulfillment-outbox"
PREFIX = "SalesChannel\\Reservations\\"


def _class_file(name: str) -> Path:
    assert name.startswith(PREFIX), name
    return MODULE / Path(*name.removeprefix(PREFIX).split("\\")).with_suffix(".php")


def test_observers_cover_shipment_save_track_save_track_delete_and_order_save() -> None:
    root = ET.parse(MODULE / "etc" / "events.xml").getroot()
    events = {e.get("name"): e.find("observer") for e in root.findall("event")}
    assert set(events) == {
        "sales_order_shipment_save_after",
        "sales_order_shipment_track_save_after",
        "sales_order_shipment_track_delete_after",
        "sales_order_save_after",
    }
    for observer in events.values():
        assert observer is not None
        path = _class_file(observer.get("instance") or "")
        assert path.is_file(), path
        assert "implements ObserverInterface" in path.read_text()


def test_outbox_rows_are_written_on_the_sales_connection_inside_the_save() -> None:
    writer = (MODULE / "Model" / "Fulfillment" / "OutboxWriter.php").read_text()
    assert "getConnection('sales')" in writer
    assert "beginTransaction" not in writer and "commit()" not in writer  # the shipment's transaction
    for key in ("ext_order_id", "ext_order_item_id", "track_number", "carrier_code", "store_code", "source"):
        assert f"'{key}'" in writer, key


def test_the_outbox_table_is_declared_and_whitelisted() -> None:
    root = ET.parse(MODULE / "etc" / "db_schema.xml").getroot()
    table = root.find("table[@name='sales_channel_fulfillment_outbox']")
    assert table is not None and table.get("resource") == "sales"
    columns = {c.get("name"): c for c in table.findall("column")}
    assert set(columns) == {"entry_id", "event", "shipment_id", "order_id", "payload", "created_at"}
    assert columns["entry_id"].get("identity") == "true"
    primary = table.find("constraint[@referenceId='PRIMARY']")
    assert primary is not None and [c.get("name") for c in primary.findall("column")] == ["entry_id"]
    whitelist = json.loads((MODULE / "etc" / "db_schema_whitelist.json").read_text())
    assert set(whitelist["sales_channel_fulfillment_outbox"]["column"]) == set(columns)


def test_the_route_lists_after_a_cursor_with_its_own_acl() -> None:
    root = ET.parse(MODULE / "etc" / "webapi.xml").getroot()
    [route] = [r for r in root.findall("route") if r.get("url") == ROUTE]
    assert route.get("method") == "GET"
    service = route.find("service")
    assert service is not None
    interface = _class_file(service.get("class") or "").read_text()
    assert "public function getList(int $after = 0, int $pageSize = 100)" in interface
    [resource] = [r.get("ref") for r in route.iter("resource")]
    assert f'id="{resource}"' in (MODULE / "etc" / "acl.xml").read_text()
    di = ET.parse(MODULE / "etc" / "di.xml").getroot()
    prefs = {p.get("for"): p.get("type") for p in di.findall("preference")}
    for api in ("Api\\FulfillmentOutboxInterface", "Api\\Data\\OutboxEntryInterface", "Api\\Data\\OutboxPageInterface"):
        assert _class_file(prefs[PREFIX + api] or "").is_file()


def test_an_order_becoming_canceled_is_recorded_inside_its_save() -> None:
    """``sales_order_save_after`` runs inside the order's save transaction (``order_cancel_after``
    does not); only the change into the canceled state is recorded, once."""
    root = ET.parse(MODULE / "etc" / "events.xml").getroot()
    [event] = [e for e in root.findall("event") if e.get("name") == "sales_order_save_after"]
    observer = event.find("observer")
    assert observer is not None
    source = _class_file(observer.get("instance") or "").read_text()
    assert "Order::STATE_CANCELED" in source and "getOrigData('state')" in source
    assert "recordCancel(" in source
    writer = (MODULE / "Model" / "Fulfillment" / "OutboxWriter.php").read_text()
    assert "EVENT_ORDER_CANCELED = 'order_canceled'" in writer
    assert "public function recordCancel(Order $order): void" in writer
    cancel = writer[writer.index("public function recordCancel"):writer.index("private function insert")]
    for key in ("ext_order_id", "ext_order_item_id", "store_code", "state", "qty_canceled", "source"):
        assert f"'{key}'" in cancel, key
