"""CI runs every test file: each ``tests/**/test_*.py`` lies under a path of one of
``scripts/run_tests.py``'s sessions (a file left out would pass unseen, as tests/pii once did)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _sessions() -> tuple[tuple[str, ...], ...]:
    spec = importlib.util.spec_from_file_location("run_tests", ROOT / "scripts" / "run_tests.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SESSIONS  # type: ignore[no-any-return]


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
