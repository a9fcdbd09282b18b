"""Alarm history items, in the DescribeAlarmHistory shape.

``HistoryData`` is a JSON string, as AWS returns it. Every transition gets a StateUpdate item;
ConfigurationUpdate and Action items are offered for the worker to record puts and sends.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from pipeline.alarms.model import StateChange
from pipeline.alarms.periods import iso_timestamp, reason_data_timestamp

__all__ = ["state_update_item", "configuration_update_item", "action_item", "state_change_event"]


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def state_update_item(change: StateChange) -> dict[str, Any]:
    """``HistoryItemType`` StateUpdate, ``HistorySummary`` 'Alarm updated from OK to ALARM'."""
    history = {
        "version": "1.0",
        "oldState": {"stateValue": change.previous_state.value, "stateReason": change.previous_reason},
        "newState": {
            "stateValue": change.state.value,
            "stateReason": change.reason,
            "stateReasonData": dict(change.reason_data),
        },
    }
    if not change.reason_data:
        del history["newState"]["stateReasonData"]
    return {
        "AlarmName": change.alarm_name,
        "AlarmType": change.alarm_type,
        "Timestamp": iso_timestamp(change.timestamp),
        "HistoryItemType": "StateUpdate",
        "HistorySummary": f"Alarm updated from {change.previous_state.value} to {change.state.value}",
        "HistoryData": _compact(history),
    }


def action_item(record: Mapping[str, Any], action: str, at: float, error: BaseException | None = None
                ) -> dict[str, Any]:
    """``HistoryItemType`` Action: one action of a transition carried out (its state-change
    ``record`` written to the action's topic) or not (``error``)."""
    data: dict[str, Any] = {"actionState": "Failed" if error else "Succeeded",
                            "stateUpdateTimestamp": record["StateChangeTime"], "notificationResource": action}
    if error is not None:
        data["error"] = f"{type(error).__name__}: {error}"
    else:
        data["publishedMessage"] = _compact({k: v for k, v in record.items() if k != "Configuration"})
    return {
        "AlarmName": record["AlarmName"],
        "AlarmType": record.get("AlarmType", "MetricAlarm"),
        "Timestamp": iso_timestamp(at),
        "HistoryItemType": "Action",
        "HistorySummary": f"{'Failed to execute' if error else 'Successfully executed'} action {action}",
        "HistoryData": _compact(data),
    }


def configuration_update_item(
    alarm_name: str, body: Mapping[str, Any], at: float, *, operation: str = "update", alarm_type: str = "MetricAlarm"
) -> dict[str, Any]:
    """A put (``operation`` create/update) or delete of an alarm definition."""
    summary = {"create": "Alarm \"{}\" created", "update": "Alarm \"{}\" updated", "delete": "Alarm \"{}\" deleted"}
    return {
        "AlarmName": alarm_name,
        "AlarmType": alarm_type,
        "Timestamp": iso_timestamp(at),
        "HistoryItemType": "ConfigurationUpdate",
        "HistorySummary": summary[operation].format(alarm_name),
        "HistoryData": _compact({"version": "1.0", "type": operation, "updatedAlarm": dict(body)}),
    }


def _event_query(query: Mapping[str, Any]) -> dict[str, Any]:
    """A MetricDataQuery as the alarm state change event writes it (camelCase keys)."""
    out: dict[str, Any] = {"id": query["Id"]}
    if "Expression" in query:
        out["expression"] = query["Expression"]
    else:
        stat, metric = query["MetricStat"], query["MetricStat"]["Metric"]
        out["metricStat"] = {"metric": {"namespace": metric["Namespace"], "name": metric["MetricName"],
                                        "dimensions": {d["Name"]: d["Value"] for d in metric.get("Dimensions") or []}},
                             "period": stat["Period"], "stat": stat["Stat"]}
        if stat.get("Unit"):
            out["metricStat"]["unit"] = stat["Unit"]
    if query.get("Label"):
        out["label"] = query["Label"]
    out["returnData"] = bool(query.get("ReturnData", True))
    return out


def state_change_event(
    change: StateChange,
    alarm: Any,
    *,
    account: str = "000000000000",
    region: str = "us-east-1",
    event_id: str = "",
    suppressed_by: str | None = None,
) -> dict[str, Any]:
    """The EventBridge ``CloudWatch Alarm State Change`` event for a transition.

    ``alarm`` is the :class:`~pipeline.alarms.model.Alarm` or
    :class:`~pipeline.alarms.composite.CompositeAlarm`; ``event_id`` should be deterministic
    (e.g. alarm name + timestamp) so a re-sent event can be recognised downstream.
    """
    arn = f"arn:aws:cloudwatch:{region}:{account}:alarm:{change.alarm_name}"
    body = dict(getattr(alarm, "body", {}) or {})
    if change.alarm_type == "CompositeAlarm":
        configuration: dict[str, Any] = {"alarmRule": body.get("AlarmRule", ""),
                                         "description": body.get("AlarmDescription", "")}
    elif getattr(alarm, "metrics", ()):  # metric math: the queries, in the event's spelling
        configuration = {"description": body.get("AlarmDescription", ""),
                         "metrics": [_event_query(query) for query in alarm.metrics]}
    else:
        stat = {"metric": {"namespace": alarm.namespace, "name": alarm.metric_name,
                           "dimensions": {name: value for name, value in alarm.dimensions}},
                "period": alarm.period, "stat": alarm.statistic_text}
        if alarm.unit:
            stat["unit"] = alarm.unit
        configuration = {"description": body.get("AlarmDescription", ""),
                         "metrics": [{"id": "m1", "metricStat": stat, "returnData": True}]}
    detail: dict[str, Any] = {
        "alarmName": change.alarm_name,
        "state": {"value": change.state.value, "reason": change.reason,
                  "reasonData": _compact(dict(change.reason_data)), "timestamp": reason_data_timestamp(change.timestamp)},
        "previousState": {"value": change.previous_state.value, "reason": change.previous_reason},
        "configuration": configuration,
    }
    if change.alarm_type == "CompositeAlarm":
        detail["actionsSuppressedBy"] = suppressed_by
    return {
        "version": "0",
        "id": event_id or f"{change.alarm_name}:{change.timestamp:.3f}",
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": account,
        "time": iso_timestamp(int(change.timestamp)).replace("+00:00", "Z"),
        "region": region,
        "resources": [arn],
        "detail": detail,
    }

