"""SetAlarmState as a pure function: the request checked as CloudWatch checks it, and the
transition it causes.

CloudWatch: "Temporarily sets the state of an alarm for testing purposes. When the updated state
differs from the previous value, the action configured for the appropriate state is invoked ...
the alarm returns to its actual state" at its next evaluation, which here compares the data with
the forced state like with any other previous state. A request for the state the alarm is
already in changes nothing (no transition, no actions, no history item): AWS is silent on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

from pipeline.alarms.errors import AlarmError
from pipeline.alarms.model import AlarmState, StateChange

__all__ = ["SetAlarmStateError", "SetAlarmState", "check_set_alarm_state", "forced_change"]

MAX_REASON = 1023
MAX_REASON_DATA = 4000


class SetAlarmStateError(AlarmError):
    def __init__(self, message: str, aws_code: str = "ValidationError") -> None:
        super().__init__(message)
        self.aws_code = aws_code


@dataclass(frozen=True)
class SetAlarmState:
    alarm_name: str
    state: AlarmState
    reason: str
    reason_data: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"AlarmName": self.alarm_name, "StateValue": self.state.value, "StateReason": self.reason,
                "StateReasonData": dict(self.reason_data)}

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> "SetAlarmState":
        return cls(body["AlarmName"], AlarmState.of(body["StateValue"]), body["StateReason"],
                   body.get("StateReasonData") or {})


def _invalid(value: Any, member: str, constraint: str) -> SetAlarmStateError:
    return SetAlarmStateError(f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
                              f"constraint: {constraint}")


def check_set_alarm_state(alarm_name: Any, state_value: Any, state_reason: Any,
                          state_reason_data: str | None = None) -> SetAlarmState:
    """A SetAlarmState request (StateReasonData as its JSON text) or the error CloudWatch answers."""
    if not isinstance(alarm_name, str) or not 1 <= len(alarm_name) <= 255:
        raise _invalid(alarm_name, "alarmName", "Member must have length between 1 and 255")
    if state_value not in {state.value for state in AlarmState}:
        raise _invalid(state_value, "stateValue", "Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]")
    if not isinstance(state_reason, str) or len(state_reason) > MAX_REASON:
        raise _invalid(state_reason, "stateReason", f"Member must have length less than or equal to {MAX_REASON}")
    data: Mapping[str, Any] = {}
    if state_reason_data is not None:
        if len(state_reason_data) > MAX_REASON_DATA:
            raise _invalid("...", "stateReasonData", f"Member must have length less than or equal to {MAX_REASON_DATA}")
        try:
            data = json.loads(state_reason_data)
        except ValueError:
            raise SetAlarmStateError("Data was not syntactically valid JSON", "InvalidFormat") from None
        if not isinstance(data, dict):
            raise SetAlarmStateError("Data was not syntactically valid JSON", "InvalidFormat")
    return SetAlarmState(alarm_name, AlarmState(state_value), state_reason, data)


def forced_change(request: SetAlarmState, previous_state: AlarmState | str | None, previous_reason: str,
                  now: float, alarm_type: str = "MetricAlarm") -> StateChange | None:
    """The transition SetAlarmState makes at ``now``, or None when the alarm is in that state."""
    previous = AlarmState.of(previous_state)
    if previous is request.state:
        return None
    return StateChange(alarm_name=request.alarm_name, previous_state=previous, state=request.state,
                       reason=request.reason, reason_data=request.reason_data, timestamp=now,
                       previous_reason=previous_reason, alarm_type=alarm_type)


def force_metric_alarm_state(request: SetAlarmState, state: Mapping[str, Any]
                             ) -> tuple[StateChange, dict[str, Any]] | None:
    """(the transition, the alarm's new state entry) for a metric alarm whose state entry is
    ``state`` (StateValue, StateReason, Timestamp, LastEvaluated), or None when it is already in
    the requested state. LastEvaluated is kept, so the next due evaluation compares the data with
    the forced state. The transition is stamped just after the last evaluated instant: evaluation
    runs in event time, up to PIPELINE_ALARM_WALL_LAG_S behind the wall clock, and the transition
    that takes the alarm back must come later for every reader that orders by StateChangeTime
    (composites, describe-alarms)."""
    stamp = max(state.get("Timestamp") or 0.0, state["LastEvaluated"]) + 0.001
    change = forced_change(request, state["StateValue"], state["StateReason"], stamp)
    if change is None:
        return None
    return change, dict(state, StateValue=change.state.value, StateReason=change.reason, Timestamp=change.timestamp)
