"""Every row of CloudWatch's two documented missing-data tables, for all four treatments.

Tables from the CloudWatch user guide ("Configuring how CloudWatch alarms treat missing data"):
evaluation range 5, newest right. "retain" means the alarm keeps its current state. Each row is
checked on the pure decision function and through ``evaluate`` with real datapoints, from
every previous state.
"""

from __future__ import annotations

import pytest

from pipeline.alarms import AlarmState, evaluate
from pipeline.alarms.missing_data import decide
from tests.alarms.helpers import EPOCH, MINUTE, make_alarm, marks_to_series

TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")

# (M, N, data, outcomes for missing, ignore, breaching, notBreaching)
TABLE_1 = [  # DatapointsToAlarm = EvaluationPeriods = 3
    (3, 3, "0 - X - X", ("OK", "OK", "OK", "OK")),
    (3, 3, "0 - - - -", ("OK", "OK", "OK", "OK")),
    (3, 3, "- - - - -", ("INSUFFICIENT_DATA", "retain", "ALARM", "OK")),
    (3, 3, "0 X X - X", ("ALARM", "ALARM", "ALARM", "ALARM")),
    (3, 3, "- - X - -", ("ALARM", "retain", "ALARM", "OK")),
]
TABLE_2 = [  # DatapointsToAlarm = 2, EvaluationPeriods = 3
    (2, 3, "0 - X - X", ("ALARM", "ALARM", "ALARM", "ALARM")),
    (2, 3, "0 0 X 0 X", ("ALARM", "ALARM", "ALARM", "ALARM")),
    (2, 3, "0 - X - -", ("OK", "OK", "ALARM", "OK")),
    (2, 3, "- - - - 0", ("OK", "OK", "ALARM", "OK")),
    (2, 3, "- - - X -", ("ALARM", "retain", "ALARM", "OK")),
]
CASES = [
    pytest.param(m, n, data, treatment, outcomes[i], id=f"M{m}N{n} {data} {treatment}")
    for m, n, data, outcomes in TABLE_1 + TABLE_2
    for i, treatment in enumerate(TREATMENTS)
]


@pytest.mark.parametrize("m,n,data,treatment,expected", CASES)
def test_documented_row_decision(m, n, data, treatment, expected):
    decision = decide(data, m, n, treatment)
    if expected == "retain":
        assert decision.state is None
    else:
        assert decision.state is AlarmState(expected)


@pytest.mark.parametrize("previous", list(AlarmState))
@pytest.mark.parametrize("m,n,data,treatment,expected", CASES)
def test_documented_row_through_evaluate(m, n, data, treatment, expected, previous):
    alarm = make_alarm(EvaluationPeriods=n, DatapointsToAlarm=m, TreatMissingData=treatment)
    assert alarm.evaluation_range == 5
    at = EPOCH + 5 * MINUTE  # the five periods 10:00..10:04 have closed
    change = evaluate(alarm, marks_to_series(data), at, previous)
    wanted = previous if expected == "retain" else AlarmState(expected)
    if wanted is previous:
        assert change is None
    else:
        assert change is not None and change.state is wanted and change.previous_state is previous


def test_breaching_row_two_goes_to_alarm_once_the_good_point_leaves_the_range():
    """Table 1 row 2 with breaching: OK now; 'the next time ... it will go to ALARM'."""
    alarm = make_alarm(EvaluationPeriods=3, TreatMissingData="breaching")
    data = marks_to_series("0 - - - -")
    assert evaluate(alarm, data, EPOCH + 5 * MINUTE, "OK") is None
    change = evaluate(alarm, data, EPOCH + 6 * MINUTE, "OK")
    assert change.state is AlarmState.ALARM
    assert change.reason == (
        "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints "
        "were treated as [Breaching]."
    )


@pytest.mark.parametrize("data", ["- - - - X", "- - - X -"])
def test_premature_alarm_rule_does_not_alarm_early(data):
    """With M = N = 3 a lone recent breach does not alarm yet under missing (state kept)."""
    alarm = make_alarm(EvaluationPeriods=3)
    for previous in AlarmState:
        assert evaluate(alarm, marks_to_series(data), EPOCH + 5 * MINUTE, previous) is None


def test_enough_real_points_ignore_the_treatment():
    """Rule 1/2: with >= N real points the newest N real ones decide, reaching back over gaps."""
    alarm = make_alarm(EvaluationPeriods=3, TreatMissingData="breaching")
    change = evaluate(alarm, marks_to_series("X 0 - 0 0"), EPOCH + 5 * MINUTE, "ALARM")
    assert change.state is AlarmState.OK


def test_insufficient_data_reason():
    alarm = make_alarm(EvaluationPeriods=3)
    change = evaluate(alarm, {}, EPOCH + 5 * MINUTE, "OK")
    assert change.state is AlarmState.INSUFFICIENT_DATA
    assert change.reason == "Insufficient Data: 3 datapoints were unknown."
    assert change.reason_data["recentDatapoints"] == []
    assert change.reason_data["evaluatedDatapoints"] == [
        {"timestamp": "2026-11-24T10:04:00.000+0000"},
        {"timestamp": "2026-11-24T10:03:00.000+0000"},
        {"timestamp": "2026-11-24T10:02:00.000+0000"},
    ]


def test_not_breaching_fill_reason():
    alarm = make_alarm(EvaluationPeriods=2, TreatMissingData="notBreaching")
    change = evaluate(alarm, {}, EPOCH + 5 * MINUTE, "ALARM")
    assert change.reason == (
        "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints "
        "were treated as [NonBreaching]."
    )
