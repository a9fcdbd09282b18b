"""SetAlarmState: what CloudWatch refuses, and the transition it makes."""

import pytest

from pipeline.alarms.model import AlarmState
from pipeline.alarms.set_state import SetAlarmState, SetAlarmStateError, check_set_alarm_state, forced_change


def test_a_request_is_read_with_its_reason_data():
    request = check_set_alarm_state("api-errors", "ALARM", "testing the pager", '{"by": "alice"}')
    assert request == SetAlarmState("api-errors", AlarmState.ALARM, "testing the pager", {"by": "alice"})
    assert SetAlarmState.from_dict(request.to_dict()) == request


@pytest.mark.parametrize("args, code, text", [
    (("", "ALARM", "r"), "ValidationError", "alarmName"),
    (("a" * 256, "ALARM", "r"), "ValidationError", "alarmName"),
    (("a", "FIRING", "r"), "ValidationError", "enum value set: [INSUFFICIENT_DATA, ALARM, OK]"),
    (("a", "ALARM", "r" * 1024), "ValidationError", "stateReason"),
    (("a", "ALARM", None), "ValidationError", "stateReason"),
    (("a", "ALARM", "r", "{not json"), "InvalidFormat", "not syntactically valid JSON"),
    (("a", "ALARM", "r", "[1, 2]"), "InvalidFormat", "not syntactically valid JSON"),
    (("a", "ALARM", "r", '{"x": "' + "y" * 4000 + '"}'), "ValidationError", "stateReasonData"),
])
def test_requests_cloudwatch_refuses(args, code, text):
    with pytest.raises(SetAlarmStateError) as refused:
        check_set_alarm_state(*args)
    assert refused.value.aws_code == code and text in str(refused.value)


def test_a_new_state_is_a_transition_with_the_given_reason():
    request = check_set_alarm_state("api-errors", "ALARM", "testing", '{"by": "alice"}')
    change = forced_change(request, "OK", "Threshold Crossed: ...", now=1_795_000_000.0)
    assert (change.previous_state, change.state, change.reason) == (AlarmState.OK, AlarmState.ALARM, "testing")
    assert change.reason_data == {"by": "alice"} and change.previous_reason == "Threshold Crossed: ..."
    assert change.timestamp == 1_795_000_000.0 and change.alarm_type == "MetricAlarm"
    assert forced_change(request, None, "", now=1.0).previous_state is AlarmState.INSUFFICIENT_DATA


def test_the_state_it_is_in_changes_nothing():
    request = check_set_alarm_state("api-errors", "OK", "testing")
    assert forced_change(request, "OK", "whatever", now=1.0) is None
