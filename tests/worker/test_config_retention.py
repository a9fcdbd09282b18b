"""Configuration history under a retention: the current item of each resource stays on the
compacted config-current topic, so the snapshot and get-resource-config-history still have it
after config-history lost the records (broker, worker)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline import topics
from pipeline.producer import Producer
from tests.fixtures.kafka_io import read_records
from tests.worker.test_config_end_to_end import SG, for_resource, security_group

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def cli(*args: str, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def delete_all_history() -> None:
    """What config-history's retention does to old segments, done now for every record."""
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

    from pipeline.kafka_settings import kafka_python_config

    name = topics.topic_name("config-history")
    consumer = KafkaConsumer(**kafka_python_config())
    partitions = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name)]
    ends = consumer.end_offsets(partitions)
    consumer.close()
    admin = KafkaAdminClient(**kafka_python_config())
    try:
        admin.delete_records({tp: end for tp, end in ends.items() if end > 0})
    finally:
        admin.close()


def test_current_items_outlive_the_history(pipeline_env, start_worker):
    start_worker()
    first, current = security_group("2024-11-25T10:00:00.000Z", 1, "0.0.0.0/0"), \
        security_group("2024-11-25T10:10:00.000Z", 2, "10.0.0.0/8")
    with Producer() as producer:
        for value in (first, current):
            producer.send("config-items", value)
    history = read_records("config-history", count=2, timeout_s=60, predicate=for_resource("sg-test1"))
    assert [h["value"]["configurationStateId"] for h in history] == ["1", "2"]
    kept = read_records("config-current", count=2, timeout_s=30, predicate=for_resource("sg-test1"))
    assert kept[-1]["value"]["configurationStateId"] == "2"

    delete_all_history()
    assert read_records("config-history", count=1, timeout_s=3) == []
    shown = cli("get-resource-config-history", "--resource-type", SG, "--resource-id", "sg-test1", env=pipeline_env)
    assert shown.returncode == 0, shown.stderr
    assert [i["configurationStateId"] for i in json.loads(shown.stdout)["configurationItems"]] == ["2"]
    snapshot = json.loads(cli("deliver-config-snapshot", env=pipeline_env).stdout)
    assert [(i["resourceId"], i["configurationStateId"]) for i in snapshot["configurationItems"]] == [("sg-test1", "2")]

    put = cli("put-retention-configuration", "--retention-period-in-days", "90", env=pipeline_env)
    assert json.loads(put.stdout) == {"RetentionConfiguration": {"Name": "default", "RetentionPeriodInDays": 90}}
    described = json.loads(cli("describe-retention-configurations", env=pipeline_env).stdout)
    assert described == {"RetentionConfigurations": [{"Name": "default", "RetentionPeriodInDays": 90}]}
    refused = cli("put-retention-configuration", "--retention-period-in-days", "7", env=pipeline_env)
    assert refused.returncode == 1 and "between 30 and 2557" in refused.stderr
