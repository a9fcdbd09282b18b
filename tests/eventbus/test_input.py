"""Target input: Input, InputPath, InputTransformer with the AWS-recorded quoting table."""

from __future__ import annotations

import json

import pytest

from pipeline.eventbus.input import (
    InputError,
    InputRenderError,
    check_transformer,
    parse_json_path,
    render_target_input,
)

EVENT = {
    "version": "0",
    "id": "e1",
    "detail-type": "core.update",
    "source": "my.app",
    "account": "123456789012",
    "time": "2026-01-01T00:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:a", "arn:b"],
    "detail": {
        "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"},
        "listsingle": ["HIGH"],
        "listmulti": ["ACTIVE", "INACTIVE"],
        "valid": True,
    },
}
PATHS = {
    "userId": "$.detail.payload.acc_id",
    "payload": "$.detail.payload",
    "listsingle": "$.detail.listsingle",
    "listmulti": "$.detail.listmulti",
    "valid": "$.detail.valid",
    "systemstring": "$.detail.missing",
}


def render(template):
    target = {"InputTransformer": check_transformer({"InputPathsMap": PATHS, "InputTemplate": template}, "t")}
    return render_target_input(target, EVENT, rule_name="my-rule", rule_arn="arn:rule")


@pytest.mark.parametrize("template,expected", [
    ('{"id" : <userId>}', {"id": "0a787ecb-4015"}),
    ('{"id" : "<userId>"}', {"id": "0a787ecb-4015"}),
    ('{"bod": <payload>}', {"bod": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}),
    ('{"singlelistitem": <listsingle>}', {"singlelistitem": ["HIGH"]}),
    ('{"path": "users/<userId>/second/<userId>"}', {"path": "users/0a787ecb-4015/second/0a787ecb-4015"}),
    ('{"v": <valid>, "s": "<valid>"}', {"v": True, "s": "true"}),
    ('{"missing": "<systemstring>", "m2": <systemstring>}', {"missing": "", "m2": None}),
    ('{"rule": "<aws.events.rule-name>", "arn": "<aws.events.rule-arn>"}', {"rule": "my-rule", "arn": "arn:rule"}),
    ('{"t": "<aws.events.event.ingestion-time>", "t2": "<aws.events.ingestion-time>"}',
     {"t": "2026-01-01T00:00:00Z", "t2": "2026-01-01T00:00:00Z"}),
    ('{"e": <aws.events.event.json>}', {"e": EVENT}),
])
def test_json_templates(template, expected):
    assert json.loads(render(template)) == expected


def test_string_templates_flatten_objects_and_lists():
    assert render('"Payload of <payload> is <listmulti>, <systemstring>!"') == (
        '"Payload of {acc_id:0a787ecb-4015,sf_id:baz} is [ACTIVE,INACTIVE], !"')
    assert render('"Command is <valid>!"') == '"Command is true!"'


def test_event_without_detail_uses_detailType():
    body = json.loads(render('{"e": <aws.events.event>}'))["e"]
    assert "detail" not in body and body["detailType"] == "core.update" and "detail-type" not in body


def test_object_inside_quotes_in_json_template_is_not_delivered():
    with pytest.raises(InputRenderError):
        render('{"payload": "<payload>"}')


def test_plain_text_template():
    assert render("user <userId> rule <aws.events.rule-name>") == 'user "0a787ecb-4015" rule "my-rule"'


@pytest.mark.parametrize("transformer,message", [
    ({"InputPathsMap": {}, "InputTemplate": '{"a": <notdefinedkey>}'},
     "InputTemplate for target t contains invalid placeholder notdefinedkey."),
    ({"InputPathsMap": {}, "InputTemplate": '"x <aws.events.event.json>"'}, "inside a string"),
    ({"InputPathsMap": {"bad key": "$.a"}, "InputTemplate": "x"}, "invalid key"),
    ({"InputPathsMap": {"a": "detail.x"}, "InputTemplate": "x"}, "Invalid JSONPath"),
    ({"InputPathsMap": {"a": "$.x"}, "InputTemplate": ""}, "1 to 8192"),
    ({"InputPathsMap": {f"k{i}": "$.x" for i in range(101)}, "InputTemplate": "x"}, "100"),
])
def test_transformer_validation(transformer, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(".", r"\.")):
        check_transformer(transformer, "t")


def test_input_and_input_path_and_default():
    assert render_target_input({"Input": '{"const": 1}'}, EVENT) == '{"const": 1}'
    assert json.loads(render_target_input({"InputPath": "$.detail.payload"}, EVENT)) == EVENT["detail"]["payload"]
    assert json.loads(render_target_input({"InputPath": "$.resources[1]"}, EVENT)) == "arn:b"
    assert json.loads(render_target_input({"InputPath": "$['detail']['valid']"}, EVENT)) is True
    assert render_target_input({"InputPath": "$.nothing"}, EVENT) == "null"
    assert json.loads(render_target_input({"InputPath": "$"}, EVENT)) == EVENT
    assert json.loads(render_target_input({}, EVENT)) == EVENT


def test_json_path_parsing():
    assert parse_json_path("$.detail.items[0]['a-b']") == ("detail", "items", 0, "a-b")
    assert parse_json_path("$") == ()
    for bad in ("detail", "$..a", "$.a[", "$[*]"):
        with pytest.raises(InputError):
            parse_json_path(bad)
