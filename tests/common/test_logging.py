"""Structured JSON logs: bound store and order ids, no secrets, no buyer personal data."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from services.common.logging import (
    bind_order,
    bind_store,
    configure,
    faust_worker_options,
    get_logger,
    scrub_text,
)

ORDER_ID = "113-4567890-1234567"


@pytest.fixture
def out() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure("DEBUG", "json", service="unit_test", stream=stream)
    yield stream
    configure("INFO", "console")


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_lines_are_json_with_store_and_order_bound(out: io.StringIO) -> None:
    log = get_logger("services.poller")
    with bind_order("us-main", ORDER_ID, magento_order_id="000000042"):
        log.info("order published", status="Unshipped")
    with bind_store("eu-de"):
        log.warning("poll throttled", retry_after_s=2.0)
    log.info("outside any order")
    first, second, third = lines(out)
    assert first["event"] == "order published" and first["level"] == "info"
    assert first["store_id"] == "us-main" and first["amazon_order_id"] == ORDER_ID
    assert first["magento_order_id"] == "000000042" and first["status"] == "Unshipped"
    assert first["service"] == "unit_test" and first["logger"] == "services.poller"
    assert str(first["timestamp"]).endswith("Z")
    assert second["store_id"] == "eu-de" and "amazon_order_id" not in second and second["level"] == "warning"
    assert "store_id" not in third and "amazon_order_id" not in third


def test_secrets_are_redacted_by_key_at_any_depth(out: io.StringIO) -> None:
    get_logger("t").info(
        "token refreshed", refresh_token="Atzr|IwEBIA-secret", client_secret="cs-123456",
        headers={"Authorization": "Bearer abc.def.ghi-123", "x-amz-access-token": "Atza|xyz",
                 "Accept": "json"},
        magento={"consumer_key": "ck1", "access_token_secret": "ats1"},
        lwa_credentials_ref="env:LWA_US_MAIN", database_url="postgresql://sc:hunter2@db:5432/sc",
    )
    (line,) = lines(out)
    text = json.dumps(line)
    secrets = ("Atzr|IwEBIA-secret", "cs-123456", "abc.def.ghi-123", "Atza|xyz", "ck1", "ats1", "hunter2")
    for secret in secrets:
        assert secret not in text
    assert line["refresh_token"] == "[redacted]" and line["client_secret"] == "[redacted]"
    assert line["headers"] == {"Authorization": "[redacted]", "x-amz-access-token": "[redacted]",
                               "Accept": "json"}
    assert line["lwa_credentials_ref"] == "env:LWA_US_MAIN"  # a reference names a secret, it is not one
    assert line["database_url"] == "postgresql://sc:[redacted]@db:5432/sc"


def test_buyer_personal_data_is_redacted_by_key_and_by_value(out: io.StringIO) -> None:
    log = get_logger("t")
    order = {"AmazonOrderId": ORDER_ID, "BuyerInfo": {"BuyerEmail": "x1@marketplace.amazon.com"},
             "ShippingAddress": {"Name": "Jane Roe", "AddressLine1": "1 Main St", "Phone": "+1 555 0100"},
             "OrderItems": [{"SellerSKU": "SKU-RED-1", "QuantityOrdered": 2}],
             "buyer_email": "jane@example.com", "note": "buyer wrote from jane.roe@example.org"}
    with bind_order("us-main", ORDER_ID):
        log.error("cannot create sales order for jane@example.com", order=order, phone="555-0100")
    try:
        raise ValueError("customer email jane@example.com already exists")
    except ValueError:
        log.exception("magento rejected the customer")
    first, second = lines(out)
    text = json.dumps(first) + json.dumps(second)
    for pii in ("jane", "Jane Roe", "1 Main St", "555 0100", "555-0100", "x1@marketplace.amazon.com"):
        assert pii not in text
    assert first["event"] == "cannot create sales order for [email]"
    inner = first["order"]
    assert isinstance(inner, dict)
    assert inner["BuyerInfo"] == "[pii]" and inner["ShippingAddress"] == "[pii]"
    assert inner["buyer_email"] == "[pii]"
    assert inner["note"] == "buyer wrote from [email]"
    # Order ids, SKUs and quantities are not personal data.
    assert inner["AmazonOrderId"] == ORDER_ID and inner["OrderItems"] == [{"SellerSKU": "SKU-RED-1",
                                                                          "QuantityOrdered": 2}]
    assert first["phone"] == "[pii]" and first["amazon_order_id"] == ORDER_ID
    assert "ValueError: customer email [email] already exists" in str(second["exception"])


def test_stdlib_loggers_go_through_the_same_redaction(out: io.StringIO) -> None:
    logging.getLogger("services.magento_writer.http").error(
        "POST /V1/orders failed for jane@example.com with Authorization: Bearer tok_abcdefgh12345")
    (line,) = lines(out)
    assert line["logger"] == "services.magento_writer.http" and line["level"] == "error"
    assert line["service"] == "unit_test"
    assert line["event"] == "POST /V1/orders failed for [email] with Authorization: Bearer [redacted]"


def test_level_filters_and_console_format() -> None:
    stream = io.StringIO()
    configure("WARNING", "console", service="unit_test", stream=stream)
    try:
        get_logger("t").info("hidden")
        get_logger("t").warning("shown", email="a@b.co")
    finally:
        configure("INFO", "console")
    text = stream.getvalue()
    assert "hidden" not in text and "shown" in text and "a@b.co" not in text


def test_scrub_text_masks_tokens_in_free_text() -> None:
    assert scrub_text("grant_type=refresh_token&refresh_token=Atzr|abc&client_secret=s3") == \
        "grant_type=refresh_token&refresh_token=[redacted]&client_secret=[redacted]"
    assert scrub_text(f"order {ORDER_ID} for SKU-1") == f"order {ORDER_ID} for SKU-1"


def test_a_logger_made_before_configure_follows_the_configuration() -> None:
    early = get_logger("services.early")  # module-level loggers exist before the CLI configures
    stream = io.StringIO()
    configure("INFO", "json", service="unit_test", stream=stream)
    try:
        early.info("after configure", buyer_name="Jane Roe")
    finally:
        configure("INFO", "console")
    (line,) = lines(stream)
    assert line["logger"] == "services.early" and line["buyer_name"] == "[pii]"


def test_a_faust_worker_keeps_our_json_handler(out: io.StringIO) -> None:
    from mode.utils.logging import setup_logging

    root = logging.getLogger()
    saved = list(root.handlers)
    try:
        # What faust.Worker does at start: clear the root handlers, dictConfig, add loghandlers.
        setup_logging(loglevel="info", **faust_worker_options())
        assert len(root.handlers) == 1 and getattr(root.handlers[0], "_sales_channel", False)
        logging.getLogger("faust.worker").warning("partition assigned for jane@example.com")
    finally:
        root.handlers[:] = saved
    (line,) = lines(out)
    assert line["logger"] == "faust.worker" and line["event"] == "partition assigned for [email]"
