"""The retry half of target delivery on the real broker: a TargetRetry document on the
target-retries topic (as deliveries.settle writes it after a retriable failure) is attempted
again when due, with the attempt counted; a retry that then fails for good reaches the target's
dead-letter topic with RETRY_ATTEMPTS counting the retry. (Provoking a quick *retriable* Kafka
failure is not possible on a one-broker cluster; settle's side is unit-tested in
test_eventbridge_deliveries.py.)"""

from __future__ import annotations

import json
import time

import pytest
from kafka import KafkaAdminClient

from pipeline import topics
from pipeline.kafka_settings import kafka_python_config
from pipeline.producer import Producer
from tests.fixtures.kafka_io import read_records

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def retry_document(event_id: str, target: dict, due_ms: int) -> dict:
    now = int(time.time() * 1000)
    event = {"version": "0", "id": event_id, "detail-type": "Order", "source": "shop", "account": "123456789012",
             "time": "2026-01-01T10:00:00Z", "region": "us-east-1", "resources": [], "detail": {"n": 1}}
    document = {"event": event, "bus": "default", "rule": "r1", "target": target, "source": ["event-bus", 0, 3],
                "attempt": 1, "firstAttemptMs": now, "dueMs": due_ms, "lastError": "TIMEOUT: test"}
    return {"type": "TargetRetry", "document": document, "time": now}


def test_retry_is_attempted_when_due_and_a_permanent_failure_is_dead_lettered(pipeline_env, start_worker):
    admin = KafkaAdminClient(**kafka_python_config())
    admin.create_topics({topics.target_topic("tiny"): {
        "num_partitions": 1, "replication_factor": 1, "configs": {"max.message.bytes": "256"}}})
    admin.close()
    start_worker()
    due_ms = int(time.time() * 1000) + 2000
    ok = {"Id": "ok", "Arn": "retried-out", "RetryPolicy": {"MaximumRetryAttempts": 3}}
    tiny = {"Id": "tiny", "Arn": "tiny", "Input": json.dumps({"pad": "x" * 600}),
            "DeadLetterConfig": {"Arn": "tiny-dlq"}}
    with Producer() as producer:
        producer.send("target-retries", retry_document("e-ok", ok, due_ms), key="e-ok")
        producer.send("target-retries", retry_document("e-tiny", tiny, due_ms), key="e-tiny")

    delivered = read_records(topics.target_topic("retried-out"), count=1, timeout_s=30, schema="target_delivery")
    assert len(delivered) == 1
    value = delivered[0]["value"]
    assert value["attempt"] == 2 and value["eventId"] == "e-ok" and value["targetId"] == "ok"
    assert value["time"] >= due_ms  # not before it was due
    assert json.loads(value["input"])["detail"] == {"n": 1}

    dead = read_records(topics.target_topic("tiny-dlq"), count=1, timeout_s=30, schema="dead_letter")
    assert len(dead) == 1
    headers = dead[0]["headers"]
    assert headers["ERROR_CODE"] == "PAYLOAD_TOO_LARGE" and headers["RETRY_ATTEMPTS"] == "1"
    assert "EXHAUSTED_RETRY_CONDITION" not in headers and headers["TARGET_ARN"] == "kafka:tiny"
    assert dead[0]["value"]["stage"] == "target r1/tiny" and dead[0]["value"]["sourceOffset"] == 3
