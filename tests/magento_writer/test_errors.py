from __future__ import annotations

import json

import pytest

from services.magento_writer.magento.errors import (
    AuthError,
    BusinessError,
    NotFound,
    RetryableError,
    UniqueViolation,
    business_reason_class,
    classify,
    parse_envelope,
)


def body(message: str, parameters: object = None, **extra: object) -> bytes:
    data: dict[str, object] = {"message": message, **extra}
    if parameters is not None:
        data["parameters"] = parameters
    return json.dumps(data).encode()


def test_named_placeholders_are_filled() -> None:
    message, template = parse_envelope(
        body("No such entity with %fieldName = %fieldValue", {"fieldName": "cartId", "fieldValue": 17})
    )
    assert message == "No such entity with cartId = 17"
    assert template == "No such entity with %fieldName = %fieldValue"


def test_positional_placeholders_are_filled() -> None:
    message, _ = parse_envelope(body("Carrier with such method not found: %1, %2", ["flatrate", "x"]))
    assert message == "Carrier with such method not found: flatrate, x"


def test_aggregate_errors_are_appended() -> None:
    raw = body(
        "One or more input exceptions have occurred.",
        errors=[
            {
                "message": '"%fieldName" is required. Enter and try again.',
                "parameters": {"fieldName": "customerId"},
            }
        ],
    )
    message, _ = parse_envelope(raw)
    assert message.endswith('"customerId" is required. Enter and try again.')


def test_non_json_and_fatal_renderer_bodies() -> None:
    assert parse_envelope(b"<html>Bad Gateway</html>")[0] == "<html>Bad Gateway</html>"
    fatal = json.dumps({"messages": {"error": [{"code": 500, "message": "Fatal"}]}}).encode()
    assert parse_envelope(fatal)[0] == "Fatal"


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_statuses_are_retryable(status: int) -> None:
    error = classify(status, body("Internal Error. Details are available in Magento log file. Report ID: webapi-1"))
    assert isinstance(error, RetryableError) and error.retryable and error.http_status == status


def test_lock_wait_is_retryable_even_as_400() -> None:
    error = classify(
        400,
        body("SQLSTATE[HY000]: General error: 1205 Lock wait timeout exceeded; try restarting transaction"),
    )
    assert error.retryable


def test_business_refusals() -> None:
    unique = classify(400, body("Unique constraint violation found"))
    assert isinstance(unique, UniqueViolation) and not unique.retryable
    missing = classify(404, body("The product that was requested doesn't exist. Verify the product and try again."))
    assert isinstance(missing, NotFound) and business_reason_class(missing) == "sku"
    stock = classify(400, body("Not enough items for sale"))
    assert isinstance(stock, BusinessError) and business_reason_class(stock) == "stock"
    auth = classify(
        401,
        body("The consumer isn't authorized to access %resources.", {"resources": "Magento_Sales::create"}),
    )
    assert isinstance(auth, AuthError)
    assert auth.reason == "The consumer isn't authorized to access Magento_Sales::create"


def test_reason_is_one_short_line_without_final_stop() -> None:
    error = classify(
        400,
        body("Shipment Document Validation Error(s):\nThe order does not allow a shipment to be created."),
    )
    assert error.reason == "Shipment Document Validation Error(s): The order does not allow a shipment to be created"
