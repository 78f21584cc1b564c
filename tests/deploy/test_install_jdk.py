"""scripts/install-jdk.sh, where Java and Maven are present: it prints their first version lines and
exits 0, even when a tool fails on a reader that closes its output early (Maven 3.8 exits 1 on a
broken pipe; ``mvn -v | head -1`` under pipefail once failed CI at random)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "install-jdk.sh"

# Writes its first line, waits until a reader such as `head -1` would have gone, then writes the
# rest and fails as Maven does when the pipe is closed.
_STUB = """#!/usr/bin/env bash
trap '' PIPE
printf '%s\\n' "{first}" {redirect}
sleep 0.3
printf 'line two\\nline three\\n' {redirect} || exit 1
"""


def _stub(directory: Path, name: str, first: str, to_stderr: bool) -> None:
    path = directory / name
    path.write_text(_STUB.format(first=first, redirect=">&2" if to_stderr else ""))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_version_lines_survive_tools_that_fail_on_a_closed_pipe(tmp_path: Path) -> None:
    _stub(tmp_path, "java", "openjdk version 17.0.99", to_stderr=True)
    _stub(tmp_path, "mvn", "Apache Maven 3.8.99", to_stderr=False)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    env.pop("JAVA_HOME", None)
    done = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["openjdk version 17.0.99", "Apache Maven 3.8.99"]


@pytest.mark.skipif(not (shutil.which("java") and shutil.which("mvn")), reason="needs Java and Maven installed")
def test_real_tools_print_their_versions() -> None:
    done = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    java_line, maven_line = done.stdout.splitlines()
    assert "version" in java_line and "Apache Maven" in maven_line
