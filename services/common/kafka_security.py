"""How every Kafka client of the product connects: the one place where the ``KAFKA_SECURITY_*``,
``KAFKA_SSL_*`` and ``KAFKA_SASL_*`` settings become client options.

- ``client_options(settings)``: keyword arguments for kafka-python's ``KafkaProducer``,
  ``KafkaConsumer`` and ``KafkaAdminClient`` and for aiokafka's ``AIOKafkaProducer`` and
  ``AIOKafkaConsumer`` (both libraries take the same names: ``security_protocol``,
  ``ssl_context``, ``sasl_mechanism``, ``sasl_plain_username``, ``sasl_plain_password``).
- ``faust_options(settings)``: ``broker`` and ``broker_credentials`` of a Faust app. Faust's URL
  scheme stays ``kafka://`` whatever the protocol (it picks the aiokafka driver); TLS and SASL
  travel in ``broker_credentials`` (``faust.SSLCredentials`` / ``faust.SASLCredentials``).
- ``refusal(settings)``: why the brokers refuse this client, for the error once connecting has
  failed (the clients only log it): a certificate that does not verify, a client certificate the
  broker wanted, or, past the handshake, the SASL login.

Buyer PII travels over these connections, and Amazon's Data Protection Policy wants TLS 1.2+
(issue #20): the SSL context verifies the broker's certificate and host name against
``KAFKA_SSL_CAFILE`` (or the system CAs) and refuses anything below TLS 1.2. ``PLAINTEXT`` is for
development only; ``SASL_PLAINTEXT`` and ``PLAINTEXT`` with TLS or SASL settings are refused
(``Misconfigured``): they would send credentials or PII in the clear, or look secure and not be.

The context and the SASL password (resolved from ``KAFKA_SASL_PASSWORD_REF``) are built once per
process and configuration; a changed password takes a restart. The password is a
``secrets.Redacted`` string: a client's config dict never shows it."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from services.common.secrets import Redacted, resolve
from services.common.settings import Misconfigured, Settings

if TYPE_CHECKING:
    from faust.types.auth import CredentialsT

SASL_SETTINGS = ("KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD_REF")
SSL_SETTINGS = ("KAFKA_SSL_CAFILE", "KAFKA_SSL_CERTFILE", "KAFKA_SSL_KEYFILE")


@dataclass(frozen=True)
class KafkaSecurity:
    """A resolved security configuration (no ``ssl_context`` on ``PLAINTEXT``, no SASL on ``SSL``)."""

    protocol: str
    ssl_context: ssl.SSLContext | None = None
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: Redacted | None = field(default=None, repr=False)


@dataclass(frozen=True)
class _Config:
    """The settings that decide a :class:`KafkaSecurity` (hashable: the cache key)."""

    protocol: str
    cafile: Path | None
    certfile: Path | None
    keyfile: Path | None
    mechanism: str | None
    username: str | None
    password_ref: str | None
    secrets_file: Path | None

    @classmethod
    def of(cls, s: Settings) -> _Config:
        return cls(s.kafka_security_protocol, s.kafka_ssl_cafile, s.kafka_ssl_certfile, s.kafka_ssl_keyfile,
                   s.kafka_sasl_mechanism, s.kafka_sasl_username, s.kafka_sasl_password_ref, s.secrets_file)

    def set_names(self, names: tuple[str, ...]) -> list[str]:
        values = {"KAFKA_SSL_CAFILE": self.cafile, "KAFKA_SSL_CERTFILE": self.certfile,
                  "KAFKA_SSL_KEYFILE": self.keyfile, "KAFKA_SASL_MECHANISM": self.mechanism,
                  "KAFKA_SASL_USERNAME": self.username, "KAFKA_SASL_PASSWORD_REF": self.password_ref}
        return [name for name in names if values[name] is not None]


def security(settings: Settings) -> KafkaSecurity:
    """The security configuration ``settings`` ask for; ``Misconfigured`` says what to fix."""
    return _security(_Config.of(settings))


@lru_cache(maxsize=8)
def _security(config: _Config) -> KafkaSecurity:
    check(config)
    if config.protocol == "PLAINTEXT":
        return KafkaSecurity("PLAINTEXT")
    context = ssl_context(config.cafile, config.certfile, config.keyfile)
    if config.protocol == "SSL":
        return KafkaSecurity("SSL", context)
    assert config.password_ref is not None  # check() made sure
    password = resolve(config.password_ref, config.secrets_file)
    if not isinstance(password, str) or not password:
        raise Misconfigured(f"KAFKA_SASL_PASSWORD_REF {config.password_ref!r} must name a non-empty string")
    return KafkaSecurity("SASL_SSL", context, config.mechanism, config.username, Redacted(password))


def check(config: _Config) -> None:
    """Refuse configurations that would send PII or credentials in the clear, or are incomplete."""
    if config.protocol == "SASL_PLAINTEXT":
        raise Misconfigured("KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT sends buyer data and the SASL password "
                            "unencrypted; use SASL_SSL (or SSL)")
    if config.protocol == "PLAINTEXT":
        if given := config.set_names(SASL_SETTINGS + SSL_SETTINGS):
            raise Misconfigured(f"{', '.join(given)} set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT (unencrypted); "
                                f"set KAFKA_SECURITY_PROTOCOL=SSL or SASL_SSL, or unset them")
        return
    if (config.certfile is None) != (config.keyfile is None):
        raise Misconfigured("KAFKA_SSL_CERTFILE and KAFKA_SSL_KEYFILE go together (mutual TLS): set both or neither")
    if config.protocol == "SSL":
        if given := config.set_names(SASL_SETTINGS):
            raise Misconfigured(f"{', '.join(given)} set but KAFKA_SECURITY_PROTOCOL is SSL, which sends no SASL "
                                f"credentials; set KAFKA_SECURITY_PROTOCOL=SASL_SSL or unset them")
        return
    if missing := [name for name in SASL_SETTINGS if name not in config.set_names(SASL_SETTINGS)]:
        raise Misconfigured(f"KAFKA_SECURITY_PROTOCOL=SASL_SSL needs {', '.join(missing)}")


def ssl_context(cafile: Path | None, certfile: Path | None, keyfile: Path | None) -> ssl.SSLContext:
    """A client context: the broker's certificate and host name verified, TLS 1.2 or newer, with
    this client's certificate when given (mutual TLS)."""
    try:
        context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    except OSError as exc:  # ssl.SSLError is one
        raise Misconfigured(f"KAFKA_SSL_CAFILE {cafile}: {exc}") from exc
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if certfile is not None and keyfile is not None:
        try:
            context.load_cert_chain(str(certfile), str(keyfile))
        except OSError as exc:
            raise Misconfigured(f"KAFKA_SSL_CERTFILE {certfile} / KAFKA_SSL_KEYFILE {keyfile}: {exc}") from exc
    return context


def client_options(settings: Settings) -> dict[str, Any]:
    """``bootstrap_servers`` and the security options of a kafka-python or aiokafka client."""
    sec = security(settings)
    options: dict[str, Any] = {"bootstrap_servers": settings.kafka_bootstrap_servers,
                               "security_protocol": sec.protocol}
    if sec.ssl_context is not None:
        options["ssl_context"] = sec.ssl_context
    if sec.sasl_mechanism is not None:
        options.update(sasl_mechanism=sec.sasl_mechanism, sasl_plain_username=sec.sasl_username,
                       sasl_plain_password=sec.sasl_password)
    return options


def faust_broker_url(bootstrap_servers: str) -> str:
    """KAFKA_BOOTSTRAP_SERVERS ("h1:9092,h2:9092") as a Faust broker URL ("kafka://h1:9092;kafka://h2:9092")."""
    return ";".join(f"kafka://{server.strip()}" for server in bootstrap_servers.split(",") if server.strip())


def faust_credentials(settings: Settings) -> CredentialsT | None:
    """Faust's ``broker_credentials`` for ``settings`` (None on PLAINTEXT)."""
    import faust  # only the Faust apps need it; the kafka-python services do not load Faust

    sec = security(settings)
    if sec.protocol == "SSL":
        return faust.SSLCredentials(sec.ssl_context)
    if sec.protocol == "SASL_SSL":
        return faust.SASLCredentials(username=sec.sasl_username, password=sec.sasl_password,
                                     ssl_context=sec.ssl_context, mechanism=sec.sasl_mechanism)
    return None


def faust_options(settings: Settings) -> dict[str, Any]:
    """``broker`` and ``broker_credentials`` of a Faust app."""
    return {"broker": faust_broker_url(settings.kafka_bootstrap_servers),
            "broker_credentials": faust_credentials(settings)}


def refusal(settings: Settings, timeout_s: float = 5.0) -> str | None:
    """Why the brokers refuse this client, found by a TLS handshake with each bootstrap server;
    None on PLAINTEXT or when no server answers at all (then nothing is listening)."""
    sec = security(settings)
    if sec.ssl_context is None:
        return None
    for server in (s.strip() for s in settings.kafka_bootstrap_servers.split(",") if s.strip()):
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=timeout_s) as raw, \
                    sec.ssl_context.wrap_socket(raw, server_hostname=host) as tls:
                tls.settimeout(1.0)  # TLS 1.3: a missing client certificate is refused after the handshake
                try:
                    tls.recv(1)
                except TimeoutError:
                    pass
        except ssl.SSLCertVerificationError as exc:
            return f"the certificate of {server} does not verify ({exc.verify_message}; check KAFKA_SSL_CAFILE)"
        except ssl.SSLError as exc:
            return f"TLS with {server} failed ({exc.reason or exc}; does the broker want a client certificate, " \
                   f"KAFKA_SSL_CERTFILE/KAFKA_SSL_KEYFILE?)"
        except (OSError, ValueError):
            continue
        if sec.protocol == "SASL_SSL":
            return (f"TLS with {server} works, so the broker refused the SASL login (KAFKA_SASL_MECHANISM "
                    f"{sec.sasl_mechanism}, KAFKA_SASL_USERNAME {sec.sasl_username}, KAFKA_SASL_PASSWORD_REF)")
        return None
    return None
