"""Composite alarms on the real broker: child metric alarms driven by metric data, composite
transitions on alarm-state-changes, actions (also held back by a suppressor), nesting, and the
CloudWatch CLI commands reading the same topics."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from pipeline import topics
from pipeline.producer import Producer
from tests.fixtures.kafka_io import read_records

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def metric_alarm(name: str, service: str) -> str:
    return f"""
- PutMetricAlarm:
    AlarmName: {name}
    Namespace: Shop
    MetricName: Errors
    Dimensions: [{{Name: Service, Value: {service}}}]
    Statistic: Sum
    Period: 10
    EvaluationPeriods: 1
    Threshold: 5
    ComparisonOperator: GreaterThanOrEqualToThreshold
    TreatMissingData: ignore
"""


DEFINITIONS = metric_alarm("cw-a", "a") + metric_alarm("cw-b", "b") + """
- PutCompositeAlarm:
    AlarmName: cw-both
    AlarmRule: ALARM(cw-a) AND NOT ALARM("cw-b")
    AlarmActions: [kafka:composite-pager]
- PutCompositeAlarm:
    AlarmName: cw-outer
    AlarmRule: ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:cw-both) AND TRUE
- PutCompositeAlarm:
    AlarmName: cw-suppressed
    AlarmRule: ALARM(cw-a)
    AlarmActions: [kafka:suppressed-pager]
    ActionsSuppressor: cw-b
    ActionsSuppressorWaitPeriod: 3
    ActionsSuppressorExtensionPeriod: 3
"""


def datum(service: str, value: float, at: float) -> dict:
    return {"Namespace": "Shop", "MetricName": "Errors", "Dimensions": [{"Name": "Service", "Value": service}],
            "Timestamp": int(at * 1000), "Value": value, "Unit": "Count"}


def cli(env: dict, *args: str):
    """Run ``pipeline ARGS``; the JSON answer of describe/get commands, else the output text."""
    done = subprocess.run([sys.executable, "-m", "pipeline", *args], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.startswith("{") else done.stdout


def changes_of(name: str, count: int, timeout_s: float = 40) -> list[dict]:
    found = read_records("alarm-state-changes", count=count, timeout_s=timeout_s,
                         predicate=lambda r: r["value"]["AlarmName"] == name)
    assert len(found) >= count, [r["value"]["NewStateValue"] for r in found]
    return [r["value"] for r in found]


def test_composite_alarms_follow_their_children_and_the_cli_reads_the_topics(pipeline_env, start_worker,
                                                                            tmp_path):
    path = tmp_path / "alarms.yaml"
    path.write_text(DEFINITIONS)
    cli(pipeline_env, "apply", str(path))
    # action topics exist before the first action (see docs/alarms-worker.md: sends to a topic the
    # broker must auto-create have stalled the worker's next record to alarm-state-changes)
    cli(pipeline_env, "create-topics", topics.target_topic("composite-pager"), topics.target_topic("suppressed-pager"))
    start_worker(PIPELINE_ALARM_TICK_S="2")

    # first evaluation on a tick, before any child transitioned: children are INSUFFICIENT_DATA
    created = changes_of("cw-both", 1)[0]
    assert created["AlarmType"] == "CompositeAlarm"
    assert (created["OldStateValue"], created["NewStateValue"]) == ("INSUFFICIENT_DATA", "OK")
    assert created["NewStateReason"] == "cw-both was created and its alarm rule evaluates to OK"
    assert created["Actions"] == []

    now = time.time()
    period = now - now % 10
    with Producer() as producer:
        for value in (3, 4):  # the period before last: 3 + 4 = 7 >= 5
            producer.send("metric-data", datum("a", value, period - 15))
        producer.send("metric-data", datum("c", 100, period - 15))  # another series: not in the statistics
    fired = changes_of("cw-both", 2)[1]
    assert (fired["OldStateValue"], fired["NewStateValue"]) == ("OK", "ALARM")
    assert fired["NewStateReason"].startswith("cw-a transitioned to ALARM at ")
    assert fired["StateReasonData"]["triggeringAlarms"][0]["arn"] == "cw-a"
    assert fired["Actions"] == ["kafka:composite-pager"]
    pager = read_records(topics.target_topic("composite-pager"), count=1, timeout_s=30, schema="alarm_state_change")
    assert pager[0]["value"]["AlarmName"] == "cw-both" and pager[0]["value"]["NewStateValue"] == "ALARM"

    # nested: cw-outer reads cw-both by ARN and follows it through alarm-state-changes
    assert [c["NewStateValue"] for c in changes_of("cw-outer", 2)] == ["OK", "ALARM"]

    # the suppressor was not in ALARM: the transition's actions wait for the WaitPeriod, then run
    suppressed = changes_of("cw-suppressed", 2)[1]
    assert suppressed["NewStateValue"] == "ALARM" and suppressed["Actions"] == []
    held = read_records(topics.target_topic("suppressed-pager"), count=1, timeout_s=30, schema="alarm_state_change")
    assert held[0]["value"]["NewStateValue"] == "ALARM" and held[0]["value"]["Actions"] == ["kafka:suppressed-pager"]

    # cw-b goes to ALARM (data sent with put-metric-data): NOT ALARM(cw-b) turns the composite OK
    now = time.time()
    stamp = int(now - now % 10 - 15)
    cli(pipeline_env, "put-metric-data", "--namespace", "Shop", "--metric-data", json.dumps(
        [{"MetricName": "Errors", "Dimensions": [{"Name": "Service", "Value": "b"}], "Timestamp": stamp,
          "Values": [2, 4], "Counts": [1, 1], "Unit": "Count"}]))
    back = changes_of("cw-both", 3)[2]
    assert (back["OldStateValue"], back["NewStateValue"]) == ("ALARM", "OK")
    assert back["NewStateReason"].startswith("cw-b transitioned to ALARM at ")
    assert back["Actions"] == []  # no OKActions
    assert [c["NewStateValue"] for c in changes_of("cw-outer", 3)] == ["OK", "ALARM", "OK"]

    described = cli(pipeline_env, "describe-alarms", "--alarm-types", "MetricAlarm", "CompositeAlarm")
    metric = {a["AlarmName"]: a for a in described["MetricAlarms"]}
    composite = {a["AlarmName"]: a for a in described["CompositeAlarms"]}
    assert {n: a["StateValue"] for n, a in metric.items()} == {"cw-a": "ALARM", "cw-b": "ALARM"}
    assert {n: a["StateValue"] for n, a in composite.items()} == {"cw-both": "OK", "cw-outer": "OK",
                                                                   "cw-suppressed": "ALARM"}
    assert metric["cw-a"]["Threshold"] == 5.0 and metric["cw-a"]["Period"] == 10
    assert metric["cw-a"]["StateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [7.0 (")
    assert json.loads(metric["cw-a"]["StateReasonData"])["recentDatapoints"] == [7.0]
    assert composite["cw-both"]["AlarmRule"] == 'ALARM(cw-a) AND NOT ALARM("cw-b")'
    assert composite["cw-both"]["AlarmArn"].endswith(":alarm:cw-both")
    assert composite["cw-both"]["StateReason"] == back["NewStateReason"]
    # as in AWS: without --alarm-types only metric alarms; filters by state
    assert cli(pipeline_env, "describe-alarms")["CompositeAlarms"] == []
    in_alarm = cli(pipeline_env, "describe-alarms", "--state-value", "OK", "--alarm-types", "CompositeAlarm")
    assert sorted(a["AlarmName"] for a in in_alarm["CompositeAlarms"]) == ["cw-both", "cw-outer"]

    history = cli(pipeline_env, "describe-alarm-history", "--alarm-name", "cw-both", "--alarm-types",
                  "CompositeAlarm", "--history-item-type", "StateUpdate")["AlarmHistoryItems"]
    assert [h["HistorySummary"] for h in history] == [
        "Alarm updated from ALARM to OK", "Alarm updated from OK to ALARM", "Alarm updated from INSUFFICIENT_DATA to OK"]
    assert all(h["AlarmType"] == "CompositeAlarm" for h in history)
    latest = cli(pipeline_env, "describe-alarm-history", "--max-records", "1")["AlarmHistoryItems"]
    assert len(latest) == 1 and latest[0]["AlarmName"] == "cw-b"

    stats = cli(pipeline_env, "get-metric-statistics", "--namespace", "Shop", "--metric-name", "Errors",
                "--dimensions", "Name=Service,Value=a", "--start-time", str(int(period - 60)),
                "--end-time", str(int(time.time()) + 60), "--period", "60",
                "--statistics", "Sum", "SampleCount", "Maximum")
    assert [(d["Sum"], d["SampleCount"], d["Maximum"]) for d in stats["Datapoints"]] == [(7.0, 2.0, 4.0)]
    assert stats["Label"] == "Errors" and stats["Datapoints"][0]["Unit"] == "Count"
