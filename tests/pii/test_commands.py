"""``sales-channel pii report`` and ``pii rewrap``: what is held, for how long, when each goes."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from services.cli import app
from services.common.settings import get_settings
from services.pii.kek import KeyRing
from services.pii.store import KeyStore, kid_for

from .conftest import T0, ring


@pytest.fixture
def configured(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[KeyStore]:
    r = ring("1")
    secret = {"active": "1", "keys": {"1": base64.b64encode(r.key("1")).decode()}}
    monkeypatch.setenv("PII_KEK", json.dumps(secret))
    monkeypatch.setenv("PII_KEK_REF", "env:PII_KEK")
    monkeypatch.setenv("PII_RETENTION_BY_STORE", json.dumps({"s2": 7}))
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield KeyStore(sqlite_url, r)
    get_settings.cache_clear()


def test_report_says_what_is_held_and_when_it_goes(configured: KeyStore) -> None:
    configured.data_key(kid_for("s1", "111-OPEN"), T0)
    configured.data_key(kid_for("s2", "222-SHIPPED"), T0)
    configured.mark_closed(kid_for("s2", "222-SHIPPED"), "SHIPPED", T0)
    configured.data_key(kid_for("s1", "333-GONE"), T0)
    configured.destroy(kid_for("s1", "333-GONE"), "request", T0)
    result = CliRunner().invoke(app, ["pii", "report"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "111-OPEN" in out and "30 days after shipment/cancellation" in out
    assert "222-SHIPPED" in out and (T0 + timedelta(days=7)).isoformat(timespec="seconds") in out
    assert "333-GONE" not in out
    assert "2 order(s) hold buyer PII" in out and "s2 7 days" in out and "0 by retention, 1 on request" in out


def test_rewrap_moves_every_key_to_the_active_version(configured: KeyStore, monkeypatch: pytest.MonkeyPatch) -> None:
    configured.data_key(kid_for("s1", "A"), T0)
    v2 = ring("2").key("2")
    assert configured.ring is not None
    both = {"active": "2", "keys": {"1": base64.b64encode(configured.ring.key("1")).decode(),
                                    "2": base64.b64encode(v2).decode()}}
    monkeypatch.setenv("PII_KEK", json.dumps(both))
    result = CliRunner().invoke(app, ["pii", "rewrap"])
    assert result.exit_code == 0, result.output
    assert "re-wrapped 1 data key(s)" in result.output
    only_new = KeyStore(configured.url, KeyRing(active="2", keys={"2": v2}))
    assert only_new.data_keys([kid_for("s1", "A")])[kid_for("s1", "A")] is not None


def test_commands_refuse_without_a_kek(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PII_KEK_REF", raising=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["pii", "report"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2 and "PII_KEK_REF is not set" in result.output
