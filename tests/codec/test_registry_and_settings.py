"""The Confluent framing with ids from a schema registry, and SASL/SSL settings from the environment.

No registry can be installed here (Karapace is not on PyPI), so a tiny HTTP server on 127.0.0.1
answers the one registry call the codec makes: POST /subjects/<subject>/versions -> {"id": n}.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from pipeline import kafka_settings
from pipeline.codec import DecodeError, TopicCodec
from pipeline.codec.framing import unframe


class Registry(BaseHTTPRequestHandler):
    subjects: dict[str, dict] = {}

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        json.loads(body["schema"])  # the registry gets a real Avro schema
        subject = self.path.split("/")[2]
        Registry.subjects.setdefault(subject, {"id": 40 + len(Registry.subjects), "schema": body["schema"]})
        payload = json.dumps({"id": Registry.subjects[subject]["id"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def registry_url():
    server = HTTPServer(("127.0.0.1", 0), Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_schema_ids_come_from_the_registry(registry_url, monkeypatch):
    monkeypatch.setenv("PIPELINE_SCHEMA_REGISTRY_URL", registry_url)
    codec = TopicCodec("metric_datum", subject="metric-data-value")
    datum = {"Namespace": "N", "MetricName": "M", "Dimensions": [], "Timestamp": 1, "Value": 2.0, "Unit": "None"}
    data = codec.encode(datum)
    schema_id, _ = unframe(data)
    assert schema_id == Registry.subjects["metric-data-value"]["id"]
    assert codec.decode(data) == datum


def test_an_unreachable_registry_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("PIPELINE_SCHEMA_REGISTRY_URL", "http://127.0.0.1:1")
    with pytest.raises(DecodeError, match="schema registry http://127.0.0.1:1 refused"):
        TopicCodec("metric_datum").encode(
            {"Namespace": "N", "MetricName": "M", "Dimensions": [], "Timestamp": 1, "Value": 2.0, "Unit": "None"})


def test_sasl_ssl_settings_reach_every_client(monkeypatch, tmp_path):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "b1:9093,b2:9093")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "sasl_plaintext")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "user")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "secret")
    assert kafka_settings.kafka_python_config() == {
        "bootstrap_servers": ["b1:9093", "b2:9093"], "bootstrap_timeout_ms": 10000, "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": "user", "sasl_plain_password": "secret"}
    assert kafka_settings.aiokafka_config()["sasl_plain_username"] == "user"
    credentials = kafka_settings.faust_credentials()
    assert (credentials.username, credentials.password, credentials.mechanism.value) == ("user", "secret", "SCRAM-SHA-512")


def test_plaintext_needs_no_credentials(monkeypatch):
    monkeypatch.delenv("KAFKA_SECURITY_PROTOCOL", raising=False)
    assert kafka_settings.faust_credentials() is None
    assert "security_protocol" not in kafka_settings.kafka_python_config()
