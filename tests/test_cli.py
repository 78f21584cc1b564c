"""The CLI in the lean production image: the demo's commands say what to install, no traceback."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from services.cli import app

# What the image leaves out; None in sys.modules makes an import fail as a missing module does.
DEMO_ONLY = ("services.demo", "services.devbroker", "services.supervisor", "sandbox", "sandbox.spapi",
             "sandbox.spapi.server", "sandbox.magento", "sandbox.magento.server")


@pytest.mark.parametrize("command", [["demo"], ["broker"], ["sandbox", "spapi"], ["sandbox", "magento"]])
def test_demo_commands_without_the_demo_install_name_the_extra(command: list[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    for name in DEMO_ONLY:
        monkeypatch.setitem(sys.modules, name, None)
    result = CliRunner().invoke(app, command, terminal_width=400)
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, ModuleNotFoundError)
    said = " ".join(result.output.split())  # the console wraps long lines
    assert "is not installed" in said and "not part of the production install" in said
    assert "pip install -e '.[demo]'" in said and "pip install 'sales-channel[demo]'" in said
    assert "Traceback" not in said
