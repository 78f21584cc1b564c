"""The poller never publishes buyer PII in the clear by accident: without a KEK it refuses to start,
with a message that says what to set; only PII_SEALING=off (development) lets it run unsealed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.devbroker import free_port
from services.pii.access import SealingNotConfigured, sealer


def test_without_a_kek_the_sealer_refuses_and_says_what_to_set(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    monkeypatch.delenv("PII_KEK_REF", raising=False)
    monkeypatch.delenv("PII_SEALING", raising=False)
    with pytest.raises(SealingNotConfigured, match="PII_KEK_REF is not set.*PII_SEALING=off"):
        sealer(f"sqlite:///{tmp_path / 'db.sqlite'}")


def test_sealing_off_is_a_deliberate_development_choice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PII_KEK_REF", raising=False)
    monkeypatch.setenv("PII_SEALING", "off")
    assert sealer(f"sqlite:///{tmp_path / 'db.sqlite'}") is None


def test_the_poller_command_exits_2_with_the_message_instead_of_a_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PII_")}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "METRICS_PORT": str(free_port()),
                "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}", "DATA_DIR": str(tmp_path)})
    done = subprocess.run([sys.executable, "-c", "from services.cli import main; main()", "poller"],
                          env=env, capture_output=True, text=True, timeout=120)
    out = done.stdout + done.stderr
    assert done.returncode == 2, out[-3000:]
    assert "PII_KEK_REF is not set" in out and "Traceback" not in out
