"""The writer's Prometheus metrics (prefix ``sales_channel_``); labels are bounded."""

from __future__ import annotations

from services.common.metrics import counter, gauge, histogram

MAGENTO_CALLS = counter("writer_magento_calls_total", "Magento REST calls by route and outcome", ("route", "outcome"))
MAGENTO_CALL_SECONDS = histogram("writer_magento_call_duration_seconds", "Magento REST call duration", ("route",))
RETRIES = counter("writer_retries_total", "Magento calls retried after a retryable failure", ("route",))
ORDERS_CREATED = counter("writer_orders_created_total", "Magento orders created by the writer", ("store",))
FAILURES = counter("writer_failures_total", "Commands that ended in a failure result", ("store", "reason"))
INFLIGHT = gauge("writer_inflight_commands", "Commands fetched and not yet finished")
RESERVATIONS_NOT_SYNCED = counter(
    "writer_reservations_not_synced_total", "Reservation facts not applied in Magento (no reservation module)"
)
COMMAND_SECONDS = histogram("writer_command_duration_seconds", "Command received to result acknowledged", ("command",))
ANSWERS_RESENT = counter(
    "writer_answers_resent_total", "Commands handled again and answered with their recorded first answer", ("command",)
)
