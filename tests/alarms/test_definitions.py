"""validate_metric_alarm / validate_composite_alarm: defaults and AWS-like refusals."""

from __future__ import annotations

import pytest

from pipeline.alarms import Alarm, AlarmValidationError, validate_composite_alarm, validate_metric_alarm
from pipeline.definitions.kinds import validate

BASE = {
    "AlarmName": "cpu-high",
    "Namespace": "AWS/EC2",
    "MetricName": "CPUUtilization",
    "Dimensions": [{"Name": "InstanceId", "Value": "i-1"}],
    "Statistic": "Average",
    "Period": 300,
    "EvaluationPeriods": 3,
    "Threshold": 80,
    "ComparisonOperator": "GreaterThanThreshold",
    "AlarmActions": ["alarms.cpu"],
}

BAND = {
    "AlarmName": "cpu-band",
    "EvaluationPeriods": 2,
    "DatapointsToAlarm": 2,
    "ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold",
    "ThresholdMetricId": "ad1",
    "Metrics": [
        {"Id": "m1", "ReturnData": True,
         "MetricStat": {"Metric": {"Namespace": "App", "MetricName": "Latency"}, "Period": 60, "Stat": "p90"}},
        {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 3)", "Label": "band"},
    ],
}


def test_defaults_are_filled():
    name, body = validate_metric_alarm(BASE)
    assert name == "cpu-high"
    assert body["DatapointsToAlarm"] == 3 and body["TreatMissingData"] == "missing"
    assert body["ActionsEnabled"] is True and body["OKActions"] == [] and body["Threshold"] == 80.0
    alarm = Alarm.from_normalised(body)
    assert alarm.dimensions == (("InstanceId", "i-1"),) and alarm.actions_for("ALARM") == ("alarms.cpu",)
    assert Alarm.from_dict({**BASE, "ActionsEnabled": False}).actions_for("ALARM") == ()


def test_definitions_contract_reaches_the_validators():
    definition = validate("PutMetricAlarm", BASE)
    assert definition.kind == "MetricAlarm" and definition.key == "MetricAlarm/cpu-high"
    composite = validate("PutCompositeAlarm", {"AlarmName": "c", "AlarmRule": "ALARM(cpu-high)"})
    assert composite.kind == "CompositeAlarm"


def test_band_alarm_is_accepted():
    alarm = Alarm.from_dict(BAND)
    assert alarm.is_band_alarm and alarm.band_width == 3.0 and alarm.metric_name == "Latency"
    assert alarm.extended_statistic.text == "p90" and alarm.period == 60


@pytest.mark.parametrize("change,message", [
    ({"Period": 45}, "Invalid value for Period: 45. Valid values are 10, 20, 30, and any multiple of 60."),
    ({"DatapointsToAlarm": 4}, "DatapointsToAlarm (4) must be less than or equal to EvaluationPeriods (3)."),
    ({"ExtendedStatistic": "p99"}, "Exactly one element of the Statistic and ExtendedStatistic parameters must be "
                                   "specified; you specified both."),
    ({"Statistic": None}, "Exactly one element of the Statistic and ExtendedStatistic parameters must be specified."),
    ({"Statistic": "Median"}, "Member must satisfy enum value set: [SampleCount, Average, Sum, Minimum, Maximum]"),
    ({"ComparisonOperator": "Above"}, "Value 'Above' at 'comparisonOperator' failed to satisfy constraint"),
    ({"EvaluationPeriods": 0}, "Value '0' at 'evaluationPeriods' failed to satisfy constraint: Member must have "
                               "value greater than or equal to 1"),
    ({"EvaluationPeriods": None}, "Value null at 'evaluationPeriods' failed to satisfy constraint: Member must not be null"),
    ({"AlarmName": None}, "Value null at 'alarmName'"),
    ({"Threshold": None}, "Value null at 'threshold'"),
    ({"TreatMissingData": "zero"}, "Member must satisfy enum value set: [breaching, notBreaching, ignore, missing]"),
    ({"Period": 60, "EvaluationPeriods": 1441}, "must not exceed 86400 seconds (1 day)"),
    ({"Period": 3600, "EvaluationPeriods": 169}, "must not exceed 604800 seconds (7 days)"),
    ({"AlarmActions": ["a", "b", "c", "d", "e", "f"]}, "Member must have length less than or equal to 5"),
    ({"EvaluateLowSampleCountPercentile": "ignore"}, "can only be used with a percentile ExtendedStatistic"),
    ({"ThresholdMetricId": "ad1"}, "ThresholdMetricId can only be used with the anomaly detection operators"),
    ({"Treshold": 1}, "Unknown parameter(s): Treshold."),
    ({"ComparisonOperator": "GreaterThanUpperThreshold"}, "ThresholdMetricId must be specified"),
])
def test_refusals(change, message):
    body = {**BASE, **change}
    body = {k: v for k, v in body.items() if v is not None}
    with pytest.raises(AlarmValidationError) as caught:
        validate_metric_alarm(body)
    assert message in str(caught.value)


@pytest.mark.parametrize("change,message", [
    ({"ThresholdMetricId": "m1"}, "ThresholdMetricId must be the Id of the ANOMALY_DETECTION_BAND expression."),
    ({"Threshold": 3}, "Threshold must not be specified for an anomaly detection alarm"),
    ({"Period": 60}, "Period must not be specified when Metrics is specified."),
])
def test_band_refusals(change, message):
    with pytest.raises(AlarmValidationError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        validate_metric_alarm({**BAND, **change})


def test_band_expression_must_name_the_metric():
    metrics = [dict(BAND["Metrics"][0]), {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m2, 2)"}]
    with pytest.raises(AlarmValidationError, match="not the Id of the MetricStat"):
        validate_metric_alarm({**BAND, "Metrics": metrics})
    metrics[1] = {"Id": "ad1", "Expression": "m1 * 2"}
    with pytest.raises(AlarmValidationError, match="only ANOMALY_DETECTION_BAND"):
        validate_metric_alarm({**BAND, "Metrics": metrics})


def test_composite_validation():
    name, body = validate_composite_alarm({
        "AlarmName": "svc", "AlarmRule": 'ALARM("cpu-high") AND NOT OK(arn:aws:cloudwatch:eu-west-1:1:alarm:db)',
        "ActionsSuppressor": "arn:aws:cloudwatch:eu-west-1:1:alarm:maintenance",
        "ActionsSuppressorWaitPeriod": 60, "ActionsSuppressorExtensionPeriod": 60,
    })
    assert name == "svc" and body["ActionsSuppressor"] == "maintenance" and body["ActionsEnabled"] is True
    with pytest.raises(AlarmValidationError, match="ActionsSuppressorExtensionPeriod is required"):
        validate_composite_alarm({"AlarmName": "svc", "AlarmRule": "TRUE", "ActionsSuppressor": "m",
                                  "ActionsSuppressorWaitPeriod": 60})
    with pytest.raises(AlarmValidationError, match="refers to the alarm itself"):
        validate_composite_alarm({"AlarmName": "svc", "AlarmRule": "ALARM(svc)"})
    with pytest.raises(AlarmValidationError, match="Value null at 'alarmRule'"):
        validate_composite_alarm({"AlarmName": "svc"})
