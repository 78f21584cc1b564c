"""Secrets are referenced by name, never stored in events or logs.

A reference is ``env:NAME`` (the JSON object or string in environment variable NAME) or
``file:KEY`` (entry KEY of the JSON object in SECRETS_FILE)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from services.common.settings import Misconfigured


class SecretNotFound(Misconfigured, LookupError):
    pass


def resolve(ref: str, secrets_file: Path | None = None) -> Any:
    """The secret a reference names: a dict when the stored value is a JSON object, else a string."""
    scheme, _, name = ref.partition(":")
    if scheme == "env":
        if name not in os.environ:
            raise SecretNotFound(f"secret {ref!r}: environment variable {name} is not set")
        raw: Any = os.environ[name]
    elif scheme == "file":
        path = secrets_file or (Path(os.environ["SECRETS_FILE"]) if "SECRETS_FILE" in os.environ else None)
        if path is None or not path.exists():
            raise SecretNotFound(f"secret {ref!r}: SECRETS_FILE is not set or does not exist")
        data = json.loads(path.read_text())
        if name not in data:
            raise SecretNotFound(f"secret {ref!r}: no entry {name!r} in {path}")
        raw = data[name]
    else:
        raise SecretNotFound(f"secret reference {ref!r} must start with env: or file:")
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
            return parsed if isinstance(parsed, dict) else raw
        except ValueError:
            return raw
    return raw


class Redacted(str):
    """A string that never shows itself in repr/str formatting of containers or logs."""

    def __repr__(self) -> str:
        return "'[redacted]'"
