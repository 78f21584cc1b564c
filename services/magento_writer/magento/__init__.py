"""A thin Magento 2.4 REST client: store-scoped URLs, Bearer or OAuth 1.0a, typed errors."""

from services.magento_writer.magento.client import MagentoClient, OrderRef
from services.magento_writer.magento.errors import (
    BusinessError,
    MagentoError,
    NotFound,
    RetryableError,
    UniqueViolation,
)

__all__ = [
    "BusinessError",
    "MagentoClient",
    "MagentoError",
    "NotFound",
    "OrderRef",
    "RetryableError",
    "UniqueViolation",
]
