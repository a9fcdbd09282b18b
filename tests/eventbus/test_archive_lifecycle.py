"""UpdateArchive, ListReplays and CancelReplay decisions (pure)."""

import pytest

from pipeline.eventbus.archive import ArchiveError
from pipeline.eventbus.archive_lifecycle import cancel_replay, list_replays, validate_archive_update
from pipeline.eventpatterns import EventPatternError

ARCHIVE = {"ArchiveName": "orders", "EventSourceBus": "default", "EventPattern": '{"source":["shop"]}',
           "RetentionDays": 7, "ArchiveArn": "arn:aws:events:us-east-1:123456789012:archive/orders",
           "State": "ENABLED", "CreationTime": "2026-11-26T10:00:00Z"}


def test_an_update_changes_only_what_it_names():
    updated = validate_archive_update({"ArchiveName": "orders", "RetentionDays": 30}, ARCHIVE)
    assert updated == dict(ARCHIVE, RetentionDays=30)
    assert ARCHIVE["RetentionDays"] == 7  # the stored archive is not changed in place
    updated = validate_archive_update({"ArchiveName": "orders", "EventPattern": '{"source": ["billing"]}',
                                       "Description": "billing only"}, ARCHIVE)
    assert updated["EventPattern"] == '{"source": ["billing"]}' and updated["Description"] == "billing only"
    assert updated["RetentionDays"] == 7 and updated["EventSourceBus"] == "default"


def test_an_empty_pattern_keeps_every_event_again():
    assert "EventPattern" not in validate_archive_update({"ArchiveName": "orders", "EventPattern": ""}, ARCHIVE)


@pytest.mark.parametrize("body, code", [
    ({"ArchiveName": "missing"}, "ResourceNotFoundException"),
    ({"ArchiveName": "orders", "RetentionDays": -1}, "ValidationException"),
    ({"ArchiveName": "orders", "RetentionDays": "7"}, "ValidationException"),
    ({"ArchiveName": "orders", "Description": "x" * 513}, "ValidationException"),
    ({"ArchiveName": "orders", "EventSourceArn": "default"}, "ValidationException"),  # not updatable
    ({"ArchiveName": "bad name!"}, "ValidationException"),
])
def test_updates_aws_refuses(body, code):
    with pytest.raises(ArchiveError) as refused:
        validate_archive_update(body, ARCHIVE if body["ArchiveName"] == "orders" else None)
    assert refused.value.aws_code == code


def test_an_invalid_pattern_is_refused():
    with pytest.raises(EventPatternError):
        validate_archive_update({"ArchiveName": "orders", "EventPattern": '{"source": "shop"}'}, ARCHIVE)


def replay(name, state, archive="orders"):
    return {"ReplayName": name, "ReplayArn": f"arn:aws:events:us-east-1:123456789012:replay/{name}",
            "EventSourceArn": f"arn:aws:events:us-east-1:123456789012:archive/{archive}", "State": state,
            "Destination": {"Arn": "default"}, "EventStartTime": "2026-01-01T00:00:00Z",
            "EventEndTime": "2026-01-02T00:00:00Z", "ReplayStartTime": "2026-11-26T10:00:00Z"}


REPLAYS = [replay("b-second", "COMPLETED"), replay("a-first", "RUNNING"), replay("b-other", "FAILED", "refunds")]


def test_list_replays_filters_and_sorts_by_name():
    assert [r["ReplayName"] for r in list_replays(REPLAYS)] == ["a-first", "b-other", "b-second"]
    assert [r["ReplayName"] for r in list_replays(REPLAYS, name_prefix="b-")] == ["b-other", "b-second"]
    assert [r["ReplayName"] for r in list_replays(REPLAYS, state="RUNNING")] == ["a-first"]
    assert [r["ReplayName"] for r in list_replays(REPLAYS, event_source_arn="refunds")] == ["b-other"]
    arn = "arn:aws:events:us-east-1:123456789012:archive/orders"
    assert [r["ReplayName"] for r in list_replays(REPLAYS, event_source_arn=arn)] == ["a-first", "b-second"]
    assert "Destination" not in list_replays(REPLAYS)[0]  # ListReplays items carry no destination


def test_list_replays_refuses_an_unknown_state():
    with pytest.raises(ArchiveError, match="enum value set"):
        list_replays(REPLAYS, state="DONE")


def test_only_a_starting_or_running_replay_can_be_cancelled():
    cancelled = cancel_replay(replay("a-first", "RUNNING"), "a-first")
    assert cancelled["State"] == "CANCELLING" and cancelled["ReplayArn"].endswith("replay/a-first")
    assert cancel_replay(replay("s", "STARTING"), "s")["State"] == "CANCELLING"
    for state in ("COMPLETED", "CANCELLED", "CANCELLING", "FAILED"):
        with pytest.raises(ArchiveError) as refused:
            cancel_replay(replay("x", state), "x")
        assert refused.value.aws_code == "IllegalStatusException"
    with pytest.raises(ArchiveError) as refused:
        cancel_replay(None, "gone")
    assert refused.value.aws_code == "ResourceNotFoundException"
