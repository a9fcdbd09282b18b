"""TreatMissingData: CloudWatch's documented algorithm for an evaluation range with gaps.

Input: one mark per period of the evaluation range, oldest first — ``"X"`` breaching, ``"0"``
not breaching, ``"-"`` missing — plus M (DatapointsToAlarm), N (EvaluationPeriods) and the
treatment. Output: the state to move to, or None to keep the current one.

Documented (AWS user guide, "Configuring how CloudWatch alarms treat missing data"):

1. no datapoint missing, or at least N real ones: evaluate the most recent N real datapoints
   (ALARM when at least M breach), whatever the treatment;
2. none real: ``missing`` -> INSUFFICIENT_DATA, ``ignore`` -> keep, ``breaching`` -> ALARM,
   ``notBreaching`` -> OK;
3. fewer than N real: fill with the treatment, use every real datapoint of the range and as few
   filled ones as possible (N - real);
4. premature alarm: ALARM when the oldest breaching datapoint of the last N periods is at least
   M periods old and all newer ones are breaching or missing.

AWS is silent on how 3 and 4 combine for ``missing`` / ``ignore``; this rule reproduces all ten
rows of the two documented tables: with some real datapoints but fewer than N, if at least M
of them breach -> ALARM; else if any real one does not breach -> OK (the real ones decide);
else (all real ones breach, fewer than M) ``missing`` applies rule 4 and otherwise keeps the
state, ``ignore`` keeps the state.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.alarms.model import AlarmState

__all__ = ["Decision", "decide", "BREACHING", "NOT_BREACHING", "MISSING"]

BREACHING, NOT_BREACHING, MISSING = "X", "0", "-"


@dataclass(frozen=True)
class Decision:
    """The outcome: ``state`` None = keep the current state.

    ``evaluated`` are indexes (into the marks) of the real datapoints that decided; ``filled`` is
    how many missing datapoints were filled with the treatment; ``breaches`` counts breaching
    datapoints among evaluated + filled.
    """

    state: AlarmState | None
    evaluated: tuple[int, ...]
    filled: int
    breaches: int


def decide(marks: str | list[str], datapoints_to_alarm: int, evaluation_periods: int, treatment: str) -> Decision:
    m, n = datapoints_to_alarm, evaluation_periods
    marks = [mark for mark in marks if mark in "X0-"] if isinstance(marks, str) else list(marks)
    real = [i for i, mark in enumerate(marks) if mark != MISSING]
    if not real:
        if treatment == "missing":
            return Decision(AlarmState.INSUFFICIENT_DATA, (), 0, 0)
        if treatment == "ignore":
            return Decision(None, (), 0, 0)
        if treatment == "breaching":
            return Decision(AlarmState.ALARM if n >= m else AlarmState.OK, (), n, n)
        return Decision(AlarmState.OK, (), n, 0)
    if len(real) >= n:
        evaluated = tuple(real[-n:])
        breaches = sum(marks[i] == BREACHING for i in evaluated)
        return Decision(AlarmState.ALARM if breaches >= m else AlarmState.OK, evaluated, 0, breaches)
    evaluated = tuple(real)
    breaches = sum(marks[i] == BREACHING for i in evaluated)
    if treatment in ("breaching", "notBreaching"):
        filled = n - len(real)
        if treatment == "breaching":
            breaches += filled
        return Decision(AlarmState.ALARM if breaches >= m else AlarmState.OK, evaluated, filled, breaches)
    if breaches >= m:
        return Decision(AlarmState.ALARM, evaluated, 0, breaches)
    if breaches < len(real):
        return Decision(AlarmState.OK, evaluated, 0, breaches)
    if treatment == "missing":
        recent = marks[-n:]
        ages = [len(recent) - i for i, mark in enumerate(recent) if mark == BREACHING]
        if ages and max(ages) >= m:
            return Decision(AlarmState.ALARM, evaluated, 0, breaches)
    return Decision(None, evaluated, 0, breaches)
