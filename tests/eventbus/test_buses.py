"""The event bus registry, pure: CreateEventBus checked, Describe/List answers, rules' buses."""

from __future__ import annotations

import pytest

from pipeline.definitions import validate
from pipeline.eventbus.buses import (EventBusError, ResourceAlreadyExistsException, ResourceNotFoundException,
                                     check_rule_buses, describe_bus, list_buses, missing_buses, validate_event_bus)

WHERE = {"account": "123456789012", "region": "eu-west-1"}


def test_create_event_bus_is_a_definition():
    definition = validate("CreateEventBus", {"Name": "orders/eu", "Description": "EU orders", "Tags": []})
    assert (definition.kind, definition.name, definition.key) == ("EventBus", "orders/eu", "EventBus/orders/eu")
    assert definition.body == {"Name": "orders/eu", "Description": "EU orders", "Tags": []}


@pytest.mark.parametrize("body,error,message", [
    ({"Name": "default"}, ResourceAlreadyExistsException, "Event bus default already exists."),
    ({"Name": "has space"}, EventBusError, "Member must satisfy regular expression pattern"),
    ({"Name": "x" * 257}, EventBusError, "regular expression"),
    ({}, EventBusError, "Value 'None' at 'name'"),
    ({"Name": "aws.partner/x", "EventSourceName": "aws.partner/x"}, EventBusError, "Partner event buses"),
    ({"Name": "b", "Description": "d" * 513}, EventBusError, "less than or equal to 512"),
    ({"Name": "b", "Policy": "{}"}, EventBusError, "unknown parameters \\['Policy'\\]"),
])
def test_bad_buses(body, error, message):
    with pytest.raises(error, match=message):
        validate_event_bus(body)


def test_describe_and_list():
    assert describe_bus("default", None, None, **WHERE) == {
        "Name": "default", "Arn": "arn:aws:events:eu-west-1:123456789012:event-bus/default"}
    custom = describe_bus("orders", {"Name": "orders", "Description": "shop"}, 1_764_000_000_000, **WHERE)
    assert custom == {"Name": "orders", "Arn": "arn:aws:events:eu-west-1:123456789012:event-bus/orders",
                      "Description": "shop", "CreationTime": 1_764_000_000.0, "LastModifiedTime": 1_764_000_000.0}
    buses = {"orders": ({"Name": "orders"}, 1), "billing": ({"Name": "billing"}, 2)}
    assert [b["Name"] for b in list_buses(buses, **WHERE)["EventBuses"]] == ["billing", "default", "orders"]
    assert [b["Name"] for b in list_buses(buses, name_prefix="o", **WHERE)["EventBuses"]] == ["orders"]
    assert [b["Name"] for b in list_buses(buses, limit=1, **WHERE)["EventBuses"]] == ["billing"]
    with pytest.raises(EventBusError, match="between 1 and 100"):
        list_buses(buses, limit=0, **WHERE)


def test_rules_need_their_bus():
    definitions = [("Rule", {"Name": "a", "EventBusName": "orders"}), ("Targets", {"EventBusName": "late"}),
                   ("Rule", {"Name": "b", "EventBusName": "default"}), ("Rule", {"Name": "c"}),
                   ("MetricAlarm", {"EventBusName": "ignored"}), ("Rule", {"Name": "d", "EventBusName": "orders"})]
    assert missing_buses(definitions, []) == ["orders", "late"]
    assert missing_buses(definitions, ["orders", "late"]) == []
    with pytest.raises(ResourceNotFoundException, match="Event bus late does not exist."):
        check_rule_buses(definitions, ["orders"])
