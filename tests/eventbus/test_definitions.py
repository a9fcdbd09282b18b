"""PutRule / PutTargets validation (the definitions contract)."""

from __future__ import annotations

import pytest

from pipeline.definitions.kinds import validate
from pipeline.errors import PipelineError
from pipeline.eventbus.definitions import EventBusDefinitionError, validate_rule, validate_targets
from pipeline.eventbus.schedule import ScheduleError
from pipeline.eventpatterns import EventPatternError


def test_rule_defaults_and_name():
    name, body = validate_rule({"Name": "r1", "EventPattern": '{"source": ["a"]}'})
    assert name == "default/r1"
    assert body == {"Name": "r1", "EventBusName": "default", "EventPattern": '{"source": ["a"]}',
                    "State": "ENABLED"}


def test_rule_pattern_object_is_normalised_to_text():
    name, body = validate_rule({"Name": "r", "EventBusName": "orders", "EventPattern": {"source": ["a"]},
                                "State": "DISABLED", "Description": "d"})
    assert name == "orders/r"
    assert body["EventPattern"] == '{"source":["a"]}' and body["State"] == "DISABLED"


def test_rule_through_definition_kinds():
    definition = validate("PutRule", {"Name": "r", "ScheduleExpression": "rate(5 minutes)"})
    assert definition.kind == "Rule" and definition.key == "Rule/default/r"


@pytest.mark.parametrize("body,error,text", [
    ({"Name": "r"}, EventBusDefinitionError, "Parameter(s) EventPattern or ScheduleExpression must be specified."),
    ({"Name": "r", "EventPattern": '{"a": 1}'}, EventPatternError,
     'Event pattern is not valid. Reason: "a" must be an object or an array'),
    ({"Name": "bad name", "EventPattern": '{"a": [1]}'}, EventBusDefinitionError, "regular expression"),
    ({"Name": "x" * 65, "EventPattern": '{"a": [1]}'}, EventBusDefinitionError, "regular expression"),
    ({"EventPattern": '{"a": [1]}'}, EventBusDefinitionError, "must not be null"),
    ({"Name": "r", "EventPattern": '{"a": [1]}', "State": "ON"}, EventBusDefinitionError, "enum"),
    ({"Name": "r", "EventBusName": "b", "ScheduleExpression": "rate(1 minute)"}, EventBusDefinitionError,
     "ScheduleExpression is supported only on the default event bus."),
    ({"Name": "r", "ScheduleExpression": "rate(1 minutes)"}, ScheduleError, "Parameter ScheduleExpression is not valid."),
    ({"Name": "r", "EventPattern": '{"a": ["' + "x" * 4100 + '"]}'}, EventBusDefinitionError, "4096"),
    ({"Name": "r", "EventPattern": '{"a": [1]}', "Bogus": 1}, EventBusDefinitionError, "unknown"),
])
def test_rule_errors(body, error, text):
    with pytest.raises(error) as caught:
        validate_rule(body)
    assert isinstance(caught.value, PipelineError)
    assert text in str(caught.value)


def test_targets_normalised():
    name, body = validate_targets({
        "Rule": "r", "EventBusName": "orders",
        "Targets": [
            {"Id": "t1", "Arn": "kafka:orders-out", "RetryPolicy": {"MaximumRetryAttempts": 0,
                                                                     "MaximumEventAgeInSeconds": 60},
             "DeadLetterConfig": {"Arn": "kafka:dlq"}},
            {"Id": "t2", "Arn": "plain.topic_name-1", "InputPath": "$.detail"},
            {"Id": "t3", "Arn": "x", "InputTransformer": {"InputPathsMap": {"s": "$.source"},
                                                           "InputTemplate": '{"s": <s>}'}},
            {"Id": "t4", "Arn": "x", "Input": '{"k": 1}'},
        ],
    })
    assert name == "orders/r"
    targets = body["Targets"]
    assert targets[0] == {"Id": "t1", "Arn": "orders-out", "RetryPolicy": {"MaximumRetryAttempts": 0,
                          "MaximumEventAgeInSeconds": 60}, "DeadLetterConfig": {"Arn": "dlq"}}
    assert targets[1]["Arn"] == "plain.topic_name-1" and targets[1]["InputPath"] == "$.detail"
    assert targets[2]["InputTransformer"]["InputTemplate"] == '{"s": <s>}'


def _one(target):
    return {"Rule": "r", "Targets": [{"Id": "t", "Arn": "topic", **target}]}


@pytest.mark.parametrize("body,text", [
    (_one({"RetryPolicy": {"MaximumRetryAttempts": 186}}), "between 0 and 185"),
    (_one({"RetryPolicy": {"MaximumRetryAttempts": -1}}), "between 0 and 185"),
    (_one({"RetryPolicy": {"MaximumEventAgeInSeconds": 59}}), "between 60 and 86400"),
    (_one({"RetryPolicy": {"MaximumEventAgeInSeconds": 86401}}), "between 60 and 86400"),
    (_one({"Input": "{}", "InputPath": "$.a"}),
     "Only one of Input, InputPath, or InputTransformer must be provided for target t."),
    (_one({"Input": "not json"}), "not valid JSON"),
    (_one({"InputPath": "detail"}), "Invalid JSONPath"),
    (_one({"InputTransformer": {"InputPathsMap": {}, "InputTemplate": "<nope>"}}),
     "InputTemplate for target t contains invalid placeholder nope."),
    (_one({"Arn": "arn:aws:sqs:us-east-1:1:q"}), "Kafka topic"),
    (_one({"DeadLetterConfig": {"Arn": "bad topic"}}), "Kafka topic"),
    ({"Rule": "r", "Targets": []}, "greater than or equal to 1"),
    ({"Rule": "r", "Targets": [{"Id": f"t{i}", "Arn": "x"} for i in range(6)]}, "maximum number allowed"),
    ({"Rule": "r", "Targets": [{"Id": "t", "Arn": "x"}, {"Id": "t", "Arn": "y"}]}, "unique"),
    ({"Rule": "r", "Targets": [{"Arn": "x"}]}, "must not be null"),
])
def test_target_errors(body, text):
    with pytest.raises(EventBusDefinitionError) as caught:
        validate_targets(body)
    assert text in str(caught.value)


def test_bus_given_as_arn():
    name, body = validate_rule({"Name": "r", "EventBusName": "arn:aws:events:us-east-1:123456789012:event-bus/orders",
                                "EventPattern": '{"a": [1]}'})
    assert name == "orders/r" and body["EventBusName"] == "orders"
    assert validate_targets({"Rule": "r", "EventBusName": "arn:aws:events:eu-west-1:123456789012:event-bus/b",
                             "Targets": [{"Id": "t", "Arn": "x"}]})[0] == "b/r"
