"""deploy/docker-compose.yml and deploy/Dockerfile, without a Docker engine.

The compose file is interpolated like `docker compose` does and validated against the Compose
Specification JSON schema (deploy/compose-spec.schema.json, from the docker-compose 1.29.2 wheel on
PyPI: see deploy/compose-spec.schema.NOTICE). Every command run with the project image must be a
real `sales-channel` subcommand with valid options; cross-references (depends_on, volumes, mounts,
Prometheus targets, poller instances, replicas, environment) must hold."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shlex
import tomllib
from collections.abc import Mapping
from typing import Any

import jsonschema
import pytest
import typer.main
import yaml

from services.cli import app
from services.common.metrics import SERVICE_COMMANDS
from services.common.settings import Settings
from services.pii.settings import PiiSettings
from tests.deploy.catalogue import DEPLOY, ROOT

SCHEMA = DEPLOY / "compose-spec.schema.json"
SCHEMA_SHA256 = "0dc04bd346dcfee1b1419628fff79937bbf076925f298f272a2b490e2b112bac"
ENV = {"MAGENTO_BASE_URL": "https://shop.example.com", "GRAFANA_ADMIN_PASSWORD": "change-me"}
REQUIRED_VARS = set(ENV)
EXTRA_ENV = {"TOPIC_PREFIX"}  # read by schemas/topics.py, not by Settings

_VAR = re.compile(r"\$(?:\$|\{(?P<braced>[^}]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")


class MissingVariable(ValueError):
    pass


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Compose-file interpolation: $$, $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR?e}."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        if m.group("bare"):
            return env.get(m.group("bare"), "")
        body = m.group("braced")
        assert "${" not in body, f"nested interpolation is not supported here: {body}"
        op = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])(.*))?$", body, re.S)
        assert op, f"bad interpolation ${{{body}}}"
        name, kind, arg = op.group(1), op.group(2), op.group(3) or ""
        val = env.get(name)
        unset_or_empty = val is None or (kind is not None and kind.startswith(":") and val == "")
        if kind in (":-", "-"):
            return arg if unset_or_empty else str(val)
        if kind in (":?", "?"):
            if unset_or_empty:
                raise MissingVariable(f"{name}: {arg}")
            return str(val)
        return "" if val is None else val

    return _VAR.sub(sub, value)


def raw() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def compose(env: Mapping[str, str] = ENV) -> dict[str, Any]:
    return interpolate(raw(), env)  # type: ignore[no-any-return]


def schema() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text())


def project_services(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Services that run the project image (built from deploy/Dockerfile)."""
    return {n: s for n, s in doc["services"].items()
            if isinstance(s.get("build"), dict) and s["build"].get("dockerfile") == "deploy/Dockerfile"}


def check_cli(args: list[str]) -> str:
    """Resolve args against the `sales-channel` typer app and parse its options; returns the
    command path, or raises AssertionError."""
    group: Any = typer.main.get_command(app)
    path: list[str] = []
    rest = list(args)
    while hasattr(group, "commands"):
        if rest == ["--help"] or not rest:
            return " ".join(path) or "--help"
        name = rest.pop(0)
        cmd = group.commands.get(name)
        assert cmd is not None, f"`sales-channel {' '.join([*path, name])}` is not a command " \
                                f"(known: {sorted(group.commands)})"
        path.append(name)
        group = cmd
    if rest == ["--help"]:
        return " ".join(path)
    try:
        group.make_context(" ".join(path), rest)
    except Exception as exc:  # click's UsageError (vendored by typer)
        raise AssertionError(f"`sales-channel {' '.join(args)}`: {exc}") from exc
    return " ".join(path)


def test_the_schema_is_the_vendored_one_and_it_rejects_invalid_files() -> None:
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256
    validator = jsonschema.Draft201909Validator(schema())
    bad = copy.deepcopy(compose())
    bad["services"]["web"]["replicas"] = 2  # belongs under deploy:
    bad["services"]["poller-0"]["depends_on"]["init-db"]["condition"] = "when_ready"
    errors = [e.message for e in validator.iter_errors(bad)]
    assert any("replicas" in m for m in errors) and any("when_ready" in m for m in errors)


def test_compose_file_matches_the_compose_specification() -> None:
    validator = jsonschema.Draft201909Validator(schema())
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(compose())]
    assert not errors, "\n".join(errors)
    # Interpolation happened: no unresolved variable is left.
    assert "${" not in json.dumps(compose())


def test_required_variables_fail_loudly_when_missing() -> None:
    for var in REQUIRED_VARS:
        env = {k: v for k, v in ENV.items() if k != var}
        with pytest.raises(MissingVariable, match=var):
            compose(env)


def test_every_project_command_is_a_real_entry_point() -> None:
    doc = compose()
    services = project_services(doc)
    assert services
    commands = {}
    for name, svc in services.items():
        command = svc["command"]
        args = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
        commands[name] = check_cli(args)
    assert commands["init-topics"] == "topics create" and commands["init-db"] == "db upgrade"
    # Every long-running service runs at least once.
    assert set(SERVICE_COMMANDS) <= set(commands.values())
    for cmd in SERVICE_COMMANDS:
        check_cli([cmd, "--help"])
    with pytest.raises(AssertionError, match="not a command"):
        check_cli(["order-procesor"])
    with pytest.raises(AssertionError):
        check_cli(["web", "--hots", "0.0.0.0"])


def test_dockerfile_builds_the_package_as_non_root_with_the_cli_entrypoint() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    joined = re.sub(r"\\\n", " ", text)
    lines = [ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.startswith("#")]
    froms = [ln.split()[1] for ln in lines if ln.startswith("FROM ")]
    assert froms and all(f == "python:3.11-slim" for f in froms)
    users = [ln.split()[1] for ln in lines if ln.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    entry = next(ln for ln in lines if ln.startswith("ENTRYPOINT "))
    assert json.loads(entry.removeprefix("ENTRYPOINT ")) == ["sales-channel"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["sales-channel"] == "services.cli:main"
    cmd = next(ln for ln in lines if ln.startswith("CMD "))
    check_cli(json.loads(cmd.removeprefix("CMD ")))
    assert re.search(r"pip wheel --wheel-dir /wheels \.", text) and "pip install" in text
    for ln in lines:
        if ln.startswith("COPY ") and "--from=" not in ln:
            for src in ln.split()[1:-1]:
                assert (ROOT / src).exists(), f"Dockerfile copies {src}, which the repository lacks"
    assert "/healthz" in text
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text()
    assert "!services/**" in ignore and "!schemas/**" in ignore


def test_references_between_services_hold() -> None:
    doc = compose()
    services = doc["services"]
    for name, svc in services.items():
        deps = svc.get("depends_on", {})
        for dep in deps if isinstance(deps, list) else deps.keys():
            assert dep in services, f"{name} depends on unknown {dep}"
        for vol in svc.get("volumes", []):
            source = vol.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in doc["volumes"], f"{name} uses undeclared volume {source}"
        for secret in svc.get("secrets", []):
            assert secret in doc["secrets"]
    for job in ("init-topics", "init-db"):
        assert services[job]["restart"] == "no"
    for name in set(project_services(doc)) - {"init-topics", "init-db"}:
        deps = services[name]["depends_on"]
        for job in ("init-topics", "init-db"):
            assert deps[job]["condition"] == "service_completed_successfully"
    assert (DEPLOY / "secrets" / "sales-channel.example.json").exists()
    kafka = services["kafka"]["environment"]
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert "controller" in kafka["KAFKA_PROCESS_ROLES"] and "broker" in kafka["KAFKA_PROCESS_ROLES"]
    assert "ZOOKEEPER" not in json.dumps(kafka).upper()


def test_environment_is_settings_and_scaling_is_consistent() -> None:
    doc = compose()
    fields = {name.upper() for name in Settings.model_fields}
    fields |= {f"PII_{name.upper()}" for name in PiiSettings.model_fields}  # the key settings (services/pii)
    partitions = None
    pollers: dict[str, tuple[int, int]] = {}
    for name, svc in project_services(doc).items():
        env = svc["environment"]
        unknown = set(env) - fields - EXTRA_ENV
        assert not unknown, f"{name} sets variables Settings does not read: {sorted(unknown)}"
        partitions = int(env["ORDER_TOPIC_PARTITIONS"])
        assert int(env["METRICS_PORT"]) == 9100
        if svc["command"] == ["poller"]:
            pollers[name] = (int(env["POLLER_INSTANCE"]), int(env["POLLER_INSTANCES"]))
    assert partitions
    totals = {total for _, total in pollers.values()}
    assert len(totals) == 1 and sorted(i for i, _ in pollers.values()) == list(range(totals.pop()))
    services = doc["services"]
    for faust in ("order-processor", "inventory-reserver", "magento-writer"):
        replicas = services[faust]["deploy"]["replicas"]
        assert 1 <= replicas <= partitions and partitions % replicas == 0


def test_prometheus_scrapes_every_service_replica() -> None:
    doc = compose()
    prom = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    scraped: dict[str, str] = {}
    for job in prom["scrape_configs"]:
        for sd in job.get("dns_sd_configs", []):
            assert sd["port"] == 9100
            for target in sd["names"]:
                scraped[target] = job["job_name"]
    running = {n for n, s in project_services(doc).items() if s.get("restart") != "no"}
    assert set(scraped) == running
    for name, job in scraped.items():
        command = doc["services"][name]["command"][0]
        assert job == f"sales-channel-{command}"
    mounts = doc["services"]["prometheus"]["volumes"]
    assert "./prometheus/rules:/etc/prometheus/rules:ro" in mounts and prom["rule_files"] == ["rules/*.yml"]
