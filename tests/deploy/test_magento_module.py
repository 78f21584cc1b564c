"""The Magento module ships valid PHP and declares the reservations route."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

MODULE = Path(__file__).resolve().parents[2] / "deploy" / "magento-module"
ROUTE = "/V1/sales-channel/reservations"
SERVICE = "SalesChannel\\Reservations\\Api\\ReservationCommandInterface"


def php_files() -> list[Path]:
    return sorted(MODULE.rglob("*.php"))


def test_module_has_its_files() -> None:
    for rel in ("registration.php", "composer.json", "README.md", "etc/module.xml", "etc/webapi.xml",
                "etc/di.xml", "etc/acl.xml", "etc/db_schema.xml", "Api/ReservationCommandInterface.php",
                "Model/ReservationCommand.php"):
        assert (MODULE / rel).is_file(), rel
    assert json.loads((MODULE / "composer.json").read_text())["type"] == "magento2-module"


@pytest.mark.skipif(shutil.which("php") is None,
                    reason="php is not installed (scripts/install-system-tools.sh installs php-cli)")
@pytest.mark.parametrize("path", php_files(), ids=lambda p: str(p.relative_to(MODULE)))
def test_php_file_lints(path: Path) -> None:
    result = subprocess.run(["php", "-l", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr


def test_webapi_declares_the_route_with_its_acl() -> None:
    root = ET.parse(MODULE / "etc" / "webapi.xml").getroot()
    routes = [r for r in root.findall("route") if r.get("url") == ROUTE]
    assert [r.get("method") for r in routes] == ["POST"]
    service = routes[0].find("service")
    assert service is not None and service.get("class") == SERVICE
    assert [r.get("ref") for r in routes[0].iter("resource")] == ["SalesChannel_Reservations::reservations"]
    acl = (MODULE / "etc" / "acl.xml").read_text()
    assert 'id="SalesChannel_Reservations::reservations"' in acl
    method = service.get("method")
    interface = (MODULE / "Api" / "ReservationCommandInterface.php").read_text()
    assert f"public function {method}(" in interface


def test_every_di_preference_points_at_a_class_in_the_module() -> None:
    root = ET.parse(MODULE / "etc" / "di.xml").getroot()
    prefs = root.findall("preference")
    assert prefs
    for pref in prefs:
        for attr in ("for", "type"):
            name = pref.get(attr) or ""
            assert name.startswith("SalesChannel\\Reservations\\"), name
            rel = Path(*name.split("\\")[2:]).with_suffix(".php")
            assert (MODULE / rel).is_file(), rel


def test_the_idempotency_table_is_keyed_by_reservation_key() -> None:
    root = ET.parse(MODULE / "etc" / "db_schema.xml").getroot()
    table = root.find("table[@name='sales_channel_reservation_command']")
    assert table is not None
    primary = table.find("constraint[@referenceId='PRIMARY']")
    assert primary is not None and [c.get("name") for c in primary.findall("column")] == ["reservation_key"]
