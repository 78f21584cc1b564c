"""User requests from the Orders tab and CLI (owner: orders_tab; key: order)."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal

from schemas.envelope import Event, Model


class MagentoRetryRequestedData(Model):
    store_id: str
    amazon_order_id: str
    requested_by: str
    request_id: str  # unique per user action


class MagentoRetryRequestedV1(Event):
    EVENT_TYPE: ClassVar[str] = "order.magento_retry.requested"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["order.magento_retry.requested"] = "order.magento_retry.requested"
    schema_version: Literal[1] = 1
    data: MagentoRetryRequestedData

    def upcast(self) -> Event:
        name, via = requester_of_v1(self.data.requested_by)
        return MagentoRetryRequestedV2(
            event_id=self.event_id,  # the same fact: ids depend on the type and identity, not the version
            key=self.key,
            occurred_at=self.occurred_at,
            producer=self.producer,
            causation_id=self.causation_id,
            data=MagentoRetryRequestedDataV2(store_id=self.data.store_id, amazon_order_id=self.data.amazon_order_id,
                                             requested_by=name, request_id=self.data.request_id, via=via),
        )


class RequestedVia(StrEnum):
    """Where a person's request came from: ``requested_by`` is an Orders-tab user's name (web page or
    personal API token), an operating-system account (CLI), or a tool's name (system)."""

    WEB = "web"
    API = "api"
    CLI = "cli"
    SYSTEM = "system"


def requester_of_v1(requested_by: str) -> tuple[str, RequestedVia]:
    """v1 named no user: the CLI wrote ``cli:<os user>``; the tab ``orders-tab`` (its one shared
    token) and the demo ``demo``, read as tools."""
    if requested_by.startswith("cli:"):
        return requested_by.removeprefix("cli:"), RequestedVia.CLI
    return requested_by, RequestedVia.SYSTEM


class MagentoRetryRequestedDataV2(MagentoRetryRequestedData):
    via: RequestedVia


class MagentoRetryRequestedV2(MagentoRetryRequestedV1):
    """v2: ``requested_by`` is the person's name and ``via`` says which kind of name it is, so the
    order log can say who asked (SPEC §11). A subclass of v1, as order.log.appended v2 is."""

    SCHEMA_VERSION: ClassVar[int] = 2
    schema_version: Literal[2] = 2  # type: ignore[assignment]
    data: MagentoRetryRequestedDataV2

    def upcast(self) -> Event:
        return self
