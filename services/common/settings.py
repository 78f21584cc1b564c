"""Configuration from environment variables (documented in the README)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DATA_DIR = Path(".sales-channel")


class Misconfigured(Exception):
    """A setting or secret a service cannot start without is missing or wrong; the message says
    what to set. ``sales-channel`` prints it as an error and exits 2 instead of a traceback."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Work-arounds for a broker's known differences from Apache Kafka (services/common/broker_quirks.py):
    # "none" on Kafka, "tansu" on the dev broker. Read from the environment by that module.
    broker_quirks: Literal["none", "tansu"] = "none"
    database_url: str = f"sqlite:///{DATA_DIR}/sales-channel.db"
    order_topic_partitions: int = Field(default=8, ge=1)
    # Replicas of every topic (Faust's changelogs too); 0: 3 on a cluster of 3+ brokers, else one per broker.
    topic_replication_factor: int = Field(default=0, ge=0)
    # Consumer-group timing. Defaults suit production; dev and tests use ~6 s / 1 s / 10 s.
    kafka_session_timeout_ms: int = 10_000
    kafka_heartbeat_interval_ms: int = 3_000
    kafka_max_poll_interval_ms: int = 300_000
    kafka_rebalance_timeout_ms: int = 60_000
    # How every Kafka client connects (services/common/kafka_security.py): PLAINTEXT only in
    # development (buyer PII would travel in the clear); SASL_PLAINTEXT is accepted here only to be
    # refused with that reason when a client is built.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_SSL", "SASL_PLAINTEXT"] = "PLAINTEXT"
    kafka_ssl_cafile: Path | None = None  # PEM CA bundle the brokers' certificates chain to; unset: system CAs
    kafka_ssl_certfile: Path | None = None  # PEM client certificate chain (mutual TLS), with the key file
    kafka_ssl_keyfile: Path | None = None  # PEM private key of that certificate, unencrypted
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password_ref: str | None = None  # secret reference (services/common/secrets.py), never the password
    # Directory for Faust table stores (RocksDB when available) and other local state.
    data_dir: Path = DATA_DIR
    faust_store: str = "memory://"  # "rocksdb://" in production
    # This process's index among the workers of one Faust app on one host: each keeps its table
    # store in its own directory (the workers share the app's partitions through its consumer group).
    worker_index: int = Field(default=0, ge=0)
    # Where LWA and Magento secrets referenced by name are looked up (JSON object), besides env.
    secrets_file: Path | None = None
    # Amazon
    lwa_token_url: str = "https://api.amazon.com/auth/o2/token"
    poller_instance: int = Field(default=0, ge=0)  # this process's index among poller_instances
    poller_instances: int = Field(default=1, ge=1)  # stores are split between poller processes
    # Magento
    magento_base_url: str = "http://127.0.0.1:8082"
    magento_admin_url: str = "http://127.0.0.1:8082/admin"
    magento_auth_ref: str = "env:MAGENTO_AUTH"  # bearer token string, or JSON with OAuth 1.0a keys
    magento_payment_method: str = "checkmo"
    magento_shipping_method: str = "flatrate_flatrate"
    magento_reservations_module: bool = True  # our Magento module for MSI reservations is installed
    writer_concurrency: int = Field(default=32, ge=1)
    # Inventory reserver: how often held reservations are checked for expiry / store settings.
    reserver_sweep_interval_seconds: float = Field(default=15.0, gt=0)
    # Orders tab
    web_admin_token_ref: str = "env:ORDERS_TAB_TOKEN"
    orders_tab_ship_soon_hours: float = Field(default=24.0, gt=0)  # "near Latest Ship Date" window
    metrics_port: int = 0  # 0: no metrics server
    log_level: str = "INFO"
    log_format: str = "json"  # json | console

    @field_validator("kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile", "kafka_sasl_mechanism",
                     "kafka_sasl_username", "kafka_sasl_password_ref", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """An empty variable (Compose passes ``${VAR:-}`` through) means unset."""
        return None if value == "" else value


@lru_cache
def get_settings() -> Settings:
    return Settings()
