"""What the handlers need, wired once (composition root in ``main``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.common.retry import RetryPolicy
from services.magento_writer.catalog import Catalog
from services.magento_writer.ledger import Ledger
from services.magento_writer.magento.client import MagentoClient
from services.magento_writer.store_directory import StoreDirectory


@dataclass
class WriterContext:
    client: MagentoClient
    ledger: Ledger
    catalog: Catalog
    policy: RetryPolicy
    payment_method: str
    shipping_method: str
    reservations_module: bool = True
    # Regions and currencies of each store, read from Magento and cached (over ``client``).
    directory: StoreDirectory = field(init=False)

    def __post_init__(self) -> None:
        self.directory = StoreDirectory(self.client)
