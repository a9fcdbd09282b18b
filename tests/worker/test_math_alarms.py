"""A metric math alarm whose two metrics live on different partitions: their data are brought to
the alarm's owner and the expression is judged (broker, worker)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from pipeline import topics
from pipeline.alarms.model import metric_key
from pipeline.producer import Producer
from pipeline.worker.alarm_runtime import partition_of
from tests.fixtures.kafka_io import read_records
from tests.fixtures.workers import apply_definitions

pytestmark = [pytest.mark.broker, pytest.mark.slow]

DEFINITIONS = """
- PutMetricAlarm:
    AlarmName: checkout-error-rate
    ComparisonOperator: GreaterThanThreshold
    Threshold: 10
    EvaluationPeriods: 1
    TreatMissingData: missing
    AlarmActions: [kafka:pager]
    Metrics:
      - Id: errors
        MetricStat: {Metric: {Namespace: Shop, MetricName: Faults}, Period: 10, Stat: Sum}
        ReturnData: false
      - Id: requests
        MetricStat: {Metric: {Namespace: Shop, MetricName: Requests}, Period: 10, Stat: Sum, Unit: Count}
        ReturnData: false
      - Id: rate
        Expression: 100 * FILL(errors, 0) / requests
        Label: Error rate
"""


def test_math_alarm_over_two_partitions(pipeline_env, start_worker, tmp_path):
    partitions = topics.partitions()
    assert partition_of(metric_key("Shop", "Faults"), partitions) != partition_of(metric_key("Shop", "Requests"),
                                                                                 partitions)
    apply_definitions(pipeline_env, tmp_path / "math.yaml", DEFINITIONS)
    start_worker(PIPELINE_ALARM_TICK_S="2")

    now = time.time()
    at = int((now - now % 10 - 15) * 1000)  # the period before last: complete
    with Producer() as producer:
        for name, value, unit in (("Faults", 3, "Count"), ("Faults", 2, "Count"), ("Requests", 40, "Count"),
                                  ("Requests", 1000, "Seconds")):  # not Count: not the MetricStat's unit
            producer.send("metric-data", {"Namespace": "Shop", "MetricName": name, "Timestamp": at, "Value": value,
                                          "Unit": unit})

    changes = read_records("alarm-state-changes", count=1, timeout_s=90,
                           predicate=lambda r: r["value"]["AlarmName"] == "checkout-error-rate")
    fired = changes[0]["value"]
    assert fired["NewStateValue"] == "ALARM"  # 100 * 5 / 40 = 12.5 > 10
    assert "[12.5 (" in fired["NewStateReason"]
    assert fired["Actions"] == ["kafka:pager"]
    pager = read_records(topics.target_topic("pager"), count=1, timeout_s=30, schema="alarm_state_change")
    assert pager[0]["value"]["AlarmName"] == "checkout-error-rate"
    events = read_records("event-bus", count=1, timeout_s=30, predicate=lambda r: r["value"].get(
        "detail-type") == "CloudWatch Alarm State Change")
    metrics = events[0]["value"]["detail"]["configuration"]["metrics"]
    assert [m["id"] for m in metrics] == ["errors", "requests", "rate"]
    assert metrics[2] == {"id": "rate", "expression": "100 * FILL(errors, 0) / requests", "label": "Error rate",
                          "returnData": True}
    assert json.loads(json.dumps(metrics[1]))["metricStat"]["unit"] == "Count"

    # set-alarm-state reaches the math alarm's owner (on the alarm-math-inputs topic)
    forced = subprocess.run([sys.executable, "-m", "pipeline", "set-alarm-state", "--alarm-name", "checkout-error-rate",
                             "--state-value", "OK", "--state-reason", "testing the OK path"], env=pipeline_env,
                            capture_output=True, text=True, timeout=60)
    assert forced.returncode == 0, forced.stderr
    later = read_records("alarm-state-changes", count=2, timeout_s=60,
                         predicate=lambda r: r["value"]["AlarmName"] == "checkout-error-rate")
    assert (later[1]["value"]["NewStateValue"], later[1]["value"]["NewStateReason"]) == ("OK", "testing the OK path")
    described = subprocess.run([sys.executable, "-m", "pipeline", "describe-alarms", "--alarm-names",
                                "checkout-error-rate"], env=pipeline_env, capture_output=True, text=True, timeout=60)
    alarm = json.loads(described.stdout)["MetricAlarms"][0]
    assert [m["Id"] for m in alarm["Metrics"]] == ["errors", "requests", "rate"]
    assert alarm["StateValue"] == "OK" and "Namespace" not in alarm
