"""The key service's settings (environment): the KEK reference and the retention periods."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.pii.retention import MAX_DAYS, RetentionPolicy


class PiiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PII_", extra="ignore", case_sensitive=False)

    # Secret reference of the KEK ring (``services.pii.kek``), e.g. ``env:PII_KEK``. Required: the
    # poller refuses to start without it, unless ``PII_SEALING=off`` (development only: buyer PII is
    # then published in the clear, and the poller says so at start).
    kek_ref: str | None = None
    sealing: Literal["on", "off"] = "on"
    retention_days: float = Field(default=MAX_DAYS, gt=0, le=MAX_DAYS)
    # Per-store periods in days, JSON: PII_RETENTION_BY_STORE='{"store-1": 14}'
    retention_by_store: dict[str, float] = Field(default_factory=dict)
    sweep_interval_seconds: float = Field(default=300.0, gt=0)

    def policy(self) -> RetentionPolicy:
        return RetentionPolicy(timedelta(days=self.retention_days),
                               {s: timedelta(days=d) for s, d in self.retention_by_store.items()})
