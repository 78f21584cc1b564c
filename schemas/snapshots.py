"""Committed JSON Schema of every event version, under ``schemas/jsonschema/``.

A model whose schema no longer matches its committed file was changed without a new
schema version; that breaks replay of old topics, and the test suite fails on it."""

from __future__ import annotations

import json
from pathlib import Path

from schemas.envelope import Event
from schemas.registry import registered_events

SNAPSHOT_DIR = Path(__file__).parent / "jsonschema"


def snapshot_path(model: type[Event]) -> Path:
    return SNAPSHOT_DIR / f"{model.EVENT_TYPE}.v{model.SCHEMA_VERSION}.json"


def render(model: type[Event]) -> str:
    return json.dumps(model.model_json_schema(mode="serialization"), indent=2, sort_keys=True) + "\n"


def changed_models() -> list[type[Event]]:
    """Models whose committed schema is missing or differs."""
    return [m for m in registered_events()
            if not snapshot_path(m).exists() or snapshot_path(m).read_text() != render(m)]


def write_new(force: bool = False) -> list[Path]:
    """Write schemas of versions not yet committed. An existing file is only rewritten with
    ``force`` (never do that for a version already published)."""
    written = []
    SNAPSHOT_DIR.mkdir(exist_ok=True)
    for model in registered_events():
        path = snapshot_path(model)
        if path.exists() and not force:
            continue
        path.write_text(render(model))
        written.append(path)
    return written
