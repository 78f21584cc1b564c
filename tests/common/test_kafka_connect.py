"""Connecting to the broker under the BROKER_CONNECT retry policy (no broker needed)."""

from __future__ import annotations

import pytest
from kafka.errors import KafkaConfigurationError, KafkaConnectionError

from services.common.kafka import BrokerUnavailable, _retry_connect
from services.common.settings import Settings

SETTINGS = Settings(kafka_bootstrap_servers="h:9092")


def test_a_missing_broker_is_reported_when_the_deadline_passes() -> None:
    calls: list[int] = []

    def connect() -> None:
        calls.append(1)
        raise KafkaConnectionError()

    with pytest.raises(BrokerUnavailable, match="no Kafka broker answers at h:9092") as caught:
        _retry_connect(connect, SETTINGS, timeout_s=0.0)
    assert len(calls) == 1 and isinstance(caught.value.__cause__, KafkaConnectionError)


def test_a_wrong_option_is_raised_at_once_not_as_a_missing_broker() -> None:
    calls: list[int] = []

    def connect() -> None:
        calls.append(1)
        raise KafkaConfigurationError("Unrecognized configs: {'acks_typo'}")

    with pytest.raises(KafkaConfigurationError):
        _retry_connect(connect, SETTINGS, timeout_s=30.0)
    assert len(calls) == 1


def test_the_connection_is_returned_once_it_succeeds() -> None:
    assert _retry_connect(lambda: "client", SETTINGS, timeout_s=30.0) == "client"
