"""Where the listener reads notifications from (environment, ``NOTIFICATIONS_`` prefix).

``NOTIFICATIONS_QUEUE_URL`` turns the listener on; ``NOTIFICATIONS_SQS_ENDPOINT_URL`` points
boto3 at an SQS-compatible endpoint (moto in the demo and tests; unset on AWS);
``NOTIFICATIONS_REGION``; ``NOTIFICATIONS_SLOW_FACTOR`` (how much slower polling runs while
a store's notifications flow); ``NOTIFICATIONS_STORES``: the stores the poller keeps subscribed
at start (``*`` every enabled store, or store ids, comma-separated; empty: those enabled with
``sales-channel stores notifications STORE enable``). AWS credentials come from boto3's usual
chain, never from here."""

from __future__ import annotations

from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict


class NotificationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    queue_url: str = ""
    sqs_endpoint_url: str = ""
    region: str = "us-east-1"
    wait_time_seconds: int = 20
    slow_factor: float = 5.0
    stores: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.queue_url)

    def wants(self, store_id: str) -> bool:
        """``store_id`` is to be kept subscribed (``NOTIFICATIONS_STORES``)."""
        names = {n.strip() for n in self.stores.split(",") if n.strip()}
        return "*" in names or store_id in names

    def queue_arn(self) -> str:
        attrs = self.sqs_client().get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])
        return str(attrs["Attributes"]["QueueArn"])

    def sqs_client(self) -> Any:
        import boto3

        return boto3.client("sqs", region_name=self.region, endpoint_url=self.sqs_endpoint_url or None)
