"""Kafka clients over TLS (issue 20: buyer PII travels over TLS 1.2+): the options every client is
built with (services/common/kafka_security.py), the configurations refused, and the clients on a
real Apache Kafka node with an SSL listener requiring client certificates and a SASL_SSL one
(SCRAM and PLAIN), its certificates from a throwaway CA made here."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import ssl
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from kafka import TopicPartition

from schemas.topics import TopicSpec
from services.common.kafka import BrokerUnavailable, end_offsets, make_consumer, make_producer
from services.common.kafka_security import client_options, faust_credentials, faust_options, security
from services.common.output_producer import OutputProducer
from services.common.secrets import SecretNotFound
from services.common.settings import Misconfigured, Settings
from services.common.topic_admin import ensure_topics
from services.devbroker import RunningBroker, free_port, start_broker
from services.devbroker.kafka import TlsListeners
from tests.harness import LOG_DIR

PASSWORD = "s3cret-kafka-password"


# --- a throwaway CA ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Issued:
    certificate: str  # PEM
    key: str  # PEM, PKCS#8, unencrypted


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_key(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


class Authority:
    def __init__(self, name: str) -> None:
        self.key = _key()
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = dt.datetime.now(dt.UTC)
        self.certificate = (
            x509.CertificateBuilder().subject_name(self.name).issuer_name(self.name)
            .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(self.key, hashes.SHA256()))

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def issue(self, name: str, server: bool) -> Issued:
        key = _key()
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(self.name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH if server
                                                  else x509.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False))
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        certificate = builder.sign(self.key, hashes.SHA256())
        return Issued(certificate.public_bytes(serialization.Encoding.PEM).decode(), _pem_key(key))


@dataclass(frozen=True)
class TlsBroker:
    broker: RunningBroker
    ssl_bootstrap: str
    sasl_bootstrap: str
    cafile: Path
    certfile: Path
    keyfile: Path
    wrong_cafile: Path
    secrets_file: Path

    def ssl(self, **more: Any) -> Settings:
        """Mutual TLS: the SSL listener requires a client certificate."""
        values: dict[str, Any] = dict(kafka_bootstrap_servers=self.ssl_bootstrap, kafka_security_protocol="SSL",
                                      kafka_ssl_cafile=self.cafile, kafka_ssl_certfile=self.certfile,
                                      kafka_ssl_keyfile=self.keyfile)
        return Settings(**(values | more))

    def sasl(self, mechanism: str, **more: Any) -> Settings:
        values: dict[str, Any] = dict(kafka_bootstrap_servers=self.sasl_bootstrap, kafka_security_protocol="SASL_SSL",
                                      kafka_ssl_cafile=self.cafile, kafka_sasl_mechanism=mechanism,
                                      kafka_sasl_username="pipeline", kafka_sasl_password_ref="file:kafka",
                                      secrets_file=self.secrets_file)
        return Settings(**(values | more))


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsBroker]:
    """A Kafka node of its own (whatever TEST_BROKER says: TLS is Apache Kafka's here)."""
    tmp = tmp_path_factory.mktemp("kafka-tls")
    ca, stranger = Authority("sales-channel test CA"), Authority("some other CA")
    server, client = ca.issue("kafka", server=True), ca.issue("sales-channel", server=False)
    files = {"ca.pem": ca.pem, "client.pem": client.certificate, "client-key.pem": client.key,
             "wrong-ca.pem": stranger.pem, "secrets.json": json.dumps({"kafka": PASSWORD, "wrong": "not-it"})}
    for name, text in files.items():
        (tmp / name).write_text(text)
    tls = TlsListeners(server.certificate, server.key, ssl_port=free_port(), client_ca=ca.pem,
                       sasl_ssl_port=free_port(), users=(("pipeline", PASSWORD),))
    broker = start_broker("kafka", data_dir=LOG_DIR / f"kafka-tls-{uuid.uuid4().hex[:6]}", heap_mb=384, tls=tls)
    try:
        yield TlsBroker(broker, f"127.0.0.1:{tls.ssl_port}", f"127.0.0.1:{tls.sasl_ssl_port}", tmp / "ca.pem",
                        tmp / "client.pem", tmp / "client-key.pem", tmp / "wrong-ca.pem", tmp / "secrets.json")
    finally:
        broker.stop()


def _round_trip(settings: Settings) -> None:
    """Topic created by the admin client, a record each from kafka-python's producer and the
    aiokafka OutputProducer, both read back by a kafka-python consumer; end offsets agree."""
    topic = f"tls-{uuid.uuid4().hex[:8]}"
    ensure_topics(settings, [TopicSpec(topic, "test", 1, "order", "delete", ("test",))])
    producer = make_producer(settings, timeout_s=20)
    producer.send(topic, key=b"k1", value=b"from kafka-python").get(timeout=20)
    producer.close()

    async def send_async() -> None:
        outputs = OutputProducer(settings)
        await (await outputs.send(topic, b"k2", b"from aiokafka"))
        assert outputs._producer is not None
        await outputs._producer.stop()

    asyncio.run(send_async())
    consumer = make_consumer(settings, None, [], timeout_s=20)
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    consumer.seek_to_beginning(tp)
    values: list[bytes] = []
    for _ in range(40):
        values += [r.value for r in consumer.poll(500).get(tp, [])]
        if len(values) >= 2:
            break
    consumer.close()
    assert values == [b"from kafka-python", b"from aiokafka"]
    assert end_offsets(settings, [tp]) == {tp: 2}


# --- on the broker -----------------------------------------------------------------------------

@pytest.mark.integration
def test_every_client_works_over_mutual_tls(tls_broker: TlsBroker) -> None:
    _round_trip(tls_broker.ssl())


@pytest.mark.integration
@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"])
def test_every_client_works_over_sasl_ssl(tls_broker: TlsBroker, mechanism: str) -> None:
    _round_trip(tls_broker.sasl(mechanism))


@pytest.mark.integration
def test_faust_credentials_connect_over_tls(tls_broker: TlsBroker) -> None:
    """Faust's aiokafka driver turns our broker_credentials into these client options."""
    from aiokafka import AIOKafkaConsumer
    from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

    async def topics(settings: Settings) -> set[str]:
        auth = credentials_to_aiokafka_auth(faust_credentials(settings))
        consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, **auth)
        await consumer.start()
        try:
            return set(await consumer.topics())
        finally:
            await consumer.stop()

    topic = f"tls-faust-{uuid.uuid4().hex[:8]}"
    ensure_topics(tls_broker.ssl(), [TopicSpec(topic, "test", 1, "order", "delete", ("test",))])
    for settings in (tls_broker.ssl(), tls_broker.sasl("SCRAM-SHA-512")):
        assert topic in asyncio.run(topics(settings))


@pytest.mark.integration
def test_a_broker_certificate_from_another_ca_is_refused(tls_broker: TlsBroker) -> None:
    settings = tls_broker.ssl(kafka_ssl_cafile=tls_broker.wrong_cafile)
    with pytest.raises(BrokerUnavailable, match=r"does not verify \(unable to get local issuer certificate; "
                                                 r"check KAFKA_SSL_CAFILE\)"):
        make_producer(settings, timeout_s=3, bootstrap_timeout_ms=3000)


@pytest.mark.integration
def test_the_ssl_listener_refuses_a_client_without_certificate(tls_broker: TlsBroker) -> None:
    settings = tls_broker.ssl(kafka_ssl_certfile=None, kafka_ssl_keyfile=None)
    with pytest.raises(BrokerUnavailable, match="client certificate, KAFKA_SSL_CERTFILE/KAFKA_SSL_KEYFILE"):
        make_producer(settings, timeout_s=3, bootstrap_timeout_ms=3000)


@pytest.mark.integration
def test_a_wrong_sasl_password_is_refused(tls_broker: TlsBroker) -> None:
    settings = tls_broker.sasl("SCRAM-SHA-512", kafka_sasl_password_ref="file:wrong")
    with pytest.raises(BrokerUnavailable, match=r"TLS with .* works, so the broker refused the SASL login "
                                                 r"\(KAFKA_SASL_MECHANISM SCRAM-SHA-512, KAFKA_SASL_USERNAME pipeline"):
        make_producer(settings, timeout_s=3, bootstrap_timeout_ms=3000)


# --- options, without a broker -----------------------------------------------------------------

def _ca_file(tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    path.write_text(Authority("unit CA").pem)
    return path


def test_plaintext_is_the_development_default() -> None:
    settings = Settings(kafka_bootstrap_servers="h1:9092,h2:9092")
    assert client_options(settings) == {"bootstrap_servers": "h1:9092,h2:9092", "security_protocol": "PLAINTEXT"}
    assert faust_options(settings) == {"broker": "kafka://h1:9092;kafka://h2:9092", "broker_credentials": None}


def test_ssl_verifies_the_broker_with_tls_1_2_at_least_and_builds_the_context_once(tmp_path: Path) -> None:
    settings = Settings(kafka_security_protocol="SSL", kafka_ssl_cafile=_ca_file(tmp_path))
    options = client_options(settings)
    context = options["ssl_context"]
    assert options["security_protocol"] == "SSL" and "sasl_mechanism" not in options
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "unit CA"),),)]
    assert client_options(settings.model_copy())["ssl_context"] is context
    credentials = faust_options(settings)["broker_credentials"]
    assert type(credentials).__name__ == "SSLCredentials" and credentials.context is context
    assert faust_options(settings)["broker"] == "kafka://127.0.0.1:9092"  # the scheme stays kafka://


def test_sasl_ssl_takes_the_password_from_its_secret_and_never_shows_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from faust.auth import SASLCredentials

    ref = f"KAFKA_TEST_PASSWORD_{uuid.uuid4().hex[:6].upper()}"
    monkeypatch.setenv(ref, PASSWORD)
    settings = Settings(kafka_security_protocol="SASL_SSL", kafka_ssl_cafile=_ca_file(tmp_path),
                        kafka_sasl_mechanism="SCRAM-SHA-512", kafka_sasl_username="pipeline",
                        kafka_sasl_password_ref=f"env:{ref}")
    options = client_options(settings)
    assert options["security_protocol"] == "SASL_SSL" and options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "pipeline" and options["sasl_plain_password"] == PASSWORD
    assert options["ssl_context"].minimum_version == ssl.TLSVersion.TLSv1_2
    for shown in (repr(options), repr(settings), repr(security(settings)), repr(faust_credentials(settings))):
        assert PASSWORD not in shown
    credentials = faust_credentials(settings)
    assert isinstance(credentials, SASLCredentials)
    assert (credentials.protocol.value, credentials.mechanism.value) == ("SASL_SSL", "SCRAM-SHA-512")


def test_mutual_tls_loads_the_client_certificate(tmp_path: Path) -> None:
    ca = Authority("unit CA")
    client = ca.issue("client", server=False)
    (tmp_path / "c.pem").write_text(client.certificate)
    (tmp_path / "k.pem").write_text(client.key)
    settings = Settings(kafka_security_protocol="SSL", kafka_ssl_certfile=tmp_path / "c.pem",
                        kafka_ssl_keyfile=tmp_path / "k.pem")
    assert client_options(settings)["ssl_context"].minimum_version == ssl.TLSVersion.TLSv1_2
    (tmp_path / "other.pem").write_text(_pem_key(_key()))  # the key of no certificate here
    with pytest.raises(Misconfigured, match="KAFKA_SSL_CERTFILE .* / KAFKA_SSL_KEYFILE .*other.pem"):
        client_options(settings.model_copy(update={"kafka_ssl_keyfile": tmp_path / "other.pem"}))


@pytest.mark.parametrize(("values", "says"), [
    ({"kafka_security_protocol": "SASL_PLAINTEXT"}, "SASL_PLAINTEXT sends buyer data"),
    ({"kafka_sasl_username": "u", "kafka_sasl_password_ref": "env:X"},
     "KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD_REF set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT"),
    ({"kafka_ssl_cafile": "/ca.pem"}, "KAFKA_SSL_CAFILE set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT"),
    ({"kafka_security_protocol": "SSL", "kafka_sasl_username": "u"}, "SSL, which sends no SASL credentials"),
    ({"kafka_security_protocol": "SASL_SSL", "kafka_sasl_username": "u"},
     "SASL_SSL needs KAFKA_SASL_MECHANISM, KAFKA_SASL_PASSWORD_REF"),
    ({"kafka_security_protocol": "SSL", "kafka_ssl_certfile": "/c.pem"}, "go together"),
    ({"kafka_security_protocol": "SSL", "kafka_ssl_cafile": "/nowhere/ca.pem"}, "KAFKA_SSL_CAFILE /nowhere/ca.pem"),
])
def test_configurations_that_would_leak_or_cannot_work_are_refused(values: dict[str, Any], says: str) -> None:
    settings = Settings(**values)
    with pytest.raises(Misconfigured, match=says):
        client_options(settings)
    with pytest.raises(Misconfigured, match=says):
        faust_options(settings)


def test_a_missing_password_secret_is_misconfigured() -> None:
    settings = Settings(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="PLAIN", kafka_sasl_username="u",
                        kafka_sasl_password_ref=f"env:KAFKA_UNSET_{uuid.uuid4().hex[:6].upper()}")
    with pytest.raises(SecretNotFound):
        client_options(settings)


def test_variables_come_from_the_environment_and_empty_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "pipeline")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD_REF", "file:kafka")
    for empty in ("KAFKA_SSL_CAFILE", "KAFKA_SSL_CERTFILE", "KAFKA_SSL_KEYFILE"):
        monkeypatch.setenv(empty, "")  # what Compose passes for ${VAR:-}
    settings = Settings()
    assert (settings.kafka_security_protocol, settings.kafka_sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-256")
    assert (settings.kafka_sasl_username, settings.kafka_sasl_password_ref) == ("pipeline", "file:kafka")
    assert settings.kafka_ssl_cafile is None and settings.kafka_ssl_certfile is None


def test_kafka_node_config_has_the_tls_listeners(tmp_path: Path) -> None:
    from services.devbroker.kafka import KafkaNode

    ca = Authority("unit CA")
    server = ca.issue("kafka", server=True)
    tls = TlsListeners(server.certificate, server.key, ssl_port=9301, client_ca=ca.pem, sasl_ssl_port=9302,
                       users=(("pipeline", "pw"),))
    node = KafkaNode(1, 9300, 9399, tmp_path / "node-1", tmp_path, 384, tls=tls)
    node.write_config("1@127.0.0.1:9399", replicas=1)
    props = dict(line.split("=", 1) for line in node.config_path.read_text().splitlines())
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:9300,SSL://127.0.0.1:9301,SASL_SSL://127.0.0.1:9302"
    assert props["ssl.keystore.type"] == props["ssl.truststore.type"] == "PEM"
    assert props["ssl.keystore.key"].startswith("-----BEGIN PRIVATE KEY-----\\n")
    assert props["listener.name.ssl.ssl.client.auth"] == "required"
    assert props["ssl.enabled.protocols"] == "TLSv1.3,TLSv1.2"
    assert tls.scram_credentials()[:2] == ["--add-scram", "SCRAM-SHA-256=[name=pipeline,password=pw]"]
