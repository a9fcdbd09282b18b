"""Topics a definition sends to are known up front, so `apply` can create them."""

from pipeline import topics
from pipeline.definitions import validate


def test_targets_dead_letters_and_alarm_actions(monkeypatch):
    monkeypatch.setenv("PIPELINE_TOPIC_PREFIX", "p-")
    targets = validate("PutTargets", {"Rule": "r", "Targets": [
        {"Id": "a", "Arn": "kafka:alerts", "DeadLetterConfig": {"Arn": "kafka:alerts-dlq"}},
        {"Id": "b", "Arn": "audit"}]})
    assert topics.referenced_topics(targets.kind, targets.body) == ["p-alerts", "p-audit", "p-alerts-dlq"]
    alarm = validate("PutMetricAlarm", {
        "AlarmName": "a", "Namespace": "N", "MetricName": "M", "Statistic": "Sum", "Period": 60,
        "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold",
        "AlarmActions": ["kafka:pager", "arn:aws:sns:us-east-1:123456789012:ops"], "OKActions": ["pager"]})
    assert topics.referenced_topics(alarm.kind, alarm.body) == ["p-pager", "p-ops", "p-pager"]
    assert topics.referenced_topics("MetricFilter", {}) == []
