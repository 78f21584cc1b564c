"""Apache Kafka's own broker (``org.apache.kafka:kafka_2.13``, version pinned in
``deploy/kafka/pom.xml``) in KRaft mode on one machine: one combined broker/controller node, or a
cluster of several with replication factor 3 and ``min.insync.replicas`` 2. A single node can
also serve clients over TLS (``TlsListeners``: an SSL listener, optionally with client
certificates required, and a SASL_SSL one with SCRAM and PLAIN users), to prove the clients'
security settings (services/common/kafka_security.py) on the real broker.

Maven resolves the broker's jars once into a cache outside the repository
(``$SALES_CHANNEL_CACHE``, else ``$XDG_CACHE_HOME/sales-channel``, else ``~/.cache/sales-channel``),
and each node runs ``kafka.Kafka`` from them with a bounded heap in its own process group, so a
terminal's Ctrl-C reaches only whoever started it."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from services.devbroker.process import ProcessNode, RunningBroker, free_port, port_open, wait_listening

DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy" / "kafka"
POM = DEPLOY_DIR / "pom.xml"
LOG4J_CONFIG = DEPLOY_DIR / "log4j2.properties"
_MVN_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


class KafkaSetupError(RuntimeError):
    """Kafka cannot be fetched or started here; the message says what to install or do."""


def kafka_version(pom: Path = POM) -> str:
    node = ET.parse(pom).getroot().find("m:properties/m:kafka.version", _MVN_NS)
    if node is None or not (node.text or "").strip():
        raise KafkaSetupError(f"{pom} does not pin kafka.version")
    return (node.text or "").strip()


def cache_root() -> Path:
    if explicit := os.environ.get("SALES_CHANNEL_CACHE"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sales-channel"


def _tool(name: str, hint: str) -> str:
    java_home = os.environ.get("JAVA_HOME")
    if name == "java" and java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which(name)
    if not found:
        raise KafkaSetupError(f"`{name}` is not on PATH: {hint}")
    return found


def ensure_jars(progress: Callable[[str], None] = print) -> Path:
    """The directory of the pinned broker's jars, resolved with Maven on first use."""
    version = kafka_version()
    libs = cache_root() / "kafka" / version / "libs"
    marker = libs / ".complete"
    if marker.exists():
        return libs
    mvn = _tool("mvn", "install Maven (Debian: apt-get install maven), or run scripts/test.sh which does")
    _tool("java", "install a JDK 17+ (Debian: apt-get install openjdk-17-jdk-headless)")
    progress(f"Fetching Apache Kafka {version} with Maven into {libs.parent} (once; later runs reuse it)…")
    staging = libs.with_name("libs.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    cmd = [mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies", "-DincludeScope=runtime",
           f"-DoutputDirectory={staging}"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0 or not any(staging.glob("kafka_2.13-*.jar")):
        raise KafkaSetupError(f"Maven could not resolve Apache Kafka {version} (exit {done.returncode}); "
                              f"check access to Maven Central. Output:\n{(done.stdout + done.stderr)[-3000:]}")
    shutil.rmtree(libs, ignore_errors=True)
    staging.rename(libs)
    marker.write_text(version + "\n")
    return libs


def new_cluster_id() -> str:
    """A KRaft cluster id: a random UUID, base64url without padding (what ``random-uuid`` prints).
    Like Kafka's ``Uuid.randomUuid``, never one starting with "-": ``kafka-storage format -t -x…``
    would read it as an option and the node would not start (1 id in 64)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


@dataclass(frozen=True)
class TlsListeners:
    """Listeners for clients over TLS besides the node's PLAINTEXT one (which the node's own
    controller traffic and readiness checks keep using). Certificates and keys are PEM strings
    (``ssl.keystore.type=PEM``); the key is PKCS#8 and unencrypted.

    - ``ssl_port``: an ``SSL`` listener; with ``client_ca`` it requires a client certificate
      issued by that CA (mutual TLS).
    - ``sasl_ssl_port``: a ``SASL_SSL`` listener (server certificate only) authenticating
      ``users`` (name, password) with SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN."""

    certificate_chain: str
    private_key: str
    ssl_port: int
    client_ca: str | None = None
    sasl_ssl_port: int | None = None
    users: tuple[tuple[str, str], ...] = ()

    SCRAM_MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512")

    def listener_ports(self) -> tuple[int, ...]:
        return (self.ssl_port, self.sasl_ssl_port) if self.sasl_ssl_port else (self.ssl_port,)

    def listeners(self, host: str) -> list[str]:
        return [f"SSL://{host}:{self.ssl_port}"] + (
            [f"SASL_SSL://{host}:{self.sasl_ssl_port}"] if self.sasl_ssl_port else [])

    def properties(self) -> dict[str, object]:
        def pem(value: str) -> str:  # one properties line: java.util.Properties reads "\n" as a newline
            return value.strip().replace("\n", "\\n")

        props: dict[str, object] = {
            "ssl.keystore.type": "PEM",
            "ssl.keystore.certificate.chain": pem(self.certificate_chain),
            "ssl.keystore.key": pem(self.private_key),
            "ssl.enabled.protocols": "TLSv1.3,TLSv1.2",
        }
        if self.client_ca:
            props.update({"ssl.truststore.type": "PEM", "ssl.truststore.certificates": pem(self.client_ca),
                          "listener.name.ssl.ssl.client.auth": "required"})
        if self.sasl_ssl_port:
            scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
            plain_users = " ".join(f'user_{name}="{password}"' for name, password in self.users)
            props.update({
                "listener.name.sasl_ssl.ssl.client.auth": "none",
                "sasl.enabled.mechanisms": ",".join((*self.SCRAM_MECHANISMS, "PLAIN")),
                "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config": scram,
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": scram,
                "listener.name.sasl_ssl.plain.sasl.jaas.config":
                    f"org.apache.kafka.common.security.plain.PlainLoginModule required {plain_users};",
            })
        return props

    def scram_credentials(self) -> list[str]:
        """``kafka-storage format --add-scram`` arguments: every user under both SCRAM mechanisms."""
        if not self.sasl_ssl_port:
            return []
        return [arg for mechanism in self.SCRAM_MECHANISMS for name, password in self.users
                for arg in ("--add-scram", f"{mechanism}=[name={name},password={password}]")]


@dataclass
class KafkaNode(ProcessNode):
    """One combined broker/controller process of a local KRaft cluster."""

    node_id: int
    port: int
    controller_port: int
    directory: Path
    libs: Path
    heap_mb: int
    host: str = "127.0.0.1"
    tls: TlsListeners | None = None
    proc: subprocess.Popen[bytes] | None = None

    @property
    def config_path(self) -> Path:
        return self.directory / "server.properties"

    @property
    def log_path(self) -> Path:
        return self.directory / "logs" / "server.log"

    def write_config(self, voters: str, replicas: int) -> None:
        isr = 2 if replicas >= 3 else 1
        client = [f"PLAINTEXT://{self.host}:{self.port}", *(self.tls.listeners(self.host) if self.tls else [])]
        props: dict[str, object] = {
            "process.roles": "broker,controller",
            "node.id": self.node_id,
            "listeners": ",".join([*client, f"CONTROLLER://{self.host}:{self.controller_port}"]),
            "advertised.listeners": ",".join(client),
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL",
            "controller.quorum.voters": voters,
            "log.dirs": self.directory / "data",
            "num.partitions": 1,
            "default.replication.factor": replicas,
            "min.insync.replicas": isr,
            "offsets.topic.replication.factor": replicas,
            "offsets.topic.num.partitions": 10,
            "transaction.state.log.replication.factor": replicas,
            "transaction.state.log.min.isr": isr,
            "share.coordinator.state.topic.replication.factor": replicas,
            "share.coordinator.state.topic.min.isr": isr,
            "unclean.leader.election.enable": "false",
            "group.initial.rebalance.delay.ms": 0,
            "auto.create.topics.enable": "false",
            **(self.tls.properties() if self.tls else {}),
        }
        self.directory.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))

    def _java(self, main: str, *args: str, heap: bool = False) -> list[str]:
        opts = [f"-Xms{min(self.heap_mb, 256)}m", f"-Xmx{self.heap_mb}m", "-XX:+UseG1GC",
                "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true"] if heap else ["-Xmx256m"]
        return [_tool("java", "install a JDK 17+"), *opts, f"-Dkafka.logs.dir={self.directory / 'logs'}",
                f"-Dlog4j2.configurationFile={LOG4J_CONFIG}", "-cp", f"{self.libs}/*", main, *args]

    def format(self, cluster_id: str) -> subprocess.Popen[bytes]:
        """Format this node's storage (started, not awaited: nodes format in parallel)."""
        users = self.tls.scram_credentials() if self.tls else []
        return subprocess.Popen(self._java("kafka.tools.StorageTool", "format", "-t", cluster_id,
                                           "-c", str(self.config_path), "--ignore-formatted", *users),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def start(self, wait_s: float = 60.0) -> None:
        """Start the node and wait until it serves clients (a node of a cluster listens once a
        quorum of controllers runs: start the others with ``spawn`` first)."""
        self.spawn()
        assert self.proc is not None
        wait_listening(self.proc, self.host, self.port, f"kafka node {self.node_id}", self.log_path, wait_s)

    def spawn(self) -> None:
        if self.alive():
            return
        for p in (self.port, self.controller_port, *(self.tls.listener_ports() if self.tls else ())):
            if port_open(self.host, p):
                raise KafkaSetupError(f"port {self.host}:{p} is taken; stop what listens there or pick another")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.directory / "logs" / "stdout.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(self._java("kafka.Kafka", str(self.config_path), heap=True),
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


@dataclass
class _Cleanup:
    path: Path | None = None
    done: list[bool] = field(default_factory=list)

    def __call__(self) -> None:
        if self.path and not self.done:
            shutil.rmtree(self.path, ignore_errors=True)
            self.done.append(True)


def wait_ready(bootstrap: str, nodes: int, timeout_s: float = 60.0) -> None:
    """Wait until every node is registered as a broker and metadata requests answer."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    deadline = time.monotonic() + timeout_s
    last: object = None
    while time.monotonic() < deadline:
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
            try:
                brokers = admin.describe_cluster().get("brokers") or []
                if len(brokers) >= nodes:
                    return
                last = f"{len(brokers)} of {nodes} brokers registered"
            finally:
                admin.close()
        except KafkaError as exc:
            last = exc
        time.sleep(0.3)
    raise KafkaSetupError(f"Kafka at {bootstrap} not ready within {timeout_s:.0f} s: {last}")


def start_kafka(host: str = "127.0.0.1", port: int | None = None, nodes: int = 1, data_dir: Path | None = None,
                progress: Callable[[str], None] = print, heap_mb: int | None = None,
                tls: TlsListeners | None = None) -> RunningBroker:
    """Format and start ``nodes`` combined KRaft nodes; return once every one serves clients.
    Without ``data_dir`` the data lives in a temporary directory removed on stop. ``tls``: a
    single node's extra listeners for clients over TLS."""
    if nodes < 1:
        raise ValueError("nodes must be at least 1")
    if tls is not None and nodes != 1:
        raise ValueError("TLS listeners are for a single node")
    libs = ensure_jars(progress)
    cleanup = _Cleanup()
    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="sales-channel-kafka-"))
        cleanup.path = data_dir
    heap = heap_mb or (512 if nodes == 1 else 384)
    ports = [port or free_port()] + [free_port() for _ in range(nodes - 1)]
    members = [KafkaNode(i + 1, ports[i], free_port(), data_dir / f"node-{i + 1}", libs, heap, host, tls)
               for i in range(nodes)]
    voters = ",".join(f"{n.node_id}@{host}:{n.controller_port}" for n in members)
    replicas = 3 if nodes >= 3 else 1
    cluster_id = new_cluster_id()
    for n in members:
        n.write_config(voters, replicas)
    formats = [(n, n.format(cluster_id)) for n in members]
    for n, proc in formats:
        out, _ = proc.communicate(timeout=120)
        if proc.returncode != 0:
            cleanup()
            raise KafkaSetupError(f"formatting node {n.node_id} failed: {out.decode(errors='replace')[-2000:]}")
    broker = RunningBroker("kafka", list(members), host, on_stop=[cleanup])
    try:
        for n in members:
            n.spawn()
        for n in members:
            n.start()
        wait_ready(broker.bootstrap, nodes)
    except BaseException:
        broker.stop(10)
        raise
    return broker
