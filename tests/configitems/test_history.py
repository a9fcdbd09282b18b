import pytest

from pipeline.configitems import (
    ConfigItemError, ResourceNotDiscoveredError, config_snapshot, get_resource_config_history, resource_state_at,
)

from .samples import base, real, security_group

SG = "AWS::EC2::SecurityGroup"


def _history():
    return [security_group("sg-1", [], capture=f"2024-05-0{day}T10:00:00Z", state_id=str(day)) for day in range(1, 6)] + [
        security_group("sg-2", [], capture="2024-05-03T10:00:00Z")]


def _times(answer):
    return [item["configurationItemCaptureTime"] for item in answer["configurationItems"]]


def test_reverse_order_by_default_and_api_shape():
    answer = get_resource_config_history(_history(), SG, "sg-1")
    assert _times(answer)[0] == "2024-05-05T10:00:00.000Z"
    assert len(answer["configurationItems"]) == 5
    first = answer["configurationItems"][0]
    assert isinstance(first["configuration"], str)  # API spelling
    assert first["accountId"] == "123456789012" and "awsAccountId" not in first


def test_time_window_is_inclusive_and_forward_order():
    answer = get_resource_config_history(_history(), SG, "sg-1", later_time="2024-05-04T10:00:00Z",
                                         earlier_time="2024-05-02T10:00:00Z", chronological_order="Forward")
    assert _times(answer) == ["2024-05-02T10:00:00.000Z", "2024-05-03T10:00:00.000Z", "2024-05-04T10:00:00.000Z"]


def test_limit_and_next_token():
    first = get_resource_config_history(_history(), SG, "sg-1", limit=2)
    assert len(first["configurationItems"]) == 2 and "nextToken" in first
    second = get_resource_config_history(_history(), SG, "sg-1", limit=2, next_token=first["nextToken"])
    third = get_resource_config_history(_history(), SG, "sg-1", limit=2, next_token=second["nextToken"])
    assert "nextToken" not in third
    assert len(_times(first) + _times(second) + _times(third)) == 5


def test_epoch_seconds_bounds_and_duplicates():
    history = _history() + _history()
    answer = get_resource_config_history(history, SG, "sg-1", earlier_time=1714730400)  # 2024-05-03T10:00Z
    assert _times(answer) == ["2024-05-05T10:00:00.000Z", "2024-05-04T10:00:00.000Z", "2024-05-03T10:00:00.000Z"]


def test_unknown_resource_and_bad_arguments():
    with pytest.raises(ResourceNotDiscoveredError):
        get_resource_config_history(_history(), SG, "sg-404")
    with pytest.raises(ConfigItemError, match="chronologicalOrder"):
        get_resource_config_history(_history(), SG, "sg-1", chronological_order="Backward")
    with pytest.raises(ConfigItemError, match="limit"):
        get_resource_config_history(_history(), SG, "sg-1", limit=101)
    with pytest.raises(ConfigItemError, match="earlierTime is after laterTime"):
        get_resource_config_history(_history(), SG, "sg-1", earlier_time="2024-06-01T00:00:00Z",
                                    later_time="2024-05-01T00:00:00Z")


def test_state_at_a_point_in_time():
    state = resource_state_at(_history(), SG, "sg-1", "2024-05-03T12:00:00Z")
    assert state["configurationStateId"] == "3"
    assert resource_state_at(_history(), SG, "sg-1", "2024-04-01T00:00:00Z") is None


def test_snapshot_shape_leaves_out_deleted_resources():
    deleted = base(SG, "sg-9", None, status="ResourceDeleted")
    snapshot = config_snapshot([real("ci-05"), real("ci-06"), deleted], snapshot_id="snap-1")
    assert snapshot["fileVersion"] == "1.0" and snapshot["configSnapshotId"] == "snap-1"
    assert [i["resourceId"] for i in snapshot["configurationItems"]] == ["sg-1d56fc66", "cf-templates-1xatrtwowvbwh-us-east-1"]
    assert config_snapshot([real("ci-05")])["configSnapshotId"] == config_snapshot([real("ci-05")])["configSnapshotId"]
