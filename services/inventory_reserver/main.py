"""``sales-channel inventory-reserver``: provision topics, then run the Faust worker."""

from __future__ import annotations

from services.common.faust_app import Worker, worker_datadir
from services.common.metrics import serve
from services.common.settings import Settings
from services.common.topic_admin import ensure_topics
from services.inventory_reserver.app import build_app


def run(settings: Settings) -> None:
    ensure_topics(settings)
    serve(settings.metrics_port)
    worker_datadir(settings, "inventory-reserver").mkdir(parents=True, exist_ok=True)
    bundle = build_app(settings)
    worker = Worker(bundle.app, loglevel=settings.log_level.upper(), quiet=True)
    worker.execute_from_commandline()  # exits the process; a crash exits with CRASH_EXIT_CODE
