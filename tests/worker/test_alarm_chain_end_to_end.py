"""Log events -> metric filter -> metric data -> alarm -> alarm topic and action topic, and a
worker restart that keeps the alarm's state (no repeated transition)."""

from __future__ import annotations

import time

import pytest

from pipeline import topics
from pipeline.producer import Producer
from tests.fixtures.kafka_io import read_records, read_metric_samples
from tests.fixtures.workers import apply_definitions

pytestmark = [pytest.mark.broker, pytest.mark.slow]

DEFINITIONS = """
- PutMetricFilter:
    logGroupName: /shop/api
    filterName: errors
    filterPattern: '{ $.level = "ERROR" }'
    metricTransformations:
      - {metricName: ApiErrors, metricNamespace: Shop, metricValue: '1', unit: Count}
- PutMetricAlarm:
    AlarmName: api-errors
    Namespace: Shop
    MetricName: ApiErrors
    Statistic: Sum
    Period: 10
    EvaluationPeriods: 1
    Threshold: 3
    ComparisonOperator: GreaterThanOrEqualToThreshold
    TreatMissingData: ignore
    AlarmActions: [kafka:api-pages]
"""


def log_events(count: int, at: float) -> list[dict]:
    return [{"logGroupName": "/shop/api", "logStreamName": "pod-1", "timestamp": int((at + n * 0.01) * 1000),
             "message": '{"level": "ERROR", "path": "/cart"}'} for n in range(count)]


def alarm_changes(count: int, timeout_s: float) -> list[dict]:
    return [r["value"] for r in read_records("alarm-state-changes", count=count, timeout_s=timeout_s,
                                             predicate=lambda r: r["value"]["AlarmName"] == "api-errors")]


def test_log_events_raise_an_alarm_and_a_restart_keeps_its_state(pipeline_env, start_worker, tmp_path):
    apply_definitions(pipeline_env, tmp_path / "chain.yaml", DEFINITIONS)
    worker = start_worker(PIPELINE_ALARM_TICK_S="1", PIPELINE_ALARM_WALL_LAG_S="2")

    with Producer() as producer:
        producer.send_all("log-events", log_events(4, time.time()))

    changes = alarm_changes(1, timeout_s=60)
    assert [(c["OldStateValue"], c["NewStateValue"]) for c in changes] == [("INSUFFICIENT_DATA", "ALARM")]
    assert "[4.0 (" in changes[0]["NewStateReason"]
    pages = read_records(topics.target_topic("api-pages"), count=1, timeout_s=30, schema="alarm_state_change")
    assert pages[0]["value"]["NewStateValue"] == "ALARM"

    worker.stop()
    start_worker(PIPELINE_ALARM_TICK_S="1", PIPELINE_ALARM_WALL_LAG_S="2")
    with Producer() as producer:  # still breaching after the restart
        producer.send_all("log-events", log_events(5, time.time()))
    time.sleep(20)  # several ticks and a closed period on the new worker
    data = read_metric_samples(count=9, timeout_s=30)
    assert len(data) == 9
    # state came back from the changelog: no INSUFFICIENT_DATA -> ALARM a second time
    assert len(alarm_changes(2, timeout_s=5)) == 1
