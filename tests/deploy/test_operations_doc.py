"""docs/operations.md documents every setting, every exported metric, every alert and every
variable of the compose file."""

from __future__ import annotations

import re

import yaml

from services.common.settings import Settings
from tests.deploy.catalogue import DEPLOY, ROOT, RULES, exported

DOC = (ROOT / "docs" / "operations.md").read_text()


def exposed_name(family: str, kind: str) -> str:
    return f"{family}_total" if kind == "counter" else family


def test_every_setting_is_documented() -> None:
    missing = [f.upper() for f in Settings.model_fields if f"`{f.upper()}`" not in DOC]
    assert not missing, f"settings missing from docs/operations.md: {missing}"
    assert "`TOPIC_PREFIX`" in DOC and "`SERVICE_NAME`" in DOC


def test_every_compose_variable_is_documented() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text()
    variables = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    assert variables
    missing = sorted(v for v in variables if f"`{v}`" not in DOC)
    assert not missing, f"compose variables missing from docs/operations.md: {missing}"


def test_every_exported_metric_is_in_the_catalogue() -> None:
    exp = exported()
    names = [exposed_name(n, str(f["type"])) for n, f in exp.families.items()
             if n.startswith("sales_channel_")]
    assert len(names) > 30
    missing = sorted(n for n in names if f"`{n}`" not in DOC)
    assert not missing, f"metrics missing from the catalogue in docs/operations.md: {missing}"


def test_every_alert_has_a_runbook_section_and_every_recording_rule_is_named() -> None:
    rules = [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]
    headings = set(re.findall(r"^### (\S+)$", DOC, re.M))
    for r in rules:
        if "alert" in r:
            assert r["alert"] in headings, f"no '### {r['alert']}' section (the runbook anchor)"
        else:
            assert f"`{r['record']}`" in DOC
