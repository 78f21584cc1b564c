"""Runs the real reserver with an agent that fails on its first record (for the crash test)."""

from __future__ import annotations

from services.common.logging import configure
from services.common.settings import Settings
from services.inventory_reserver import main, processor


async def _explode(*_: object, **__: object) -> None:
    raise RuntimeError("injected failure")


if __name__ == "__main__":
    settings = Settings()
    configure(settings.log_level, "console")
    processor.Reserver.on_record = _explode  # type: ignore[method-assign]
    main.run(settings)
