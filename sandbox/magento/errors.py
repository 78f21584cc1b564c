"""Magento's web API error envelope and HTTP status mapping (ErrorProcessor::maskException)."""

from __future__ import annotations

import traceback
import uuid
from typing import Any

NO_ROUTE = "Request does not match any route."
NO_SUCH_ENTITY = "The entity that was requested doesn't exist. Verify the entity and try again."
NO_SUCH_PRODUCT = "The product that was requested doesn't exist. Verify the product and try again."
NOT_AUTHORIZED = "The consumer isn't authorized to access %resources."
PRODUCT_NOT_AVAILABLE = "Product that you are trying to add is not available."
QTY_NOT_AVAILABLE = "The requested qty is not available"
UNIQUE_VIOLATION = "Unique constraint violation found"
REQUIRED_FIELD = '"%fieldName" is required. Enter and try again.'
INPUT_EXCEPTIONS = "One or more input exceptions have occurred."
ADDRESS_NOT_SAVED = "We can't save the address:\n%1"
INVALID_FIELD_VALUE = 'Invalid value of "%value" provided for the %fieldName field.'
INVALID_TYPE = 'The "%value" value\'s type is invalid. The "%type" type was expected. Verify and try again.'
NO_ACCESSOR = 'Property "%1" does not have accessor method "%2" in class "%3".'
INTERNAL_MASKED = "Internal Error. Details are available in Magento log file. Report ID: %1"
LOCK_WAIT = (
    "SQLSTATE[HY000]: General error: 1205 Lock wait timeout exceeded; try restarting transaction, "
    "query was: INSERT INTO `sales_order` ..."
)

Parameters = dict[str, Any] | list[Any] | None


class MagentoError(Exception):
    """A web API exception: HTTP status + raw message template + parameters (as Magento renders it)."""

    def __init__(
        self,
        status: int,
        message: str,
        parameters: Parameters = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameters = parameters
        self.errors = errors

    def body(self, developer_mode: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.errors:
            out["errors"] = self.errors
        if self.parameters:
            out["parameters"] = self.parameters
        if developer_mode:
            out["trace"] = "".join(traceback.format_stack(limit=8))
        return out


def new_report_id() -> str:
    return "webapi-" + uuid.uuid4().hex[:13]


def not_found() -> MagentoError:
    return MagentoError(404, NO_SUCH_ENTITY)


def no_route() -> MagentoError:
    return MagentoError(404, NO_ROUTE)


def unauthorized(resources: str) -> MagentoError:
    return MagentoError(401, NOT_AUTHORIZED, {"resources": resources})


def bad_request(message: str, parameters: Parameters = None) -> MagentoError:
    return MagentoError(400, message, parameters)


def internal(developer_message: str, developer_mode: bool) -> MagentoError:
    """A non-Localized exception: masked with a report id unless in developer mode."""
    if developer_mode:
        return MagentoError(500, developer_message)
    return MagentoError(500, INTERNAL_MASKED, [new_report_id()])
