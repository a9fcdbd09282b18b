"""Typical CloudTrail rules over the shared CloudTrail samples: RuleSet == reference oracle."""

from __future__ import annotations

import json

import pytest

from pipeline.eventbus.envelope import build_event
from pipeline.eventpatterns import RuleSet
from pipeline.eventpatterns.reference import reference_matches
from tests.fixtures.shared_data import SHARED_DATA

SAMPLES = SHARED_DATA / "cloudtrail_samples.jsonl"

RULES = {
    "console-login": {"detail-type": ["AWS Console Sign In via CloudTrail"], "detail": {"eventName": ["ConsoleLogin"]}},
    "root": {"detail": {"userIdentity": {"type": ["Root"]}, "eventType": [{"anything-but": "AwsServiceEvent"}]}},
    "no-mfa": {"detail": {"eventName": ["ConsoleLogin"], "additionalEventData": {"MFAUsed": [{"anything-but": "Yes"}]}}},
    "errors": {"detail": {"errorCode": [{"exists": True}]}},
    "unauthorized": {"detail": {"errorCode": [{"wildcard": "*UnauthorizedOperation"}, "AccessDenied"]}},
    "iam-changes": {"source": ["aws.iam"], "detail": {"eventName": [{"prefix": "Delete"}, {"prefix": "Put"},
                                                                   {"prefix": "Attach"}, {"prefix": "Detach"}]}},
    "deletes": {"detail": {"eventName": [{"prefix": "Delete"}]}},
    "from-doc-net": {"detail": {"sourceIPAddress": [{"cidr": "192.0.2.0/24"}]}},
    "not-us-east-1": {"region": [{"anything-but": {"prefix": "us-east"}}]},
    "s3-or-ec2": {"$or": [{"source": ["aws.s3"]}, {"detail": {"eventSource": [{"suffix": "ec2.amazonaws.com"}]}}]},
    "readonly-false": {"detail": {"readOnly": [False]}},
    "no-error": {"detail": {"errorCode": [{"exists": False}], "eventName": [{"equals-ignore-case": "consolelogin"}]}},
}


def _events():
    events = []
    for number, line in enumerate(SAMPLES.read_text().splitlines()):
        record = json.loads(line)
        service = record.get("eventSource", "unknown.amazonaws.com").split(".")[0]
        detail_type = ("AWS Console Sign In via CloudTrail" if record.get("eventName") == "ConsoleLogin"
                       else "AWS API Call via CloudTrail")
        events.append(build_event(source=f"aws.{service}", detail_type=detail_type, detail=record,
                                  time=record.get("eventTime", "2022-01-01T00:00:00Z"),
                                  account="111122223333", region=record.get("awsRegion", "us-east-1"),
                                  event_id=f"e{number}"))
    return events


@pytest.mark.skipif(not SAMPLES.exists(), reason="shared CloudTrail samples not present")
def test_cloudtrail_rules_agree_with_reference():
    rules = RuleSet(RULES)
    events = _events()
    assert events
    total = 0
    for event in events:
        expected = [name for name, pattern in RULES.items() if reference_matches(pattern, event)]
        assert rules.matching(event) == expected, event["id"]
        total += len(expected)
    assert total > 0
