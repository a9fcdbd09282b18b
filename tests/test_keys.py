"""Record keys decide partitions: what must meet on one worker does."""

from __future__ import annotations

from pipeline.keys import key_for


def test_cloudtrail_records_are_keyed_by_account_else_by_event():
    assert key_for("cloudtrail", {"eventID": "e-1", "recipientAccountId": "123456789012"}) == b"123456789012"
    assert key_for("cloudtrail", {"eventID": "e-1"}) == b"e-1"


def test_a_log_groups_events_share_one_key_for_their_minute_counts():
    events = [{"logGroupName": "/web", "message": str(i)} for i in range(5)]
    assert {key_for("log-events", e) for e in events} == {b"/web"}
