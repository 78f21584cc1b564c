"""axe-core (npm, installed by scripts/install-system-tools.sh into the cache the broker's jars use)
run on a Playwright page: the browser tests fail on its serious and critical violations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.devbroker.kafka import cache_root

FAILING_IMPACTS = ("serious", "critical")


def axe_script() -> Path:
    return cache_root() / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"


def violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations of the page as it is now (WCAG 2.x A and AA rules
    and best practices)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script()))
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in found if v.get("impact") in FAILING_IMPACTS]


def describe(found: list[dict[str, Any]]) -> str:
    """One line per violation and up to three of its elements, for an assertion message."""
    lines = []
    for v in found:
        targets = ", ".join(" ".join(n.get("target", [])) for n in v.get("nodes", [])[:3])
        lines.append(f"{v['impact']}: {v['id']} ({v['help']}) at {targets}")
    return "\n".join(lines)


def assert_accessible(page: Any, what: str) -> None:
    found = violations(page)
    assert not found, f"axe-core on {what}:\n{describe(found)}"
