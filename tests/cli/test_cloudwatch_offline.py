"""The CloudWatch commands' argument handling and answer shapes, without a broker."""

from __future__ import annotations

import json
import time

import pytest

from pipeline.cli import EXIT_ERROR, main
from pipeline.cli.cloudwatch import CloudWatchInputError, describe, expand_datum, parse_dimensions


def test_dimensions_in_the_aws_cli_forms():
    assert parse_dimensions(["Name=Service,Value=checkout", "Name=Host,Value=a=b"]) == [
        {"Name": "Service", "Value": "checkout"}, {"Name": "Host", "Value": "a=b"}]
    assert parse_dimensions(["Service=checkout,Host=h1"]) == [
        {"Name": "Service", "Value": "checkout"}, {"Name": "Host", "Value": "h1"}]
    assert parse_dimensions(['[{"Name": "S", "Value": "x"}]']) == [{"Name": "S", "Value": "x"}]
    assert parse_dimensions(None) == []
    for bad in (["Name=x"], ["Service"], ["Name=S,Value=1", "Name=S,Value=2"], ['[{"Name": 1}]']):
        with pytest.raises(CloudWatchInputError):
            parse_dimensions(bad)


def test_a_datum_becomes_one_record_per_sample():
    now = time.time()
    records = expand_datum("Shop", {"MetricName": "Latency", "Values": [1, 2.5], "Counts": [2, 1],
                                    "Timestamp": "2026-11-25T10:00:00Z", "Unit": "Milliseconds"}, 1,
                           now=1795600000.0)
    assert [r["Value"] for r in records] == [1.0, 1.0, 2.5]
    assert {r["Timestamp"] for r in records} == {1795600800000}
    assert {r["Unit"] for r in records} == {"Milliseconds"} and {r["Namespace"] for r in records} == {"Shop"}
    plain = expand_datum("Shop", {"MetricName": "Errors", "Value": 3}, 1, now=now)
    assert plain == [{"Namespace": "Shop", "MetricName": "Errors", "Dimensions": [], "Timestamp": int(round(now * 1000)),
                      "Unit": "None", "Value": 3.0}]


@pytest.mark.parametrize("datum, message", [
    ({"Value": 1}, "MetricName is required"),
    ({"MetricName": "m"}, "one of Value, Values is required"),
    ({"MetricName": "m", "Value": float("nan")}, "not a finite number"),
    ({"MetricName": "m", "Value": "3"}, "not a finite number"),
    ({"MetricName": "m", "Values": [1, 2], "Counts": [1]}, "same length"),
    ({"MetricName": "m", "Values": [1], "Counts": [0.5]}, "whole numbers"),
    ({"MetricName": "m", "StatisticValues": {"Sum": 1, "SampleCount": 1, "Minimum": 1, "Maximum": 1}},
     "StatisticValues is not supported"),
    ({"MetricName": "m", "Value": 1, "Timestamp": "2020-01-01T00:00:00Z"}, "two weeks in the past"),
    ({"MetricName": "m", "Value": 1, "Timestamp": "yesterday"}, "Invalid value"),
])
def test_data_cloudwatch_would_refuse(datum, message):
    with pytest.raises(CloudWatchInputError, match=message):
        expand_datum("Shop", datum, 2, now=time.time())


def test_put_metric_data_refuses_before_sending_anything(capsys):
    assert main(["put-metric-data", "--namespace", "Shop", "--metric-data",
                 json.dumps([{"MetricName": "ok", "Value": 1}, {"MetricName": "bad", "Value": None}])]) == EXIT_ERROR
    assert "MetricData member 2" in capsys.readouterr().err
    assert main(["put-metric-data", "--namespace", "AWS/EC2", "--metric-name", "m", "--value", "1"]) == EXIT_ERROR
    assert main(["put-metric-data", "--namespace", "Shop"]) == EXIT_ERROR
    assert main(["put-metric-data", "--namespace", "Shop", "--metric-data", "{not json"]) == EXIT_ERROR


def test_get_metric_statistics_checks_its_arguments_first(capsys):
    base = ["get-metric-statistics", "--namespace", "Shop", "--metric-name", "Errors", "--period", "60"]
    assert main(base + ["--start-time", "2026-11-25T10:00:00Z", "--end-time", "2026-11-25T09:00:00Z",
                        "--statistics", "Sum"]) == EXIT_ERROR
    assert "StartTime must be less than" in capsys.readouterr().err
    assert main(base + ["--start-time", "soon", "--end-time", "2026-11-25T09:00:00Z"]) == EXIT_ERROR


def test_describe_shape_with_and_without_a_state():
    definition = {"kind": "MetricAlarm", "name": "cpu", "appliedAt": 1795600000000,
                  "body": {"AlarmName": "cpu", "Threshold": 1.0, "Tags": [{"Key": "k", "Value": "v"}]}}
    fresh = describe(definition, None)
    assert fresh["StateValue"] == "INSUFFICIENT_DATA" and fresh["StateReason"] == "Unchecked: Initial alarm creation"
    assert fresh["StateUpdatedTimestamp"] == fresh["AlarmConfigurationUpdatedTimestamp"] == "2026-11-25T09:46:40+00:00"
    assert "Tags" not in fresh and fresh["AlarmArn"].endswith(":alarm:cpu") and "StateReasonData" not in fresh
    state = {"NewStateValue": "ALARM", "NewStateReason": "Threshold Crossed", "StateChangeTime": 1795600060000,
             "StateReasonData": {"version": "1.0"}}
    fired = describe(definition, state)
    assert (fired["StateValue"], fired["StateReason"]) == ("ALARM", "Threshold Crossed")
    assert fired["StateReasonData"] == '{"version":"1.0"}'  # a JSON string, as AWS returns it
    assert fired["StateUpdatedTimestamp"] == "2026-11-25T09:47:40+00:00"
