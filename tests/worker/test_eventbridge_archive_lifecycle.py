"""update-archive, delete-archive, list-replays and cancel-replay on the real broker (no worker:
the archive's events are written to its topic directly, as a worker would)."""

from __future__ import annotations

import json
import time

import pytest

from tests.worker.test_eventbridge_archive_replay import BUS_ARN, cli

pytestmark = [pytest.mark.broker]


def archive_events(topic: str, times: list[str]) -> None:
    from kafka import KafkaProducer

    from pipeline.codec import codec_for
    from pipeline.kafka_settings import kafka_python_config

    codec = codec_for("event-bus")
    producer = KafkaProducer(**kafka_python_config())
    for n, moment in enumerate(times):
        event = {"version": "0", "id": f"e{n}", "detail-type": "Order", "source": "shop", "account": "123456789012",
                 "time": moment, "region": "us-east-1", "resources": [], "detail": {"n": n}}
        producer.send(topic, key=event["id"].encode(), value=codec.encode(event))
    producer.flush()
    producer.close()


def topic_retention_ms(topic: str) -> str:
    from kafka import KafkaAdminClient
    from kafka.admin import ConfigResource, ConfigResourceType

    from pipeline.kafka_settings import kafka_python_config

    admin = KafkaAdminClient(**kafka_python_config())
    try:
        found = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs=None)])
        (configs,) = [by_name[topic] for by_name in found.values() if topic in by_name]
        value = configs["retention.ms"]
        return value["value"] if isinstance(value, dict) else value
    finally:
        admin.close()


def topic_exists(topic: str) -> bool:
    from kafka import KafkaAdminClient

    from pipeline.kafka_settings import kafka_python_config

    admin = KafkaAdminClient(**kafka_python_config())
    try:
        return topic in admin.list_topics()
    finally:
        admin.close()


def run(env, *args) -> dict:
    done = cli(*args, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def refused(env, *args) -> str:
    done = cli(*args, env=env)
    assert done.returncode == 1, done.stdout
    return done.stderr


def test_an_archive_is_updated_replays_are_listed_and_cancelled_and_the_archive_deleted(pipeline_env):
    from pipeline import topics

    run(pipeline_env, "create-archive", "--archive-name", "orders", "--event-source-arn", BUS_ARN,
        "--event-pattern", '{"source": ["shop"]}', "--retention-days", "7")
    topic = topics.prefix() + "archive.orders"
    assert topic_retention_ms(topic) == str(7 * 86_400_000)

    updated = run(pipeline_env, "update-archive", "--archive-name", "orders", "--retention-days", "30",
                  "--event-pattern", '{"source": ["shop", "billing"]}', "--description", "all sales")
    assert updated["State"] == "ENABLED" and updated["ArchiveArn"].endswith(":archive/orders")
    described = run(pipeline_env, "describe-archive", "--archive-name", "orders")
    assert described["RetentionDays"] == 30 and described["Description"] == "all sales"
    assert json.loads(described["EventPattern"]) == {"source": ["shop", "billing"]}
    assert topic_retention_ms(topic) == str(30 * 86_400_000)
    assert "InvalidEventPatternException" in refused(pipeline_env, "update-archive", "--archive-name", "orders",
                                                     "--event-pattern", '{"source": "shop"}')
    assert "ResourceNotFoundException" in refused(pipeline_env, "update-archive", "--archive-name", "nope",
                                                  "--retention-days", "1")

    archive_events(topic, ["2026-01-01T10:00:05Z", "2026-01-01T10:01:05Z", "2026-01-01T10:02:05Z"])
    started = run(pipeline_env, "start-replay", "--replay-name", "r1", "--event-source-arn", "orders",
                  "--event-start-time", "2026-01-01T00:00:00Z", "--event-end-time", "2026-01-02T00:00:00Z",
                  "--destination", json.dumps({"Arn": BUS_ARN}))
    assert started["State"] == "COMPLETED" and started["StateReason"] == "Replayed 3 events."
    listed = run(pipeline_env, "list-replays", "--event-source-arn", "orders")["Replays"]
    assert [(r["ReplayName"], r["State"]) for r in listed] == [("r1", "COMPLETED")]
    assert run(pipeline_env, "list-replays", "--state", "RUNNING")["Replays"] == []
    assert "IllegalStatusException" in refused(pipeline_env, "cancel-replay", "--replay-name", "r1")
    assert "ResourceNotFoundException" in refused(pipeline_env, "cancel-replay", "--replay-name", "r2")

    # a replay still running in another start-replay process: cancel-replay marks it; that process
    # stops at its next minute (tests/cli/test_replay_cancellation.py)
    from pipeline.cli.events import _write_entry

    running = dict(run(pipeline_env, "describe-replay", "--replay-name", "r1"), ReplayName="r2", State="RUNNING")
    running["ReplayArn"] = running["ReplayArn"].replace("replay/r1", "replay/r2")
    _write_entry("Replay/r2", running)
    cancelled = run(pipeline_env, "cancel-replay", "--replay-name", "r2")
    assert cancelled == {"ReplayArn": running["ReplayArn"], "State": "CANCELLING",
                         "StateReason": "Replay cancellation requested."}
    assert run(pipeline_env, "describe-replay", "--replay-name", "r2")["State"] == "CANCELLING"

    assert run(pipeline_env, "delete-archive", "--archive-name", "orders") == {}
    assert "ResourceNotFoundException" in refused(pipeline_env, "describe-archive", "--archive-name", "orders")
    assert "ResourceNotFoundException" in refused(pipeline_env, "delete-archive", "--archive-name", "orders")
    deadline = time.monotonic() + 20
    while topic_exists(topic) and time.monotonic() < deadline:  # topic deletion completes asynchronously
        time.sleep(0.5)
    assert not topic_exists(topic)
    assert run(pipeline_env, "list-archives")["Archives"] == []
