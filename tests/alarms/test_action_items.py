"""Action history items: one per alarm action carried out, or failed."""

from __future__ import annotations


def test_action_history_items():
    import json

    from pipeline.alarms import action_item
    from pipeline.alarms.model import AlarmState, StateChange

    record = StateChange("error-rate", AlarmState.OK, AlarmState.ALARM, "why", {"v": 1}, 720.0).to_record(
        actions=["kafka:pager"])
    done = action_item(record, "kafka:pager", 721.5)
    assert (done["AlarmName"], done["HistoryItemType"], done["Timestamp"]) == (
        "error-rate", "Action", "1970-01-01T00:12:01.500000+00:00")
    assert done["HistorySummary"] == "Successfully executed action kafka:pager"
    data = json.loads(done["HistoryData"])
    assert (data["actionState"], data["stateUpdateTimestamp"], data["notificationResource"]) == (
        "Succeeded", 720_000, "kafka:pager")
    assert json.loads(data["publishedMessage"])["NewStateValue"] == "ALARM"
    failed = action_item(record, "kafka:pager", 721.5, TimeoutError("no broker"))
    assert failed["HistorySummary"] == "Failed to execute action kafka:pager"
    assert json.loads(failed["HistoryData"])["error"] == "TimeoutError: no broker"
