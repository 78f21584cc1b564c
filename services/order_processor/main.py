"""``sales-channel order-processor``: provision topics, serve metrics, run one Faust worker."""

from __future__ import annotations

import logging
import os

from services.common.faust_app import Worker, worker_datadir
from services.common.logging import get_logger
from services.common.metrics import serve
from services.common.settings import Settings
from services.common.topic_admin import ensure_topics
from services.order_processor.app import APP_ID, build_app


def run(settings: Settings) -> None:
    log = get_logger("order_processor")
    ensure_topics(settings)
    worker_datadir(settings, "order-processor").mkdir(parents=True, exist_ok=True)
    serve(settings.metrics_port)
    built = build_app(settings)
    faust_level = os.environ.get("ORDER_PROCESSOR_FAUST_LOG_LEVEL")  # e.g. INFO, to see rebalances
    if faust_level:
        for name in ("faust", "mode", "aiokafka", "services.order_processor"):
            logging.getLogger(name).setLevel(faust_level.upper())
    log.info("starting", app_id=APP_ID, store=settings.faust_store,
             partitions=settings.order_topic_partitions)
    worker = Worker(built.app, loglevel=settings.log_level.lower(), quiet=True)
    worker.execute_from_commandline()
