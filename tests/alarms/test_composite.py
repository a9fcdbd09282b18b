"""AlarmRule parsing and evaluation, composite state changes, cycles, the actions suppressor."""

from __future__ import annotations

import pytest

from pipeline.alarms import (
    AlarmRuleError,
    AlarmState,
    CompositeAlarm,
    evaluate_composite,
    find_cycle,
    new_suppression,
    parse_alarm_rule,
    suppression_step,
)
from tests.alarms.helpers import EPOCH

STATES = {"a": "ALARM", "b": "OK", "c": "INSUFFICIENT_DATA"}


@pytest.mark.parametrize("rule,expected", [
    ("ALARM(a)", True),
    ("ALARM(b)", False),
    ("OK(b)", True),
    ("INSUFFICIENT_DATA(c)", True),
    ("INSUFFICIENT_DATA(unknown-alarm)", True),
    ('ALARM("a")', True),
    ("ALARM( a )", True),
    ("ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:a)", True),
    ('ALARM("arn:aws:cloudwatch:us-east-1:123456789012:alarm:a")', True),
    ("TRUE", True),
    ("FALSE", False),
    ("NOT ALARM(b)", True),
    ("ALARM(a) AND ALARM(b)", False),
    ("ALARM(a) OR ALARM(b)", True),
    ("ALARM(b) OR ALARM(a) AND FALSE", False),  # AND binds tighter than OR
    ("(ALARM(b) OR ALARM(a)) AND TRUE", True),
    ("NOT ALARM(a) OR OK(b)", True),  # NOT binds tightest
    ("NOT (ALARM(a) OR OK(b))", False),
    ("ALARM(a) AND (OK(b) AND NOT (INSUFFICIENT_DATA(c) AND FALSE))", True),
    ('ALARM("name with spaces (and parens)") OR FALSE', False),
])
def test_rule_evaluation(rule, expected):
    assert parse_alarm_rule(rule).evaluate(STATES) is expected


def test_states_may_be_records_and_names_are_collected():
    rule = parse_alarm_rule('ALARM(a) OR OK("b") OR ALARM(a)')
    assert rule.alarm_names == ("a", "b")
    assert rule.evaluate({"a": {"StateValue": "ALARM", "Timestamp": EPOCH}})


@pytest.mark.parametrize("rule,message,position", [
    ("", "the alarm rule is empty", 0),
    ("ALARM(a) AND", "unexpected end of rule", 12),
    ("ALARM(a) XOR ALARM(b)", "unexpected 'XOR ALARM(b)'; expected AND, OR or end of rule", 9),
    ("alarm(a)", "'alarm' must be written in upper case: ALARM", 0),
    ("ALARM a", "expected '('", 6),
    ('ALARM("a)', "unterminated quoted alarm name", 6),
    ("ALARM()", "empty alarm name", 6),
    ("(ALARM(a)", "expected ')', found end of rule", 9),
    ("ALARM(a))", "unexpected ')'", 8),
    ("WARN(a)", "unexpected 'WARN'", 0),
    ("ALARM(a", "expected ')' after the alarm name", 6),
])
def test_rule_errors_carry_position(rule, message, position):
    with pytest.raises(AlarmRuleError) as caught:
        parse_alarm_rule(rule)
    assert message in str(caught.value)
    assert caught.value.position == position


def test_rule_limits():
    many = " OR ".join(f"ALARM(a{i})" for i in range(101))
    with pytest.raises(AlarmRuleError, match="at most 100 are allowed"):
        parse_alarm_rule(many)
    with pytest.raises(AlarmRuleError, match="longer than 10240"):
        parse_alarm_rule("ALARM(" + "x" * 10300 + ")")
    with pytest.raises(AlarmRuleError, match="elements; at most 500"):
        parse_alarm_rule(" OR ".join(["(TRUE)"] * 260))
    with pytest.raises(AlarmRuleError, match="nested more than 200 levels"):
        parse_alarm_rule("NOT " * 300 + "TRUE")


# AT_LEAST, in the string form AWS's CDK renders (AlarmRule.atLeast*): STATES has a in ALARM,
# b in OK, c in INSUFFICIENT_DATA
@pytest.mark.parametrize("rule,expected", [
    ("AT_LEAST(1, ALARM, (a, b, c))", True),
    ("AT_LEAST(2, ALARM, (a, b, c))", False),
    ("AT_LEAST(2, NOT OK, (a, b, c))", True),  # a and c are not OK
    ("AT_LEAST(3, NOT OK, (a, b, c))", False),
    ("AT_LEAST(1, INSUFFICIENT_DATA, (b, unknown-alarm))", True),  # an unknown child counts so
    ("AT_LEAST(34%, ALARM, (a, b, c))", False),  # 1 of 3 is 33.3 %: no rounding up
    ("AT_LEAST(33%, ALARM, (a, b, c))", True),
    ("AT_LEAST(100%, NOT ALARM, (b, c))", True),
    ('AT_LEAST(2, ALARM, ("a", arn:aws:cloudwatch:us-east-1:123456789012:alarm:a, b))', True),
    ('AT_LEAST(1,OK,("name, with comma", b))', True),
    ("AT_LEAST(1, ALARM, (b)) OR ALARM(a)", True),
    ("NOT AT_LEAST(1, ALARM, (a)) AND TRUE", False),
])
def test_at_least(rule, expected):
    assert parse_alarm_rule(rule).evaluate(STATES) is expected


def test_at_least_children_and_limits():
    rule = parse_alarm_rule("AT_LEAST(50%, ALARM, (x, y)) AND OK(z)")
    assert rule.alarm_names == ("x", "y", "z")
    assert rule.true_children({"x": "ALARM", "y": "OK", "z": "OK"}) == ["x", "z"]
    with pytest.raises(AlarmRuleError, match="at most 100 are allowed"):
        parse_alarm_rule("AT_LEAST(1, ALARM, (" + ", ".join(f"a{i}" for i in range(101)) + "))")


@pytest.mark.parametrize("rule,message,position", [
    ("AT_LEAST(0, ALARM, (a))", "count must be between 1 and the number of alarms listed (1), got 0", 9),
    ("AT_LEAST(3, ALARM, (a, b))", "got 3", 9),
    ("AT_LEAST(0%, OK, (a))", "percentage must be between 1 and 100, got 0%", 9),
    ("AT_LEAST(101%, OK, (a))", "got 101%", 9),
    ("AT_LEAST(two, OK, (a))", "needs a whole number or a percentage", 9),
    ("AT_LEAST(1, WARN, (a))", "found 'WARN'", 12),
    ("AT_LEAST(1, ALARM, a)", "expected '('", 19),
    ("AT_LEAST(1, ALARM, (a,))", "empty alarm name", 22),
    ("AT_LEAST(1, ALARM, (a)", "expected ')', found end of rule", 22),
    ("at_least(1, ALARM, (a))", "must be written in upper case: AT_LEAST", 0),
])
def test_at_least_errors(rule, message, position):
    with pytest.raises(AlarmRuleError) as caught:
        parse_alarm_rule(rule)
    assert message in str(caught.value)
    assert caught.value.position == position


def composite(**overrides):
    body = {"AlarmName": "service", "AlarmRule": "ALARM(cpu) OR ALARM(errors)", "AlarmActions": ["pages"]}
    body.update(overrides)
    return CompositeAlarm.from_dict(body)


def test_composite_transitions_and_reasons():
    alarm = composite()
    first = evaluate_composite(alarm, {"cpu": "OK", "errors": "OK"}, EPOCH, None)
    assert first.state is AlarmState.OK
    assert first.reason == "service was created and its alarm rule evaluates to OK"
    assert evaluate_composite(alarm, {"cpu": "OK", "errors": "OK"}, EPOCH + 60, "OK") is None
    states = {"cpu": {"StateValue": "ALARM", "Timestamp": EPOCH + 30}, "errors": "OK"}
    change = evaluate_composite(alarm, states, EPOCH + 60, "OK")
    assert change.state is AlarmState.ALARM and change.alarm_type == "CompositeAlarm"
    assert change.reason == "cpu transitioned to ALARM at Tuesday 24 November, 2026 10:00:30 UTC"
    assert change.reason_data == {"triggeringAlarms": [
        {"arn": "cpu", "state": {"value": "ALARM", "timestamp": "2026-11-24T10:00:30.000+0000"}}]}


def test_cycles_are_found():
    rules = {"x": parse_alarm_rule("ALARM(y)"), "y": parse_alarm_rule("ALARM(z) OR ALARM(m1)"),
             "z": parse_alarm_rule("ALARM(x)"), "w": parse_alarm_rule("ALARM(x)")}
    cycle = find_cycle(rules)
    assert cycle[0] == cycle[-1] and set(cycle) == {"x", "y", "z"}
    assert find_cycle({"x": parse_alarm_rule("ALARM(y)"), "y": parse_alarm_rule("ALARM(m1)")}) is None


def run_suppressor(alarm, events):
    """events: (time, composite_changed, suppressor_state) -> list of times when actions ran."""
    state, ran = new_suppression(), []
    for at, changed, suppressor in events:
        state, run = suppression_step(alarm, state, at, suppressor_state=suppressor, composite_changed=changed)
        if run:
            ran.append(at)
    return ran, state


def test_no_suppressor_runs_actions_at_once():
    ran, _ = run_suppressor(composite(), [(0, True, None), (10, False, None)])
    assert ran == [0]


def test_suppressor_wait_period_then_actions():
    """Composite changes, the suppressor never reaches ALARM: actions when WaitPeriod ends."""
    alarm = composite(ActionsSuppressor="maint", ActionsSuppressorWaitPeriod=60, ActionsSuppressorExtensionPeriod=60)
    ran, state = run_suppressor(alarm, [(0, True, "OK"), (30, False, "OK")])
    assert ran == [] and state["SuppressedBy"] == "WaitPeriod"
    ran, _ = run_suppressor(alarm, [(0, True, "OK"), (30, False, "OK"), (60, False, "OK")])
    assert ran == [60]


def test_suppressor_reaching_alarm_during_wait_suppresses_until_extension_ends():
    alarm = composite(ActionsSuppressor="maint", ActionsSuppressorWaitPeriod=60, ActionsSuppressorExtensionPeriod=120)
    events = [(0, True, "OK"), (20, False, "ALARM"), (60, False, "ALARM"), (300, False, "OK"),
              (360, False, "OK"), (420, False, "OK")]
    ran, state = run_suppressor(alarm, events)
    assert ran == [420]
    _, mid = run_suppressor(alarm, events[:2])
    assert mid["SuppressedBy"] == "Alarm"
    _, ext = run_suppressor(alarm, events[:4])
    assert ext["SuppressedBy"] == "ExtensionPeriod" and ext["Until"] == 420


def test_change_while_suppressor_in_alarm_and_a_new_change_restarts_the_wait():
    alarm = composite(ActionsSuppressor="maint", ActionsSuppressorWaitPeriod=60, ActionsSuppressorExtensionPeriod=60)
    ran, state = run_suppressor(alarm, [(0, True, "ALARM"), (100, False, "ALARM")])
    assert ran == [] and state["SuppressedBy"] == "Alarm"
    # suppressor leaves ALARM at 200 (extension to 260); the composite changes at 230 -> new wait to 290
    ran, state = run_suppressor(alarm, [(0, True, "ALARM"), (200, False, "OK"), (230, True, "OK"), (260, False, "OK"),
                                        (290, False, "OK")])
    assert ran == [290]
