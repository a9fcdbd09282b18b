"""An alarm with Unit sees only data of that unit; one without sees every unit (broker, worker)."""

from __future__ import annotations

import time

import pytest

from pipeline.producer import Producer
from tests.fixtures.kafka_io import read_records
from tests.fixtures.workers import apply_definitions

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def alarm(name: str, unit: str | None) -> str:
    return f"""
- PutMetricAlarm:
    AlarmName: {name}
    Namespace: Shop
    MetricName: Latency
    Statistic: Sum
    Period: 10
    EvaluationPeriods: 1
    Threshold: 100
    ComparisonOperator: GreaterThanOrEqualToThreshold
    TreatMissingData: missing""" + (f"\n    Unit: {unit}" if unit else "")


DEFINITIONS = alarm("latency-any-unit", None) + alarm("latency-seconds", "Seconds") + alarm("latency-count", "Count")


def test_alarm_units_separate_data(pipeline_env, start_worker, tmp_path):
    apply_definitions(pipeline_env, tmp_path / "units.yaml", DEFINITIONS)
    start_worker(PIPELINE_ALARM_TICK_S="2")

    now = time.time()
    at = int((now - now % 10 - 15) * 1000)  # in the period before last: complete
    with Producer() as producer:
        for value, unit in ((7, "Count"), (100, "Seconds")):
            producer.send("metric-data", {"Namespace": "Shop", "MetricName": "Latency", "Timestamp": at,
                                          "Value": value, "Unit": unit})

    firsts: dict[str, dict] = {}

    def first_of_each(record) -> bool:
        name = record["value"]["AlarmName"]
        if name in firsts:
            return False
        firsts[name] = record["value"]
        return True

    read_records("alarm-state-changes", count=3, timeout_s=90, predicate=first_of_each)
    assert firsts["latency-any-unit"]["NewStateValue"] == "ALARM"  # 7 + 100 across units
    assert "[107.0 (" in firsts["latency-any-unit"]["NewStateReason"]
    assert firsts["latency-seconds"]["NewStateValue"] == "ALARM"  # 100 Seconds only
    assert "[100.0 (" in firsts["latency-seconds"]["NewStateReason"]
    assert firsts["latency-count"]["NewStateValue"] == "OK"  # 7 Count only
    assert "[7.0 (" in firsts["latency-count"]["NewStateReason"]
