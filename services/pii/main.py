"""``sales-channel key-service``: the retention sweep and the erasure events, until SIGTERM/Ctrl-C."""

from __future__ import annotations

import signal

from schemas.topics import PII_ERASURES
from services.common.kafka import make_producer, publish_sync
from services.common.logging import get_logger
from services.common.metrics import HEALTH, serve
from services.common.settings import Settings
from services.pii import service
from services.pii.access import key_store
from services.pii.settings import PiiSettings

log = get_logger(__name__)


def run(settings: Settings) -> None:
    pii = PiiSettings()
    store = key_store(settings.database_url, settings.secrets_file, migrate=True)
    if store is None:
        raise SystemExit("the key service needs PII_KEK_REF (the key-encryption key's secret reference)")
    producer = make_producer(settings)
    serve(settings.metrics_port)
    stopping = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stopping.update(now=True))
    log.info("key_service_started", sweep_interval_s=pii.sweep_interval_seconds,
             retention_days=pii.retention_days, stores_with_own_period=sorted(pii.retention_by_store))
    try:
        service.run(store, pii.policy(), lambda events: publish_sync(producer, PII_ERASURES, events),
            pii.sweep_interval_seconds, should_stop=lambda: stopping["now"],
            beat=lambda: HEALTH.beat(service.SERVICE, max_silence_s=pii.sweep_interval_seconds * 3 + 60))
    except KeyboardInterrupt:
        pass
    finally:
        producer.close()
