"""The seed's example on the real broker: a CloudTrail CreateUser record -> rule -> input
transformer -> security-alerts topic; a target that fails for good -> its dead-letter topic."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from pipeline import topics
from pipeline.kafka_settings import kafka_python_config
from pipeline.producer import Producer
from tests.fixtures.kafka_io import read_records
from tests.fixtures.shared_data import SHARED_DATA

pytestmark = [pytest.mark.broker, pytest.mark.slow]

PROJECT = Path(__file__).resolve().parents[2]
SAMPLES = SHARED_DATA / "cloudtrail_samples.jsonl"

FAILING_TARGET = """
- PutRule:
    Name: any-iam-call
    EventPattern: '{"source": ["aws.iam"]}'
- PutTargets:
    Rule: any-iam-call
    Targets:
      - Id: too-big
        Arn: kafka:tiny-target
        Input: '{"padding": "%s"}'
        DeadLetterConfig: {Arn: "kafka:tiny-target-dlq"}
""" % ("x" * 2000)


def cli(*args: str, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def create_user_record() -> dict:
    for line in SAMPLES.read_text().splitlines():
        record = json.loads(line)
        if record["eventName"] == "CreateUser" and record["eventVersion"] == "1.0":
            return record
    raise AssertionError("no CreateUser sample")


def test_create_user_reaches_security_alerts_and_failing_target_goes_to_dlq(pipeline_env, start_worker, tmp_path):
    admin = KafkaAdminClient(**kafka_python_config())
    admin.create_topics({topics.target_topic("tiny-target"): {
        "num_partitions": 1, "replication_factor": 1, "configs": {"max.message.bytes": "512"}}})
    admin.close()
    failing = tmp_path / "failing.yaml"
    failing.write_text(FAILING_TARGET)
    applied = cli("apply", str(PROJECT / "demo" / "definitions" / "security-alerts.yaml"), str(failing),
                  env=pipeline_env)
    assert applied.returncode == 0, applied.stderr
    start_worker()

    record = create_user_record()
    with Producer() as producer:
        producer.send("cloudtrail", record)

    alerts = read_records(topics.target_topic("security-alerts"), count=1, timeout_s=60,
                          schema="target_delivery")
    assert len(alerts) == 1
    delivery = alerts[0]["value"]
    assert delivery["ruleName"] == "new-iam-user" and delivery["targetId"] == "security-alerts"
    assert json.loads(delivery["input"]) == {
        "alert": "New IAM user Bob created in us-east-2",
        "createdBy": "arn:aws:iam::123456789012:user/Alice",
        "at": "2014-03-24T21:11:59Z",
        "rule": "new-iam-user",
    }

    dead = read_records(topics.target_topic("tiny-target-dlq"), count=1, timeout_s=60, schema="dead_letter")
    assert len(dead) == 1
    letter = dead[0]
    assert letter["headers"]["ERROR_CODE"] == "PAYLOAD_TOO_LARGE"
    assert letter["headers"]["RULE_ARN"].endswith(":rule/any-iam-call")
    assert letter["headers"]["TARGET_ARN"] == "kafka:tiny-target"
    assert json.loads(letter["value"]["original"])["detail"]["eventName"] == "CreateUser"
    assert letter["value"]["stage"] == "target any-iam-call/too-big"

    # the CloudTrail record also reached the trail's log group for metric filters
    logged = read_records("log-events", count=1, timeout_s=30)
    assert json.loads(logged[0]["value"]["message"])["eventName"] == "CreateUser"
    assert logged[0]["value"]["logGroupName"] == "aws-cloudtrail-logs"
