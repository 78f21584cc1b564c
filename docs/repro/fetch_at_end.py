"""Does a consumer positioned at the end (by seek to a committed offset) get the first record of a batch produced later?"""
import asyncio
import os
import sys

sys.path.insert(0, "/work/main")
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from services.devbroker import free_port, start_broker


async def main():
    port = free_port(); broker = start_broker(os.environ.get("REPRO_BROKER", "tansu"), port=port); bs = f"127.0.0.1:{port}"  # type: ignore[arg-type]
    from kafka.admin import KafkaAdminClient, NewTopic
    KafkaAdminClient(bootstrap_servers=bs).create_topics([NewTopic("t", 1, 1)])
    p = AIOKafkaProducer(bootstrap_servers=bs, linger_ms=50); await p.start()
    for i in range(10): await p.send("t", b"a%d" % i)
    await p.flush()
    misses = 0
    for trial in range(10):
        c = AIOKafkaConsumer(bootstrap_servers=bs, enable_auto_commit=False, auto_offset_reset="earliest")
        await c.start()
        tp = TopicPartition("t", 0); c.assign([tp])
        end = (await c.end_offsets([tp]))[tp]
        # real end: count
        c.seek_to_beginning(tp); n = 0
        while True:
            r = await c.getmany(timeout_ms=500)
            if not r: break
            n += sum(len(v) for v in r.values())
        c.seek(tp, n)
        task = asyncio.ensure_future(c.getmany(timeout_ms=3000))
        await asyncio.sleep(0.5)
        for i in range(5): await p.send("t", b"b%d-%d" % (trial, i))
        await p.flush()
        got = []
        r = await task
        got += [m.offset for v in r.values() for m in v]
        for _ in range(3):
            r = await c.getmany(timeout_ms=500); got += [m.offset for v in r.values() for m in v]
        print("trial", trial, "seek", n, "listoffsets end", end, "got", got)
        if not got or got[0] != n: misses += 1
        await c.stop()
    print("misses", misses)
    await p.stop(); broker.stop()

asyncio.run(main())
