"""Broker address and SASL/SSL settings from the environment, for Faust and for kafka-python.

KAFKA_BOOTSTRAP_SERVERS   host:port[,host:port] (default 127.0.0.1:19092, the local broker)
KAFKA_SECURITY_PROTOCOL   PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL
KAFKA_SASL_MECHANISM      PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512
KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD
KAFKA_SSL_CAFILE, KAFKA_SSL_CERTFILE, KAFKA_SSL_KEYFILE
"""

from __future__ import annotations

import os
from typing import Any

DEFAULT_BOOTSTRAP = "127.0.0.1:19092"


def bootstrap_servers() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS", DEFAULT_BOOTSTRAP)


def security_protocol() -> str:
    return os.environ.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").upper()


def _ssl_context():
    import ssl

    context = ssl.create_default_context(cafile=os.environ.get("KAFKA_SSL_CAFILE") or None)
    certfile = os.environ.get("KAFKA_SSL_CERTFILE")
    if certfile:
        context.load_cert_chain(certfile, os.environ.get("KAFKA_SSL_KEYFILE") or None)
    return context


def faust_credentials() -> Any:
    """``broker_credentials`` for faust.App, or None for PLAINTEXT."""
    protocol = security_protocol()
    if protocol == "PLAINTEXT":
        return None
    import faust

    ssl_context = _ssl_context() if protocol.endswith("SSL") else None
    if protocol.startswith("SASL"):
        return faust.SASLCredentials(
            username=os.environ.get("KAFKA_SASL_USERNAME"),
            password=os.environ.get("KAFKA_SASL_PASSWORD"),
            mechanism=os.environ.get("KAFKA_SASL_MECHANISM", "PLAIN"),
            ssl_context=ssl_context,
        )
    return faust.SSLCredentials(ssl_context)


def _sasl_settings() -> dict[str, Any]:
    """The SASL keywords, spelled the same by kafka-python and aiokafka."""
    return {"sasl_mechanism": os.environ.get("KAFKA_SASL_MECHANISM", "PLAIN"),
            "sasl_plain_username": os.environ.get("KAFKA_SASL_USERNAME"),
            "sasl_plain_password": os.environ.get("KAFKA_SASL_PASSWORD")}


def kafka_python_config() -> dict[str, Any]:
    """Keyword arguments shared by kafka-python's producer, consumer and admin client."""
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap_servers().split(","),
        # a CLI command against a broker that is not there says so after 10 s, not 30
        "bootstrap_timeout_ms": int(os.environ.get("KAFKA_BOOTSTRAP_TIMEOUT_MS", "10000")),
    }
    protocol = security_protocol()
    if protocol != "PLAINTEXT":
        config["security_protocol"] = protocol
    if protocol.startswith("SASL"):
        config.update(_sasl_settings())
    if protocol.endswith("SSL"):
        for env, key in (("KAFKA_SSL_CAFILE", "ssl_cafile"), ("KAFKA_SSL_CERTFILE", "ssl_certfile"),
                         ("KAFKA_SSL_KEYFILE", "ssl_keyfile")):
            if os.environ.get(env):
                config[key] = os.environ[env]
    return config


def aiokafka_config() -> dict[str, Any]:
    """Keyword arguments for aiokafka clients (used where Faust has no fitting abstraction)."""
    config: dict[str, Any] = {"bootstrap_servers": bootstrap_servers()}
    protocol = security_protocol()
    if protocol != "PLAINTEXT":
        config["security_protocol"] = protocol
    if protocol.startswith("SASL"):
        config.update(_sasl_settings())
    if protocol.endswith("SSL"):
        config["ssl_context"] = _ssl_context()
    return config
