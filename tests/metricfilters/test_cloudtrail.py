"""CloudTrail records -> CloudWatch Logs events."""

import json

import pytest

from pipeline.metricfilters import cloudtrail_to_log_events
from pipeline.metricfilters.cloudtrail import CloudTrailError

from .helpers import load_jsonl

RECORDS = load_jsonl("cloudtrail_samples.jsonl")


def test_single_record():
    (event,) = cloudtrail_to_log_events(RECORDS[0], "CloudTrail/DefaultLogGroup")
    assert event == {
        "logGroupName": "CloudTrail/DefaultLogGroup",
        "logStreamName": "111122223333_CloudTrail_us-east-2",
        "timestamp": 1668097474000,  # 2022-11-10T16:24:34Z
        "message": event["message"],
        "ingestionTime": 1668097474000,
    }
    assert json.loads(event["message"]) == RECORDS[0]


def test_records_file_as_text_sorted_and_ingestion_time_is_an_argument():
    payload = json.dumps({"Records": list(reversed(RECORDS[:5]))})
    events = cloudtrail_to_log_events(payload, "g", ingestion_time_ms=42)
    assert len(events) == 5
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)
    assert {e["ingestionTime"] for e in events} == {42}


def test_all_samples_convert():
    events = cloudtrail_to_log_events({"Records": RECORDS}, "g")
    assert len(events) == 40
    assert all(e["logStreamName"].count("_CloudTrail_") == 1 for e in events)


def test_recipient_account_wins_over_user_identity():
    record = {"eventTime": "2024-01-01T00:00:00Z", "awsRegion": "eu-west-1",
              "recipientAccountId": "999", "userIdentity": {"accountId": "111"}}
    assert cloudtrail_to_log_events(record, "g")[0]["logStreamName"] == "999_CloudTrail_eu-west-1"


@pytest.mark.parametrize("payload", ["not json", 5, {"Records": [{"no": "time"}]},
                                     {"eventTime": "yesterday"}])
def test_refused(payload):
    with pytest.raises(CloudTrailError):
        cloudtrail_to_log_events(payload, "g")
