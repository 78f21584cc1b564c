"""Tansu #12: a waiting fetch is not answered as soon as records arrive.

A producer sends one record every 10 ms to one partition; a consumer reads with
``fetch_max_wait_ms`` of 500, 100 and 10 ms and prints the delay from send to receipt.
On Apache Kafka (fetch.min.bytes=1) the delay is a few ms whatever the max wait; on Tansu 0.6.0
it grows with it (seen: p50 132 / 28 / 6 ms, p99 253 / 54 / 17 ms).

    .venv/bin/python docs/repro/fetch_wait.py
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from kafka.admin import KafkaAdminClient, NewTopic  # noqa: E402

from services.devbroker import (
    free_port,  # noqa: E402
    start_broker,  # noqa: E402
)


def main() -> None:
    port = free_port()
    broker = start_broker(os.environ.get("REPRO_BROKER", "tansu"), port=port)  # type: ignore[arg-type]
    servers = f"127.0.0.1:{port}"
    try:
        KafkaAdminClient(bootstrap_servers=servers).create_topics([NewTopic("t", 1, 1)])
        for wait_ms in (500, 100, 10):
            consumer = KafkaConsumer(bootstrap_servers=servers, fetch_max_wait_ms=wait_ms, enable_auto_commit=False)
            tp = TopicPartition("t", 0)
            consumer.assign([tp])
            consumer.seek_to_end(tp)
            consumer.position(tp)
            producer = KafkaProducer(bootstrap_servers=servers, linger_ms=0, acks=1)
            delays: list[float] = []
            done = threading.Event()

            def read(c: KafkaConsumer = consumer, out: list[float] = delays, stop: threading.Event = done) -> None:
                while not stop.is_set():
                    for records in c.poll(100).values():
                        now = time.time()
                        out.extend(now - float(r.value) for r in records)

            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            time.sleep(1)
            for _ in range(300):
                producer.send("t", str(time.time()).encode())
                time.sleep(0.01)
            producer.flush()
            time.sleep(2)
            done.set()
            reader.join()
            consumer.close()
            producer.close()
            delays.sort()
            print(f"fetch_max_wait_ms={wait_ms}: {len(delays)} records, p50 {delays[len(delays) // 2] * 1000:.0f} ms, "
                  f"p99 {delays[int(len(delays) * 0.99)] * 1000:.0f} ms")
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
