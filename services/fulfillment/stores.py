"""The fulfillment services' view of the stores: the stores topic followed while they run
(``StoreDirectory``), so a store integrated, or its fulfillment settings changed, applies at once."""

from __future__ import annotations

from collections.abc import Callable

from schemas.types import StoreConfig
from services.common.settings import Settings
from services.stores.directory import StoreDirectory

StoreLookup = Callable[[str], StoreConfig | None]


def follow_stores(settings: Settings, timeout_s: float = 60.0) -> tuple[StoreDirectory, StoreLookup]:
    """The started directory (``stop`` it) and the lookup of a store's current configuration."""
    directory = StoreDirectory(settings).start()
    if not directory.ready.wait(timeout_s):
        directory.stop()
        raise RuntimeError(f"could not read the stores topic within {timeout_s:.0f} s: {directory.error}")

    def current(store_id: str) -> StoreConfig | None:
        history = directory.history(store_id)
        return history.current if history is not None else None

    return directory, current
