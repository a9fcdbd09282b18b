"""Record keys decide partitions: what must meet on one worker does, the rest spreads."""

from __future__ import annotations

from collections import Counter

from pipeline.keys import key_for
from pipeline.worker.batch_stage import key_index


def test_one_accounts_cloudtrail_records_spread_over_the_partitions():
    records = [{"eventID": f"e-{i}", "recipientAccountId": "123456789012"} for i in range(400)]
    by_partition = Counter(key_index(key_for("cloudtrail", r), 4) for r in records)
    assert len(by_partition) == 4 and max(by_partition.values()) < 0.4 * len(records)


def test_a_cloudtrail_record_without_an_event_id_is_keyed_by_its_account():
    assert key_for("cloudtrail", {"recipientAccountId": "123456789012"}) == b"123456789012"


def test_a_log_groups_events_share_one_key_for_their_minute_counts():
    events = [{"logGroupName": "/web", "message": str(i)} for i in range(5)]
    assert {key_for("log-events", e) for e in events} == {b"/web"}
