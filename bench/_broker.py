"""The broker a benchmark runs on: ``--broker kafka`` (Apache Kafka, the default and the product's
broker) or ``--broker tansu`` (the demo's dev broker, with its quirks switched on)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from services.devbroker import RunningBroker, start_broker


def add_broker_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--broker", choices=("kafka", "tansu"), default="kafka",
                        help="broker to start and measure on (default: kafka)")


def start_bench_broker(engine: str, data_dir: Path | None = None) -> RunningBroker:
    """Start the chosen broker on a free port; this process and the services it starts (through
    the environment, which Settings reads) work around that broker's quirks only."""
    os.environ["BROKER_QUIRKS"] = "tansu" if engine == "tansu" else "none"
    broker = start_broker(engine, data_dir=data_dir)  # type: ignore[arg-type]
    print(f"broker: {engine} at {broker.bootstrap}", flush=True)
    return broker
