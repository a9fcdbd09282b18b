import json

import pytest

from pipeline.configitems import ConfigItemError, parse_configuration_item, to_api_shape, to_notification_shape
from pipeline.configitems.item import ordering_key

from .samples import real, real_items


@pytest.mark.parametrize("item_id", sorted(real_items()))
def test_every_real_item_is_accepted_and_round_trips(item_id):
    item = parse_configuration_item(real(item_id))
    assert parse_configuration_item(item) == item
    assert parse_configuration_item(to_api_shape(item)) == item
    assert parse_configuration_item(to_notification_shape(item)) == item


def test_both_spellings_give_one_model():
    notification = real("ci-05")
    model = parse_configuration_item(notification)
    assert model["accountId"] == "123456789012"
    assert model["arn"] == "arn:aws:s3:::cf-templates-1xatrtwowvbwh-us-east-1"
    assert model["version"] == "1.3"
    assert model["configurationStateId"] == "1610514023319"
    api = to_api_shape(model)
    assert isinstance(api["configuration"], str)
    assert json.loads(api["configuration"]) == notification["configuration"]
    # API spelling: every supplementary value is JSON text
    assert json.loads(api["supplementaryConfiguration"]["BucketVersioningConfiguration"]) == {
        "status": "Suspended", "isMfaDeleteEnabled": None}
    # ... and comes back as the notification carries it (AccessControlList stays a string)
    back = parse_configuration_item(api)
    assert isinstance(back["supplementaryConfiguration"]["AccessControlList"], str)
    assert back["supplementaryConfiguration"]["BucketVersioningConfiguration"]["status"] == "Suspended"


def test_api_relationship_names_and_notification_names():
    model = parse_configuration_item(real("ci-06"))
    assert model["relationships"][0]["relationshipName"] == "Is contained in Vpc"
    assert to_notification_shape(model)["relationships"][0]["name"] == "Is contained in Vpc"
    assert to_notification_shape(model)["ARN"] == model["arn"]


def test_epoch_capture_time_is_normalised():
    raw = real("ci-06")
    raw["configurationItemCaptureTime"] = 1414708529.9219999
    assert parse_configuration_item(raw)["configurationItemCaptureTime"] == "2014-10-30T22:35:29.922Z"


def test_state_id_orders_items_with_the_same_capture_time():
    a, b = real("ci-06"), real("ci-06")
    b["configurationStateId"] = "59"
    assert ordering_key(parse_configuration_item(a)) < ordering_key(parse_configuration_item(b))


@pytest.mark.parametrize(
    "change, message",
    [
        ({"configurationItemStatus": "Deleted"}, "configurationItemStatus 'Deleted' is not one of"),
        ({"resourceType": None}, "resourceType is required"),
        ({"resourceType": "EC2 instance"}, "not of the form AWS::Service::Resource"),
        ({"resourceId": ""}, "resourceId is required"),
        ({"configurationItemCaptureTime": "yesterday"}, "configurationItemCaptureTime 'yesterday'"),
        ({"configuration": "{not json"}, "configuration is a string but not valid JSON"),
        ({"relationships": {"a": 1}}, "relationships must be a list"),
        ({"relationships": [{"resourceId": "x"}]}, "relationships[0].resourceType is required"),
        ({"tags": "a=b"}, "tags must be a map"),
        ({"supplementaryConfiguration": []}, "supplementaryConfiguration must be a map"),
        ({"awsAccountId": "999999999999"}, "conflicting values for accountId"),
        ({"configurationStateId": 1.5}, "configurationStateId must be"),
    ],
)
def test_malformed_items_are_refused_with_a_reason(change, message):
    raw = real("ci-06")
    raw.update(change)
    with pytest.raises(ConfigItemError, match=__import__("re").escape(message)):
        parse_configuration_item(raw)


def test_not_an_object_is_refused():
    with pytest.raises(ConfigItemError, match="must be a JSON object"):
        parse_configuration_item(["x"])
    with pytest.raises(ConfigItemError, match="exactly one"):
        parse_configuration_item({"configurationItems": []})


def test_tag_list_is_accepted_as_a_map():
    raw = real("ci-06")
    raw["tags"] = [{"key": "env", "value": "prod"}]
    assert parse_configuration_item(raw)["tags"] == {"env": "prod"}
