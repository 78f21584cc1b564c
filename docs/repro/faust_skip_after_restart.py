"""A restarted Faust worker loses the records fetched while recovery hands over to the streams.

Faust's table recovery resumes flow control (``app.flow_control.resume()``) and starts the fetcher
to read the changelogs. When they are read, ``Recovery._resume_streams`` (faust/tables/recovery.py)
resumes the stream partitions, then awaits ``consumer.perform_seek()`` (a committed-offsets round
trip), then calls ``app.flow_control.resume()`` again. The fetcher is running during that await:
it fetches the stream partitions and the conductor puts their records into the agents' channel
queues (flow control is already active, so nothing holds them back). The second ``resume()``
(mode ``FlowControlEvent.resume``) clears every ``clear_on_resume`` queue unconditionally, whether
or not flow was suspended, and the agent never sees the records it had not taken yet. The fetch
position is past them: ``seek_to_committed`` does not seek a partition whose committed offset is
0 or none, and a re-fetch after a seek is dropped by ``Consumer._drain_messages`` as older than its
read offset. The commit then moves past them (no committed offset to compare with in
``Consumer._new_offset``, or ``_drain_messages`` counts the jump as a gap) or stops at the first
lost one. It takes a table with something to recover (without one the fetcher starts only after
the second resume), a fetch landing in the round trip's window (so not every trial), and an agent
that has not taken the records off its queue yet (the order processor waits for the stores topic).

The script starts its own broker (``REPRO_BROKER=kafka|tansu``, default kafka), creates a topic,
produces records, runs a minimal Faust app in a subprocess (an agent writing the offsets it gets
to a file and counting them in a table; at_least_once, memory store; the agent starts iterating
8 s late), SIGKILLs it once it has committed some offsets, restarts it while producing more, prints,
per partition, the committed offset at the restart, the first offset the restarted agent got and
the offsets it never got, and what ``flow_control.resume()`` cleared while flow was already active.

    .venv/bin/python docs/repro/faust_skip_after_restart.py
    REPRO_FIX=1 .venv/bin/python docs/repro/faust_skip_after_restart.py   # resume() clears only when suspended

Knobs (environment): REPRO_TRIALS (5), REPRO_PARTITIONS (8), REPRO_RECORDS (per phase, 2000),
REPRO_SPREAD (the second phase's records are produced over this many seconds, 10), REPRO_TABLE (1),
REPRO_AGENT_WAIT (8 s), REPRO_AGENT_DELAY (0.002 s a record), REPRO_BUFFER (stream_buffer_maxsize,
1000), REPRO_TRACE (1: also log each fetch, pause/resume and conductor callback).
"""
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, "/work/main")

PARTITIONS = int(os.environ.get("REPRO_PARTITIONS", "8"))
RECORDS = int(os.environ.get("REPRO_RECORDS", "2000"))
SPREAD_S = float(os.environ.get("REPRO_SPREAD", "10"))


def worker(bootstrap: str, topic_name: str, out_path: str, phase: str) -> None:
    """The Faust app under test (run in a subprocess)."""
    import faust
    from faust.transport.consumer import Consumer
    from mode.utils.objects import cached_property
    from mode.utils.queues import FlowControlEvent

    env = os.environ.get
    wait_s, delay = float(env("REPRO_AGENT_WAIT", "8")), float(env("REPRO_AGENT_DELAY", "0.002"))
    out = open(out_path, "a", buffering=1)
    t0 = time.monotonic()

    def trace(msg: str) -> None:
        out.write(f"# {time.monotonic() - t0:8.3f} {msg}\n")

    resume = FlowControlEvent.resume

    def traced_resume(self: FlowControlEvent) -> None:
        queued = sum(q.qsize() for q in self._queues)  # the queues resume() clears
        trace(f"flow_control.resume active={self.is_active()} clears={queued}")
        resume(self)

    FlowControlEvent.resume = traced_resume  # type: ignore[method-assign]

    if env("REPRO_TRACE") == "1":
        def wrap(name: str) -> None:
            orig = getattr(Consumer, name)

            def traced(self, *args):  # type: ignore[no-untyped-def]
                trace(f"{name} {sorted(tp.partition for tp in (args[0] if args else ()) if tp.topic == topic_name)}")
                return orig(self, *args)

            setattr(Consumer, name, traced)

        for name in ("pause_partitions", "resume_partitions", "stop_flow", "resume_flow"):
            wrap(name)
        wait_next = Consumer._wait_next_records

        async def traced_wait(self, timeout):  # type: ignore[no-untyped-def]
            records, active = await wait_next(self, timeout)
            if records:
                trace(f"fetched { {str(tp): (r[0].offset, r[-1].offset) for tp, r in records.items() if r} }")
            return records, active

        Consumer._wait_next_records = traced_wait  # type: ignore[method-assign]

    class ResumeOnceFlowControl(FlowControlEvent):
        """The proposed fix: resuming flow that is already active clears nothing."""

        def resume(self) -> None:
            if self.is_active():
                trace(f"flow_control.resume active=True kept={sum(q.qsize() for q in self._queues)}")
            else:
                super().resume()

    class FixedApp(faust.App):
        @cached_property
        def flow_control(self) -> FlowControlEvent:
            return ResumeOnceFlowControl(loop=self.loop)

    app = (FixedApp if env("REPRO_FIX") == "1" else faust.App)(
        f"repro-{topic_name}", broker=f"kafka://{bootstrap}", store="memory://",
        processing_guarantee="at_least_once", web_enabled=False, topic_partitions=PARTITIONS,
        topic_replication_factor=1, consumer_auto_offset_reset="earliest", broker_commit_interval=0.5,
        broker_session_timeout=6.0, broker_heartbeat_interval=1.0,
        stream_buffer_maxsize=int(env("REPRO_BUFFER", "1000")), broker_max_poll_records=500,
        datadir=str(Path(out_path).parent / "faust-data"),
    )
    topic = app.topic(topic_name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
    counts = (app.Table("counts", default=int, key_type=str, value_type=int, partitions=PARTITIONS)
              if env("REPRO_TABLE", "1") == "1" else None)
    if env("REPRO_TRACE") == "1":
        on_message = app.topics.on_message

        async def traced_on_message(message):  # type: ignore[no-untyped-def]
            trace(f"callback {message.tp} {message.offset}")
            return await on_message(message)

        app.topics.on_message = traced_on_message  # type: ignore[method-assign]

    @app.agent(topic)
    async def agent(stream):  # type: ignore[no-untyped-def]
        await asyncio.sleep(wait_s)  # starts iterating late, as one waiting for a side input
        async for event in stream.events():
            out.write(f"{phase} {event.message.partition} {event.message.offset}\n")
            if counts is not None:
                counts[str(event.message.partition)] += 1
            await asyncio.sleep(delay)

    sys.argv = [sys.argv[0], "worker", "-l", "warn"]
    app.main()


def committed(bootstrap: str, topic: str) -> dict[int, int]:
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    group = f"repro-{topic}"
    try:
        return {tp.partition: meta.offset for tp, meta in admin.list_group_offsets({group: None}).get(group, {}).items()
                if tp.topic == topic and meta.offset >= 0}
    except KafkaError:  # the group's coordinator is not up yet
        return {}
    finally:
        admin.close()


def produce(bootstrap: str, topic: str, tag: bytes, spread_s: float = 0.0) -> None:
    """RECORDS records round-robin over the partitions, all at once or spread over ``spread_s``."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all")
    for i in range(RECORDS):
        producer.send(topic, key=b"k%d" % (i % PARTITIONS), value=tag + b"%d" % i, partition=i % PARTITIONS)
        if spread_s and i % PARTITIONS == PARTITIONS - 1:
            time.sleep(spread_s * PARTITIONS / RECORDS)
    producer.flush()
    producer.close()


def wait_for(cond, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.2)
    return False


def trial(bootstrap: str, n: int, work: Path) -> int:
    from kafka.admin import KafkaAdminClient, NewTopic

    topic = f"events-{n}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
    admin.close()
    out, log = work / f"offsets-{n}.txt", work / f"worker-{n}.log"

    def spawn(phase: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, __file__, "worker", bootstrap, topic, str(out), phase],
                                stdout=open(log, "ab"), stderr=subprocess.STDOUT)

    produce(bootstrap, topic, b"a")
    first = spawn("1")
    ok = wait_for(lambda: sum(committed(bootstrap, topic).values()) >= RECORDS // 4, 90)
    first.send_signal(signal.SIGKILL)
    first.wait()
    at_kill = committed(bootstrap, topic)
    if not ok:
        print(f"trial {n}: the first worker committed too little within 90 s; log {log}")
        return 0
    out.write_text(out.read_text() + "# restart\n")
    ends = {p: len(range(p, 2 * RECORDS, PARTITIONS)) for p in range(PARTITIONS)}
    second = spawn("2")
    produce(bootstrap, topic, b"b", spread_s=SPREAD_S)  # records keep arriving while the worker starts
    wait_for(lambda: committed(bootstrap, topic) == ends, 45)
    at_end = committed(bootstrap, topic)
    second.send_signal(signal.SIGTERM)
    try:
        second.wait(30)
    except subprocess.TimeoutExpired:
        second.kill()
        second.wait()
    seen: dict[int, set[int]] = {p: set() for p in range(PARTITIONS)}
    after = out.read_text().split("# restart\n", 1)[1].splitlines()
    for line in after:
        if not line.startswith("#"):
            _, p, o = line.split()
            seen[int(p)].add(int(o))
    cleared = sum(int(line.rsplit("clears=", 1)[1]) for line in after if "active=True clears=" in line)
    kept = sum(int(line.rsplit("kept=", 1)[1]) for line in after if "active=True kept=" in line)
    lost_total = 0
    for p in range(PARTITIONS):
        start = at_kill.get(p, 0)
        lost = [o for o in range(start, ends[p]) if o not in seen[p]]
        lost_total += len(lost)
        print(f"trial {n} partition {p}: committed at restart {start}, first delivered "
              f"{min(seen[p]) if seen[p] else None}, never delivered {len(lost)}"
              f"{f' ({lost[0]}..{lost[-1]})' if lost else ''}, committed {at_end.get(p)} of {ends[p]} 45 s later")
    print(f"trial {n}: flow_control.resume() with flow already active cleared {cleared} queued events"
          f"{f' (kept {kept} with REPRO_FIX=1)' if os.environ.get('REPRO_FIX') == '1' else ''} "
          f"(worker log {log}, offsets {out})")
    return lost_total


def main() -> None:
    from services.devbroker import free_port, start_broker

    engine = os.environ.get("REPRO_BROKER", "kafka")
    port = free_port()
    broker = start_broker(engine, port=port, progress=lambda s: None)  # type: ignore[arg-type]
    work = Path(tempfile.mkdtemp(prefix="faust-skip-"))
    trials = int(os.environ.get("REPRO_TRIALS", "5"))
    try:
        results = [trial(f"127.0.0.1:{port}", n, work) for n in range(trials)]
    finally:
        broker.stop()
    print(f"{engine}{' with REPRO_FIX=1' if os.environ.get('REPRO_FIX') == '1' else ''}: "
          f"{sum(1 for r in results if r)}/{trials} trials lost records after the restart "
          f"(never delivered per trial: {results})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        worker(*sys.argv[2:6])
    else:
        main()
