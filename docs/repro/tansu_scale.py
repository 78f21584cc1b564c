"""Tansu #15: produce -> consume latency at 1,000 records/s grows with what a topic already holds.

No Faust and no processor: an aiokafka producer (acks=all) and a group-less aiokafka consumer
(100 ms fetch wait) on one 8-partition topic, after N records were written in small batches.
Seen on a 2-core machine: N=0 p50 30 / p99 64 ms; N=2,000,000 p50 345 / p99 1,652 ms.

    .venv/bin/python docs/repro/tansu_scale.py 0 small
    .venv/bin/python docs/repro/tansu_scale.py 2000000 small
"""

import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from services.devbroker import free_port, start_broker


async def main(n_backlog: int, small: bool):
    port = free_port()
    broker = start_broker(os.environ.get("REPRO_BROKER", "tansu"), port=port)  # type: ignore[arg-type]
    bs = f"127.0.0.1:{port}"
    try:
        KafkaAdminClient(bootstrap_servers=bs).create_topics([NewTopic("t", 8, 1)])
        p = AIOKafkaProducer(
            bootstrap_servers=bs, linger_ms=5 if small else 20, acks="all", max_batch_size=(16 if small else 256) * 1024
        )
        await p.start()
        t0 = time.monotonic()
        futs = []
        for i in range(n_backlog):
            futs.append(await p.send("t", b"x" * 900, key=b"%d" % i))
            if len(futs) >= 20000:
                await asyncio.gather(*futs)
                futs = []
        await asyncio.gather(*futs)
        print(
            f"backlog {n_backlog} ({'small' if small else 'large'} batches) in {time.monotonic() - t0:.0f}s", flush=True
        )
        c = AIOKafkaConsumer(
            "t", bootstrap_servers=bs, fetch_max_wait_ms=100, auto_offset_reset="latest", group_id=None
        )
        await c.start()
        await asyncio.sleep(2)
        lat = []

        async def consume():
            while True:
                r = await c.getmany(timeout_ms=200)
                now = time.time()
                for rs in r.values():
                    for rec in rs:
                        lat.append(now - rec.timestamp / 1000)

        task = asyncio.ensure_future(consume())
        t1 = time.monotonic()
        sends = []
        for i in range(10000):
            d = t1 + i / 1000 - time.monotonic()
            if d > 0:
                await asyncio.sleep(d)
            sends.append(await p.send("t", b"y" * 900, key=b"L%d" % i))
        await asyncio.gather(*sends)
        await asyncio.sleep(5)
        task.cancel()
        lat.sort()
        p50, p99 = lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000
        print(f"  live 1,000/s: {len(lat)} received, p50 {p50:.0f} ms, p99 {p99:.0f} ms")
        await p.stop()
        await c.stop()
    finally:
        broker.stop()


asyncio.run(main(int(sys.argv[1]), sys.argv[2] == "small"))
