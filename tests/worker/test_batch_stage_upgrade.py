"""Upgrading from the Faust-agent worker: a batch stage continues where the app's consumer group
(the agents it replaced) stopped, instead of replaying the topic from the beginning."""

from __future__ import annotations

import os

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from pipeline import topics
from pipeline.kafka_settings import kafka_python_config
from pipeline.producer import Producer
from tests.fixtures.kafka_io import read_metric_samples
from tests.fixtures.workers import apply_definitions

pytestmark = [pytest.mark.broker, pytest.mark.slow]

FILTER = """
- PutMetricFilter:
    logGroupName: /upgrade/app
    filterName: errors
    filterPattern: ERROR
    metricTransformations: [{metricName: Errors, metricNamespace: Upgrade, metricValue: '1'}]
"""


def test_stage_starts_at_the_agents_committed_offset(pipeline_env, start_worker, tmp_path):
    apply_definitions(pipeline_env, tmp_path / "filters.yaml", FILTER)
    with Producer() as producer:  # one log group: one partition
        for i in range(10):
            producer.send("log-events", {"logGroupName": "/upgrade/app", "logStreamName": "s",
                                         "timestamp": 1_732_528_800_000 + i * 1000, "message": f"ERROR {i}"})
    name = topics.topic_name("log-events")
    # the old worker's agents had processed the first 7 (offsets 0-6) in the app's group
    old = KafkaConsumer(**kafka_python_config(), group_id=os.environ["PIPELINE_APP_ID"], enable_auto_commit=False)
    partitions = [TopicPartition(name, p) for p in sorted(old.partitions_for_topic(name))]
    old.assign(partitions)
    used = [tp for tp in partitions if old.end_offsets([tp])[tp] > 0]
    assert len(used) == 1
    old.commit({used[0]: OffsetAndMetadata(7, "", -1)})
    old.close()

    worker = start_worker()
    read_metric_samples(count=3, timeout_s=60)
    samples = read_metric_samples(count=4, timeout_s=5)  # and nothing of the first 7 after them
    assert sorted(s["value"]["Timestamp"] for s in samples) == [1_732_528_807_000, 1_732_528_808_000,
                                                                 1_732_528_809_000]
    assert "where the agents' group stopped" in worker.log_text()
