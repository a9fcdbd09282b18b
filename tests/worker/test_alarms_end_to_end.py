"""Metric data -> buckets -> alarm transitions on the real broker, in event time and on timers."""

from __future__ import annotations

import json
import time

import pytest

from pipeline import topics
from pipeline.producer import Producer
from tests.fixtures.kafka_io import read_records
from tests.fixtures.workers import apply_definitions

pytestmark = [pytest.mark.broker, pytest.mark.slow]

DEFINITIONS = """
- PutMetricAlarm:
    AlarmName: checkout-errors
    Namespace: Shop
    MetricName: Errors
    Dimensions: [{Name: Service, Value: checkout}]
    Statistic: Sum
    Period: 10
    EvaluationPeriods: 1
    Threshold: 5
    ComparisonOperator: GreaterThanOrEqualToThreshold
    TreatMissingData: missing
    AlarmActions: [kafka:pager]
    OKActions: [kafka:pager]
- PutRule:
    Name: alarm-changes
    EventPattern: '{"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"]}'
- PutTargets:
    Rule: alarm-changes
    Targets:
      - Id: alarm-feed
        Arn: kafka:alarm-feed
        InputPath: $.detail.state
"""


def datum(value: float, at: float) -> dict:
    return {"Namespace": "Shop", "MetricName": "Errors", "Dimensions": [{"Name": "Service", "Value": "checkout"}],
            "Timestamp": int(at * 1000), "Value": value, "Unit": "Count"}


def test_alarm_fires_on_data_then_goes_insufficient_when_data_stops(pipeline_env, start_worker, tmp_path):
    apply_definitions(pipeline_env, tmp_path / "alarm.yaml", DEFINITIONS)
    start_worker(PIPELINE_ALARM_TICK_S="2")

    now = time.time()
    period = now - now % 10
    with Producer() as producer:
        # the period before last is complete: 3 + 4 = 7 >= 5; an unrelated metric is ignored
        for value in (3, 4):
            producer.send("metric-data", datum(value, period - 15))
        producer.send("metric-data", dict(datum(100, period - 15), MetricName="Other"))

    changes = read_records("alarm-state-changes", count=2, timeout_s=90,
                           predicate=lambda r: r["value"]["AlarmName"] == "checkout-errors")
    assert [c["value"]["NewStateValue"] for c in changes] == ["ALARM", "INSUFFICIENT_DATA"]
    fired = changes[0]["value"]
    assert fired["OldStateValue"] == "INSUFFICIENT_DATA"
    assert fired["NewStateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [7.0 (")
    assert fired["Actions"] == ["kafka:pager"]
    assert fired["StateReasonData"]["recentDatapoints"] == [7.0]
    # no data any more: the timer moves the alarm without a new record
    assert changes[1]["value"]["NewStateReason"].startswith("Insufficient Data")

    pager = read_records(topics.target_topic("pager"), count=1, timeout_s=30, schema="alarm_state_change")
    assert pager[0]["value"]["NewStateValue"] == "ALARM"
    history = read_records("alarm-history", count=2, timeout_s=30)
    assert history[0]["value"]["document"]["HistorySummary"] == "Alarm updated from INSUFFICIENT_DATA to ALARM"
    feed = read_records(topics.target_topic("alarm-feed"), count=2, timeout_s=30, schema="target_delivery")
    assert sorted(json.loads(f["value"]["input"])["value"] for f in feed) == ["ALARM", "INSUFFICIENT_DATA"]
