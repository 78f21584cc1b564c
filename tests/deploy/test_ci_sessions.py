"""CI runs every test file: each ``tests/**/test_*.py`` lies under a path of one of
``scripts/run_tests.py``'s sessions (a file left out would pass unseen, as tests/pii once did)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run_tests() -> Any:
    spec = importlib.util.spec_from_file_location("run_tests", ROOT / "scripts" / "run_tests.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sessions() -> tuple[tuple[str, ...], ...]:
    return _run_tests().SESSIONS  # type: ignore[no-any-return]


def test_every_test_file_belongs_to_a_ci_session() -> None:
    paths = [ROOT / p for session in _sessions() for p in session]
    missing = sorted(str(f.relative_to(ROOT)) for f in (ROOT / "tests").rglob("test_*.py")
                     if not any(f == p or p in f.parents for p in paths))
    assert not missing, f"test files no CI session runs (add them to SESSIONS in scripts/run_tests.py): {missing}"
    awry = [str(p.relative_to(ROOT)) for p in paths if not p.exists()]
    assert not awry, f"SESSIONS names paths that do not exist: {awry}"


def test_no_test_file_runs_twice_in_a_lane() -> None:
    paths = [p for session in _sessions() for p in session]
    assert len(paths) == len(set(paths))
    nested = [(a, b) for a in paths for b in paths if a != b and (ROOT / a) in (ROOT / b).parents]
    assert not nested, f"a session path inside another session's path runs twice: {nested}"


def test_the_drills_lane_runs_each_drill_on_kafka_with_the_options_given(monkeypatch: pytest.MonkeyPatch,
                                                                          tmp_path: Path) -> None:
    """``--lane drills -x`` once ran the whole suite in one session with TEST_BROKER=drills."""
    module = _run_tests()
    calls: list[tuple[list[str], str]] = []

    def call(args: list[str], cwd: Path, env: dict[str, str]) -> int:
        calls.append((args, env["TEST_BROKER"]))
        return 0

    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module.subprocess, "call", call)
    monkeypatch.setattr(module, "_counts", lambda _report: {"passed": 1, "failed": 0, "skipped": 0, "errors": 0})
    assert module.main(["--lane", "drills", "-x", "-k", "leader"]) == 0
    assert [(args[-4:], broker) for args, broker in calls] == [
        (["-x", "-k", "leader", path], "kafka") for (path,) in module.DRILLS]
