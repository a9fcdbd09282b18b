from datetime import datetime, timezone

import pytest

from pipeline.eventbus.archive import (ArchiveError, archive_matches, bus_from_arn, replay_order, retention_ms,
                                       validate_archive, validate_replay)
from pipeline.eventpatterns import EventPatternError

BUS = "arn:aws:events:us-east-1:123456789012:event-bus/orders"
ARCHIVE = {"ArchiveName": "a", "EventSourceBus": "orders", "RetentionDays": 0}


def at(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_validate_archive():
    assert validate_archive({"ArchiveName": "a", "EventSourceArn": BUS}) == ARCHIVE
    archive = validate_archive({"ArchiveName": "a", "EventSourceArn": "default", "EventPattern": {"source": ["x"]},
                                "RetentionDays": 3})
    assert archive["EventPattern"] == '{"source":["x"]}' and archive["RetentionDays"] == 3
    with pytest.raises(ArchiveError):
        validate_archive({"ArchiveName": "a" * 49, "EventSourceArn": BUS})
    with pytest.raises(ArchiveError):
        validate_archive({"ArchiveName": "a", "EventSourceArn": BUS, "RetentionDays": -1})
    with pytest.raises(EventPatternError):
        validate_archive({"ArchiveName": "a", "EventSourceArn": BUS, "EventPattern": '{"source": "x"}'})
    with pytest.raises(ArchiveError):
        bus_from_arn("arn:aws:events:us-east-1:123456789012:rule/x")


def test_archive_matches_and_never_rearchives_replays():
    event = {"source": "x", "detail": {}}
    assert archive_matches(ARCHIVE, event)
    assert archive_matches(dict(ARCHIVE, EventPattern='{"source": ["x"]}'), event)
    assert not archive_matches(dict(ARCHIVE, EventPattern='{"source": ["y"]}'), event)
    assert not archive_matches(ARCHIVE, dict(event, **{"replay-name": "r"}))


def test_validate_replay():
    body = {"ReplayName": "r", "EventSourceArn": "arn:aws:events:us-east-1:123456789012:archive/a",
            "EventStartTime": "2026-01-01T10:00:00Z", "EventEndTime": "2026-01-01T11:00:00Z",
            "Destination": {"Arn": BUS, "FilterArns": ["arn:aws:events:us-east-1:123456789012:rule/orders/x"]}}
    replay = validate_replay(body, ARCHIVE)
    assert replay["DestinationBus"] == "orders" and replay["EventStartTime"] == at("2026-01-01T10:00:00Z")
    with pytest.raises(ArchiveError) as missing:
        validate_replay(body, None)
    assert missing.value.aws_code == "ResourceNotFoundException"
    with pytest.raises(ArchiveError, match="Cross event bus"):
        validate_replay(dict(body, Destination={"Arn": "default"}), ARCHIVE)
    with pytest.raises(ArchiveError, match="EventStartTime"):
        validate_replay(dict(body, EventEndTime="2026-01-01T10:00:00Z"), ARCHIVE)


def test_replay_order_is_by_minute_bucket_then_archive_order_with_end_exclusive():
    events = [{"n": n, "time": t} for n, t in enumerate([
        "2026-01-01T10:02:30Z", "2026-01-01T10:00:50Z", "2026-01-01T10:01:59Z", "2026-01-01T10:00:10Z",
        "2026-01-01T10:03:00Z", "2026-01-01T09:59:59Z", "bad"])]
    ordered = replay_order(events, at("2026-01-01T10:00:00Z"), at("2026-01-01T10:03:00Z"))
    # 10:00:50 before 10:00:10: same minute, archive order kept
    assert [e["n"] for e in ordered] == [1, 3, 2, 0]


def test_retention():
    assert retention_ms(0) == -1 and retention_ms(2) == 2 * 86_400_000
    assert datetime(2026, 1, 1, tzinfo=timezone.utc)
