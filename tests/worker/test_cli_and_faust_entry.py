"""`pipeline produce` / `pipeline consume` on the real broker, and a worker started with plain
`faust -A pipeline.worker.app worker` doing the same work as `pipeline worker`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.admin import ensure_topics
from tests.fixtures.kafka_io import read_records, read_metric_samples

pytestmark = [pytest.mark.broker, pytest.mark.slow]

PROJECT = Path(__file__).resolve().parents[2]


def cli(*args: str, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_produce_refuses_a_bad_file_then_publishes_json_lines_as_avro(pipeline_env, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"logGroupName": "g", "message": "m", "timestamp": 1}\n{"logGroupName": "g"}\n')
    refused = cli("produce", "--topic", "log-events", str(bad), env=pipeline_env)
    assert refused.returncode == 1
    assert "record 2: message is missing" in refused.stderr

    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(json.dumps({"logGroupName": "g", "message": f"line {n}", "timestamp": 1000 + n})
                              for n in range(3)) + "\n")
    produced = cli("produce", "--topic", "log-events", str(good), env=pipeline_env)
    assert produced.returncode == 0, produced.stderr
    records = read_records("log-events", count=3, timeout_s=30)
    assert sorted(r["value"]["message"] for r in records) == ["line 0", "line 1", "line 2"]
    assert all(r["key"] == b"g" for r in records)  # keyed by log group

    consumed = cli("consume", "--topic", "log-events", "--from-beginning", "--max-records", "3", "--timeout", "20",
                   env=pipeline_env)
    assert consumed.returncode == 0, consumed.stderr
    lines = [json.loads(line) for line in consumed.stdout.splitlines()]
    assert sorted(line["value"]["message"] for line in lines) == ["line 0", "line 1", "line 2"]


def test_plain_faust_command_runs_the_same_worker(pipeline_env, tmp_path):
    ensure_topics()  # `faust worker` has no create-topics step of its own
    definitions = tmp_path / "f.yaml"
    definitions.write_text("""
- PutMetricFilter:
    logGroupName: g
    filterName: errors
    filterPattern: ERROR
    metricTransformations: [{metricName: Errors, metricNamespace: App, metricValue: '1'}]
""")
    assert cli("apply", str(definitions), env=pipeline_env).returncode == 0
    log_path = tmp_path / "faust.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("faust")), "-A", "pipeline.worker.app", "worker", "-l", "info",
             "--without-web"], cwd=PROJECT, env=pipeline_env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while b"[^Worker]: Ready" not in log_path.read_bytes():
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()[-3000:]
            time.sleep(0.3)
        from pipeline.producer import Producer

        with Producer() as producer:
            producer.send("log-events", {"logGroupName": "g", "message": "ERROR x", "timestamp": int(time.time() * 1000)})
        assert len(read_metric_samples(count=1, timeout_s=60)) == 1
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def test_apply_delete_and_list_definitions(pipeline_env):
    applied = cli("apply", str(PROJECT / "demo" / "definitions" / "web-errors.yaml"),
                  str(PROJECT / "demo" / "definitions" / "alarms.yaml"), env=pipeline_env)
    assert applied.returncode == 0, applied.stderr
    deleted = cli("delete", "MetricFilter", "/demo/web/access/response-bytes", env=pipeline_env)
    assert deleted.returncode == 0, deleted.stderr
    listed = json.loads(cli("list-definitions", env=pipeline_env).stdout)
    assert [(d["Kind"], d["Name"]) for d in listed["Definitions"]] == [
        ("MetricAlarm", "web-server-errors"), ("MetricFilter", "/demo/web/access/server-errors")]
    unknown = cli("delete", "Widget", "x", env=pipeline_env)
    assert unknown.returncode == 1 and "unknown kind 'Widget'" in unknown.stderr
