import random

import pytest

from pipeline.configitems import ConfigItemError, RecordingGroup, parse_configuration_item, record_step
from pipeline.configitems.recorder import (
    IGNORE_IDENTICAL, IGNORE_NOT_RECORDED, IGNORE_OLDER, RECORD, replay,
)

from .samples import base, permission, real, security_group


def test_first_item_records_a_create_with_notification_and_event_detail():
    decision = record_step(None, real("ci-03"), notification_time="2017-01-09T22:50:15.928Z")
    assert decision.action == RECORD
    assert decision.diff == {"changedProperties": {}, "changeType": "CREATE"}
    assert decision.notification["messageType"] == "ConfigurationItemChangeNotification"
    assert decision.notification["notificationCreationTime"] == "2017-01-09T22:50:15.928Z"
    assert decision.notification["configurationItem"]["configurationItemStatus"] == "ResourceDiscovered"
    assert decision.event_detail == decision.notification
    assert decision.item == parse_configuration_item(real("ci-03"))


def test_update_records_the_diff():
    first = security_group("sg-1", [permission("tcp", 22, 22, "10.0.0.0/8")], capture="2024-05-01T10:00:00Z")
    second = security_group("sg-1", [permission("tcp", 22, 22, "0.0.0.0/0")], capture="2024-05-01T11:00:00Z")
    current = record_step(None, first).item
    decision = record_step(current, second)
    assert decision.action == RECORD
    assert decision.diff["changeType"] == "UPDATE"
    assert set(decision.diff["changedProperties"]) == {"Configuration.IpPermissions.0", "Configuration.IpPermissions.1"}
    # the notification time defaults to the capture time (no clock is read)
    assert decision.notification["notificationCreationTime"] == "2024-05-01T11:00:00.000Z"


def test_identical_item_records_no_change_but_keeps_the_newer_capture_time():
    first = security_group("sg-1", [], capture="2024-05-01T10:00:00Z", state_id="1")
    again = security_group("sg-1", [], capture="2024-05-01T12:00:00Z", state_id="2")
    current = record_step(None, first).item
    decision = record_step(current, again)
    assert decision.action == IGNORE_IDENTICAL
    assert decision.notification is None and decision.diff is None
    assert decision.item["configurationItemCaptureTime"] == "2024-05-01T12:00:00.000Z"


def test_same_item_in_the_other_spelling_is_identical():
    current = record_step(None, real("ci-05")).item
    from pipeline.configitems import to_api_shape
    assert record_step(current, to_api_shape(current)).action == IGNORE_IDENTICAL


def test_older_item_never_overwrites_newer_state():
    newer = security_group("sg-1", [permission("tcp", 22, 22, "0.0.0.0/0")], capture="2024-05-01T11:00:00Z")
    older = security_group("sg-1", [], capture="2024-05-01T10:00:00Z")
    current = record_step(None, newer).item
    decision = record_step(current, older)
    assert decision.action == IGNORE_OLDER
    assert decision.item is None


def test_deleted_state_is_kept_against_late_older_items():
    live = security_group("sg-1", [], capture="2024-05-01T10:00:00Z")
    deleted = base("AWS::EC2::SecurityGroup", "sg-1", None, capture="2024-05-01T12:00:00Z", status="ResourceDeleted")
    late = security_group("sg-1", [permission("tcp", 80, 80, "0.0.0.0/0")], capture="2024-05-01T11:00:00Z")
    current = record_step(None, live).item
    decision = record_step(current, deleted)
    assert decision.diff["changeType"] == "DELETE"
    assert record_step(decision.item, late).action == IGNORE_OLDER


def test_shuffled_history_gives_the_same_current_item():
    history = [
        security_group("sg-1", [permission("tcp", port, port, "0.0.0.0/0")],
                       capture=f"2024-05-01T1{n}:00:00Z", state_id=str(n))
        for n, port in enumerate([22, 80, 443, 22, 8080])
    ]
    expected = replay(history)
    rng = random.Random(7)
    for _ in range(20):
        shuffled = history[:]
        rng.shuffle(shuffled)
        assert replay(shuffled) == expected
    assert expected["AWS::EC2::SecurityGroup/sg-1"]["configuration"]["ipPermissions"][0]["fromPort"] == 8080


def test_recording_group_limits_types():
    group = RecordingGroup.from_dict({"allSupported": False, "resourceTypes": ["AWS::S3::Bucket"]})
    assert record_step(None, real("ci-06"), recording_group=group).action == IGNORE_NOT_RECORDED
    assert record_step(None, real("ci-05"), recording_group=group).action == RECORD


def test_default_group_leaves_out_global_iam_types_unless_asked():
    user = base("AWS::IAM::User", "AIDA1", {"userName": "a"}, region="global")
    assert record_step(None, user).action == IGNORE_NOT_RECORDED
    group = RecordingGroup.from_dict({"allSupported": True, "includeGlobalResourceTypes": True})
    assert record_step(None, user, recording_group=group).action == RECORD


def test_exclusion_strategy():
    group = RecordingGroup.from_dict({"recordingStrategy": {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"},
                                      "exclusionByResourceTypes": {"resourceTypes": ["AWS::EC2::SecurityGroup"]}})
    assert not group.records("AWS::EC2::SecurityGroup")
    assert group.records("AWS::S3::Bucket")


def test_items_without_capture_time_or_of_another_resource_are_refused():
    with pytest.raises(ConfigItemError, match="configurationItemCaptureTime is required"):
        record_step(None, real("ci-01"))
    current = record_step(None, real("ci-06")).item
    with pytest.raises(ConfigItemError, match="the incoming item is"):
        record_step(current, real("ci-07"))


def test_malformed_incoming_item_is_refused():
    raw = real("ci-06")
    raw["configurationItemStatus"] = "Gone"
    with pytest.raises(ConfigItemError):
        record_step(None, raw)


def test_oversized_notification_switches_to_the_summary():
    decision = record_step(None, real("ci-02"), max_notification_bytes=1000, s3_bucket_location="bucket/AWSLogs/x")
    assert decision.notification["messageType"] == "OversizedConfigurationItemChangeNotification"
    summary = decision.notification["configurationItemSummary"]
    assert summary["changeType"] == "CREATE" and summary["resourceId"] == "i-007d374c8912e3e90"
    assert summary["ARN"].startswith("arn:aws:ec2") and summary["configurationStateId"] == 1484002214328
    assert decision.notification["s3DeliverySummary"]["s3BucketLocation"] == "bucket/AWSLogs/x"
    assert decision.event_detail == decision.notification
    small = record_step(None, real("ci-02"), max_notification_bytes=1_000_000)
    assert small.notification["messageType"] == "ConfigurationItemChangeNotification"
