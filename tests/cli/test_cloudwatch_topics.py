"""The CloudWatch commands against topics on the real broker (no worker): records are written
here by hand, so every number and filter is exact."""

from __future__ import annotations

import json
import time

import pytest

from pipeline.cli import main
from pipeline.producer import Producer

pytestmark = [pytest.mark.broker]


def run(capsys, *args: str):
    capsys.readouterr()
    assert main(list(args)) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    return json.loads(out) if out.startswith("{") else out


def test_put_metric_data_then_get_metric_statistics(pipeline_env, capsys, tmp_path):
    now = time.time()
    hour = now - now % 3600 - 3600  # a whole past hour, so both periods are complete
    data = [{"MetricName": "Latency", "Dimensions": [{"Name": "Service", "Value": "checkout"}],
             "Timestamp": hour + 10, "Values": [10, 20, 30], "Counts": [1, 2, 1], "Unit": "Milliseconds"},
            {"MetricName": "Latency", "Dimensions": [{"Name": "Service", "Value": "checkout"}],
             "Timestamp": hour + 70, "Value": 5, "Unit": "Milliseconds"},
            # same metric, other dimension sets: not part of the Service=checkout series
            {"MetricName": "Latency", "Dimensions": [{"Name": "Service", "Value": "checkout"},
                                                     {"Name": "Host", "Value": "h1"}],
             "Timestamp": hour + 10, "Value": 1000, "Unit": "Milliseconds"},
            {"MetricName": "Latency", "Timestamp": hour + 10, "Value": 1000, "Unit": "Milliseconds"}]
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data))
    assert run(capsys, "put-metric-data", "--namespace", "Shop", "--metric-data", f"file://{path}") == ""
    run(capsys, "put-metric-data", "--namespace", "Shop", "--metric-name", "Latency", "--value", "7",
        "--unit", "Seconds", "--timestamp", str(hour + 80), "--dimensions", "Service=checkout")

    base = ["get-metric-statistics", "--namespace", "Shop", "--metric-name", "Latency",
            "--dimensions", "Name=Service,Value=checkout"]
    answer = run(capsys, *base, "--start-time", str(hour), "--end-time", str(hour + 3600), "--period", "60",
                 "--statistics", "Sum", "SampleCount", "Average", "Minimum", "Maximum",
                 "--extended-statistics", "p50", "--unit", "Milliseconds")
    assert answer["Label"] == "Latency"
    first, second = answer["Datapoints"]
    assert (first["Sum"], first["SampleCount"], first["Average"], first["Minimum"], first["Maximum"]) == (
        80.0, 4.0, 20.0, 10.0, 30.0)
    assert first["ExtendedStatistics"]["p50"] == pytest.approx(20.0, rel=0.01)
    assert first["Unit"] == "Milliseconds" and first["Timestamp"].endswith(":00:00+00:00")
    assert (second["Sum"], second["SampleCount"]) == (5.0, 1.0)
    # without --unit every unit counts; one period of an hour holds everything
    whole = run(capsys, *base, "--start-time", str(hour), "--end-time", str(hour + 3600), "--period", "3600",
                "--statistics", "Sum", "SampleCount")
    assert [(d["Sum"], d["SampleCount"]) for d in whole["Datapoints"]] == [(92.0, 6.0)]
    assert whole["Datapoints"][0]["Unit"] == "None"  # mixed units
    nothing = run(capsys, *base, "--period", "60", "--statistics", "Sum", "--start-time", str(hour + 120),
                  "--end-time", str(hour + 180))
    assert nothing["Datapoints"] == []


def test_get_metric_data_with_metric_math(pipeline_env, capsys, tmp_path):
    now = time.time()
    hour = now - now % 3600 - 3600
    data = [{"MetricName": "Errors", "Timestamp": hour + 5, "Value": 2, "Unit": "Count"},
            {"MetricName": "Errors", "Timestamp": hour + 130, "Value": 3, "Unit": "Count"},
            {"MetricName": "Errors", "Timestamp": hour + 131, "Value": 900, "Unit": "Seconds"},  # another unit
            {"MetricName": "Requests", "Timestamp": hour + 10, "Values": [10, 30], "Counts": [1, 1],
             "Unit": "Count"},
            {"MetricName": "Requests", "Timestamp": hour + 70, "Value": 50, "Unit": "Count"},
            {"MetricName": "Requests", "Timestamp": hour + 150, "Value": 60, "Unit": "Count"}]
    path = tmp_path / "math.json"
    path.write_text(json.dumps(data))
    run(capsys, "put-metric-data", "--namespace", "Math", "--metric-data", f"file://{path}")

    def stat(metric: str, name: str = "Sum") -> dict:
        return {"Metric": {"Namespace": "Math", "MetricName": metric}, "Period": 60, "Stat": name, "Unit": "Count"}

    queries = [{"Id": "errors", "MetricStat": stat("Errors"), "ReturnData": False},
               {"Id": "requests", "MetricStat": stat("Requests")},
               {"Id": "rate", "Expression": "100 * FILL(errors, 0) / requests", "Label": "Error %"},
               {"Id": "busiest", "Expression": "MAX(requests)"}]
    path.write_text(json.dumps(queries))
    answer = run(capsys, "get-metric-data", "--metric-data-queries", f"file://{path}", "--start-time", str(hour),
                 "--end-time", str(hour + 180), "--scan-by", "TimestampAscending")
    results = {r["Id"]: r for r in answer["MetricDataResults"]}
    assert list(results) == ["requests", "rate", "busiest"]  # errors has ReturnData false
    assert results["requests"]["Values"] == [40.0, 50.0, 60.0]
    assert results["requests"]["Label"] == "Requests"
    assert results["rate"]["Label"] == "Error %"
    assert results["rate"]["Values"] == [5.0, 0.0, 5.0]  # the 900 Seconds are not Count data
    assert results["rate"]["Timestamps"][0].endswith(":00:00+00:00")
    assert results["busiest"]["Values"] == [60.0, 60.0, 60.0]

    capsys.readouterr()
    path.write_text(json.dumps([{"Id": "bad", "Expression": "errors +"}]))
    assert main(["get-metric-data", "--metric-data-queries", f"file://{path}", "--start-time", str(hour),
                 "--end-time", str(hour + 180)]) != 0
    assert "MetricDataQueries.member.1.Expression" in capsys.readouterr().err


def _state(name: str, value: str, at_ms: int, alarm_type: str = "MetricAlarm") -> dict:
    return {"AlarmName": name, "AlarmType": alarm_type, "OldStateValue": "OK", "NewStateValue": value,
            "NewStateReason": f"{name} is {value}", "StateReasonData": {"version": "1.0"},
            "StateChangeTime": at_ms, "ActionsEnabled": True, "Actions": [], "Configuration": None}


def _history(name: str, kind: str, at: str, summary: str, alarm_type: str = "MetricAlarm") -> dict:
    return {"type": "AlarmHistoryItem", "time": 0,
            "document": {"AlarmName": name, "AlarmType": alarm_type, "Timestamp": at, "HistoryItemType": kind,
                         "HistorySummary": summary, "HistoryData": "{}"}}


DEFINITIONS = """
- PutMetricAlarm:
    AlarmName: api-errors
    Namespace: Shop
    MetricName: Errors
    Statistic: Sum
    Period: 60
    EvaluationPeriods: 1
    Threshold: 1
    ComparisonOperator: GreaterThanThreshold
    AlarmActions: [kafka:pager]
- PutMetricAlarm:
    AlarmName: api-latency
    Namespace: Shop
    MetricName: Latency
    ExtendedStatistic: p99
    Period: 60
    EvaluationPeriods: 1
    Threshold: 100
    ComparisonOperator: GreaterThanThreshold
- PutCompositeAlarm:
    AlarmName: api-down
    AlarmRule: ALARM(api-errors) OR ALARM(api-latency)
"""


def test_describe_alarms_and_history_read_the_topics(pipeline_env, capsys, tmp_path):
    path = tmp_path / "alarms.yaml"
    path.write_text(DEFINITIONS)
    run(capsys, "apply", str(path))
    with Producer() as producer:
        # newest by StateChangeTime wins, whatever the order on the topic
        producer.send("alarm-state-changes", _state("api-errors", "OK", 2_000), key="api-errors")
        producer.send("alarm-state-changes", _state("api-errors", "ALARM", 1_000), key="api-errors")
        producer.send("alarm-state-changes", _state("api-down", "OK", 3_000, "CompositeAlarm"), key="api-down")
        producer.send("alarm-state-changes", _state("deleted-alarm", "ALARM", 3_000), key="deleted-alarm")
        for item in (_history("api-errors", "StateUpdate", "2026-11-25T10:00:00+00:00", "Alarm updated from OK to ALARM"),
                     _history("api-errors", "Action", "2026-11-25T10:00:01+00:00", "Successfully executed action"),
                     _history("api-errors", "StateUpdate", "2026-11-25T10:05:00+00:00", "Alarm updated from ALARM to OK"),
                     _history("api-down", "StateUpdate", "2026-11-25T10:02:00+00:00", "Alarm updated from INSUFFICIENT_DATA to OK",
                              "CompositeAlarm")):
            producer.send("alarm-history", item, key=item["document"]["AlarmName"])

    answer = run(capsys, "describe-alarms")
    assert answer["CompositeAlarms"] == []  # as in AWS: metric alarms only by default
    alarms = {a["AlarmName"]: a for a in answer["MetricAlarms"]}
    assert list(alarms) == ["api-errors", "api-latency"]
    assert (alarms["api-errors"]["StateValue"], alarms["api-errors"]["StateReason"]) == ("OK", "api-errors is OK")
    assert alarms["api-errors"]["StateUpdatedTimestamp"] == "1970-01-01T00:00:02+00:00"
    assert alarms["api-errors"]["StateReasonData"] == '{"version":"1.0"}'
    assert alarms["api-errors"]["AlarmActions"] == ["kafka:pager"] and alarms["api-errors"]["Threshold"] == 1.0
    assert alarms["api-latency"]["StateValue"] == "INSUFFICIENT_DATA"
    assert alarms["api-latency"]["ExtendedStatistic"] == "p99"

    both = run(capsys, "describe-alarms", "--alarm-types", "CompositeAlarm", "MetricAlarm", "--state-value", "OK")
    assert [a["AlarmName"] for a in both["MetricAlarms"]] == ["api-errors"]
    assert [a["AlarmName"] for a in both["CompositeAlarms"]] == ["api-down"]
    assert both["CompositeAlarms"][0]["AlarmRule"] == "ALARM(api-errors) OR ALARM(api-latency)"
    named = run(capsys, "describe-alarms", "--alarm-names", "api-latency", "deleted-alarm")
    assert [a["AlarmName"] for a in named["MetricAlarms"]] == ["api-latency"]
    assert run(capsys, "describe-alarms", "--action-prefix", "kafka:")["MetricAlarms"][0]["AlarmName"] == "api-errors"

    run(capsys, "delete", "MetricAlarm", "api-latency")
    assert [a["AlarmName"] for a in run(capsys, "describe-alarms")["MetricAlarms"]] == ["api-errors"]

    items = run(capsys, "describe-alarm-history")["AlarmHistoryItems"]
    assert [i["Timestamp"][11:19] for i in items] == ["10:05:00", "10:00:01", "10:00:00"]  # newest first
    states = run(capsys, "describe-alarm-history", "--alarm-name", "api-errors", "--history-item-type", "StateUpdate",
                 "--scan-by", "TimestampAscending")["AlarmHistoryItems"]
    assert [i["HistorySummary"] for i in states] == ["Alarm updated from OK to ALARM", "Alarm updated from ALARM to OK"]
    window = run(capsys, "describe-alarm-history", "--alarm-types", "MetricAlarm", "CompositeAlarm",
                 "--start-date", "2026-11-25T10:00:01Z", "--end-date", "2026-11-25T10:02:00Z")["AlarmHistoryItems"]
    assert [i["AlarmName"] for i in window] == ["api-down", "api-errors"]
    assert len(run(capsys, "describe-alarm-history", "--max-records", "1")["AlarmHistoryItems"]) == 1
