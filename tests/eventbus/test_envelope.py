from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from pipeline.eventbus.envelope import (
    EventError,
    build_event,
    check_test_event,
    entry_size,
    event_from_entry,
    scheduled_event,
)

NOW = datetime(2026, 11, 25, 12, 0, 5, tzinfo=timezone.utc)


def test_build_event_fields_and_order():
    event = build_event(source="my.app", detail_type="Thing", detail={"a": 1}, time=NOW,
                        account="123456789012", region="eu-west-1", event_id="id-1")
    assert list(event) == ["version", "id", "detail-type", "source", "account", "time", "region",
                           "resources", "detail"]
    assert event["version"] == "0" and event["time"] == "2026-11-25T12:00:05Z" and event["resources"] == []
    replayed = build_event(source="s", detail_type="d", detail={}, time=NOW, account="1", region="r",
                           replay_name="rp")
    assert replayed["replay-name"] == "rp" and len(replayed["id"]) == 36


def test_scheduled_event():
    event = scheduled_event(rule_arn="arn:rule", time=NOW, account="1", region="r")
    assert (event["source"], event["detail-type"], event["resources"], event["detail"]) == (
        "aws.events", "Scheduled Event", ["arn:rule"], {})


def test_put_events_entry():
    entry = {"Source": "s", "DetailType": "d", "Detail": json.dumps({"x": 1}), "Resources": ["r1"]}
    event = event_from_entry(entry, account="1", region="r", time=NOW)
    assert event["detail"] == {"x": 1} and event["resources"] == ["r1"] and event["time"] == "2026-11-25T12:00:05Z"
    assert entry_size(entry) == 1 + 1 + len(entry["Detail"]) + 2
    for bad in ({"Source": "s", "DetailType": "d"}, {"Source": "s", "DetailType": "d", "Detail": "[1]"},
                {"Source": "s", "DetailType": "d", "Detail": "{"},
                {"Source": "s", "DetailType": "d", "Detail": json.dumps({"x": "y" * 262144})}):
        with pytest.raises(EventError):
            event_from_entry(bad, account="1", region="r", time=NOW)


@pytest.mark.parametrize("event", ["plain string", "[1, 2]", {"id": "1"}, 5])
def test_test_event_validation(event):
    with pytest.raises(EventError, match=r"^Parameter Event is not valid\.$"):
        check_test_event(event)


def test_test_event_resources_optional():
    event = {"id": "1", "account": "1", "source": "s", "time": "t", "region": "r", "detail-type": "d"}
    assert check_test_event(json.dumps(event)) == event
