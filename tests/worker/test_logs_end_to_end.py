"""A real broker, a real `pipeline worker`: log events in, metric data out, bad records to dead letters."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from pipeline import topics
from pipeline.producer import Producer
from tests.fixtures.kafka_io import read_records, read_metric_samples

pytestmark = [pytest.mark.broker, pytest.mark.slow]

FILTER = """
- PutMetricFilter:
    logGroupName: /app/web
    filterName: server-errors
    filterPattern: '[ip, user, timestamp, request, status_code = 5*, bytes]'
    metricTransformations:
      - metricName: ServerErrors
        metricNamespace: Web
        metricValue: '1'
        dimensions: {StatusCode: $status_code}
        unit: Count
"""


def cli(*args: str, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def log_event(message: str, offset_s: int = 0) -> dict:
    return {"logGroupName": "/app/web", "logStreamName": "i-1",
            "timestamp": 1732528800000 + offset_s * 1000, "message": message}


def test_log_event_becomes_metric_datum_and_bad_record_goes_to_dead_letters(pipeline_env, start_worker, tmp_path):
    definitions = tmp_path / "filters.yaml"
    definitions.write_text(FILTER)
    applied = cli("apply", str(definitions), env=pipeline_env)
    assert applied.returncode == 0, applied.stderr
    worker = start_worker()

    with Producer() as producer:
        producer.send("log-events", log_event('10.0.0.1 - [25/Nov/2024:10:00:00] "GET /" 503 12'))
        producer.send_raw(topics.topic_name("log-events"), b"\x07 definitely not a log event", b"/app/web")
        producer.send_raw(topics.topic_name("log-events"), json.dumps({"logGroupName": "/app/web"}).encode(),
                          b"/app/web")
        # the next good record (JSON, as Fluent Bit would write it) still passes
        producer.send_raw(topics.topic_name("log-events"), json.dumps(
            log_event('10.0.0.2 - [25/Nov/2024:10:00:01] "GET /x" 500 7', 1)).encode(), b"/app/web")
        producer.send("log-events", log_event('10.0.0.3 - [25/Nov/2024:10:00:02] "GET /" 200 7', 2))

    data = read_metric_samples(count=2, timeout_s=60)
    assert sorted((d["value"]["Timestamp"], d["value"]["Dimensions"][0]["Value"]) for d in data) == [
        (1732528800000, "503"), (1732528801000, "500")]
    assert all(d["value"]["MetricName"] == "ServerErrors" and d["value"]["Unit"] == "Count"
               and d["value"]["Value"] == 1.0 for d in data)

    dead = read_records("dead-letters", count=2, timeout_s=30)
    reasons = sorted(d["value"]["error"] for d in dead)
    assert any("not valid Avro" in r for r in reasons), reasons
    assert any("message is missing" in r for r in reasons), reasons
    assert all(d["value"]["sourceTopic"] == topics.topic_name("log-events") for d in dead)
    assert all(d["value"]["stage"] == "decode" for d in dead)
    assert worker.process.poll() is None  # still running


def test_definition_changes_apply_live(pipeline_env, start_worker, tmp_path):
    start_worker()
    definitions = tmp_path / "filters.yaml"
    definitions.write_text(FILTER)
    assert cli("apply", str(definitions), env=pipeline_env).returncode == 0
    time.sleep(3)  # the worker follows the definitions topic; no restart
    with Producer() as producer:
        producer.send("log-events", log_event('10.0.0.1 - [x] "GET /" 502 1'))
    assert len(read_metric_samples(count=1, timeout_s=30)) == 1

    deleted = cli("delete", "MetricFilter", "/app/web/server-errors", env=pipeline_env)
    assert deleted.returncode == 0, deleted.stderr
    time.sleep(3)
    with Producer() as producer:
        producer.send("log-events", log_event('10.0.0.1 - [x] "GET /" 504 1', 5))
        producer.flush()
    time.sleep(5)
    assert len(read_metric_samples(count=2, timeout_s=5)) == 1
