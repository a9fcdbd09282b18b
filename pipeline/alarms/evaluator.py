"""Metric alarm evaluation: period datapoints + evaluation time -> state change (or None).

Pure: no clock, no I/O. The caller (the Faust timer, or ``simulate``) passes

* ``datapoints_by_period``: ``{period start (epoch s): bucket}`` where a bucket is a
  :mod:`periods` dict (merged when several fall into one alarm period — so 60 s buckets serve a
  300 s alarm) or a plain number (the alarm statistic already computed for the period that
  starts at that key);
* ``at``: the evaluation instant (epoch s); ``previous_state``: the alarm's current state.

Window: the newest evaluated period ends at ``end = floor((at - EvaluationDelay) / step) * step``
with ``step`` = 60 s for periods >= 60 s and 10 s for 10/20/30 s periods (SlidingWindow, the
CloudWatch default: a 5-minute alarm evaluated at 10:06 looks at 10:01-10:06) or ``step`` =
Period (WallClockWindow). A period that has not ended by then — the open one — is never used.
The evaluation range is ``evaluation_range(N)`` periods ending at ``end``; :mod:`missing_data`
decides from it.

Buckets must be no coarser than the step: a bucket keyed ``k`` is counted in the alarm period
that contains ``k``, so with SlidingWindow keep buckets at the cadence (60 s; 10 s for
high-resolution alarms); coarser, period-aligned buckets are only right with WallClockWindow.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from pipeline.alarms import anomaly
from pipeline.alarms.missing_data import BREACHING, MISSING, NOT_BREACHING, decide
from pipeline.alarms.model import COMPARISON_TEXT, Alarm, AlarmState, StateChange
from pipeline.alarms.periods import merge_buckets, new_bucket, reason_data_timestamp, reason_timestamp
from pipeline.alarms.statistics import statistic_value, too_few_samples

__all__ = [
    "Evaluation",
    "Slot",
    "evaluate",
    "assess",
    "evaluation_end",
    "evaluation_times",
    "next_evaluation_time",
    "initial_state_change",
    "INITIAL_REASON",
]

INITIAL_REASON = "Unchecked: Initial alarm creation"


@dataclass(frozen=True)
class Slot:
    """One alarm period of the evaluation range."""

    start: int
    value: float | None  # the alarm statistic; None = missing
    sample_count: float | None
    lower: float | None = None  # anomaly band at this period, if any
    upper: float | None = None


@dataclass(frozen=True)
class Evaluation:
    """Result of one evaluation, whether or not the state changes."""

    state: AlarmState
    reason: str
    reason_data: dict[str, Any]
    changed: bool
    slots: tuple[Slot, ...]


def evaluation_end(alarm: Alarm, at: float) -> int:
    """End (exclusive) of the newest period an evaluation at ``at`` may use."""
    step = alarm.period if alarm.evaluation_window == "WallClockWindow" else alarm.cadence
    return int(math.floor((at - alarm.evaluation_delay) / step) * step)


def next_evaluation_time(alarm: Alarm, after: float) -> int:
    """The first evaluation instant strictly after ``after`` on the alarm's cadence."""
    step = alarm.cadence
    return int(math.floor(after / step) * step + step)


def evaluation_times(alarm: Alarm, start: float, end: float) -> Iterator[int]:
    """Evaluation instants in ``[start, end]`` on CloudWatch's cadence (every minute for periods
    >= 60 s, every 10 s for high-resolution alarms)."""
    moment = int(math.ceil(start / alarm.cadence) * alarm.cadence)
    while moment <= end:
        yield moment
        moment += alarm.cadence


def _sorted_keys(datapoints: Mapping[Any, Any]) -> tuple[list[int], list[Any]]:
    pairs = sorted((int(key), key) for key in datapoints)
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _collect(
    alarm: Alarm, datapoints: Mapping[Any, Any], end: int, model: dict[str, Any] | None
) -> list[Slot]:
    period = alarm.period
    count = alarm.evaluation_range
    keys, originals = _sorted_keys(datapoints)
    slots: list[Slot] = []
    for index in range(count):
        start = end - (count - index) * period
        lo = bisect.bisect_left(keys, start)
        hi = bisect.bisect_left(keys, start + period)
        value = sample_count = None
        if hi > lo:
            entries = [datapoints[originals[i]] for i in range(lo, hi)]
            if all(isinstance(e, (int, float)) for e in entries):
                if len(entries) != 1 or keys[lo] != start:
                    raise ValueError(
                        f"precomputed datapoints for alarm {alarm.name!r} must sit on period starts "
                        f"({period} s); merge buckets instead"
                    )
                value = float(entries[0])
            else:
                merged = entries[0] if len(entries) == 1 else new_bucket()
                if len(entries) > 1:
                    for entry in entries:
                        merge_buckets(merged, entry)
                value = statistic_value(merged, alarm.statistic, alarm.extended_statistic)
                sample_count = float(merged["SampleCount"]) if value is not None else None
        lower = upper = None
        if alarm.is_band_alarm:
            limits = anomaly.band(model, start, alarm.band_width or 2.0)
            if limits is None:
                value = sample_count = None  # no band yet: the datapoint cannot be judged
            else:
                lower, upper = limits
        slots.append(Slot(start, value, sample_count, lower, upper))
    return slots


def _breaches(alarm: Alarm, slot: Slot) -> bool:
    op, value = alarm.comparison_operator, slot.value
    if op == "GreaterThanOrEqualToThreshold":
        return value >= alarm.threshold
    if op == "GreaterThanThreshold":
        return value > alarm.threshold
    if op == "LessThanThreshold":
        return value < alarm.threshold
    if op == "LessThanOrEqualToThreshold":
        return value <= alarm.threshold
    if op == "LessThanLowerOrGreaterThanUpperThreshold":
        return value < slot.lower or value > slot.upper
    if op == "LessThanLowerThreshold":
        return value < slot.lower
    if op == "GreaterThanUpperThreshold":
        return value > slot.upper
    raise ValueError(f"unknown ComparisonOperator {op!r}")


def _number(value: float) -> str:
    return repr(float(value))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _threshold_reason(
    alarm: Alarm, slots: list[Slot], listed: list[int], count: int, state: AlarmState, previous: AlarmState
) -> str:
    n, m = alarm.evaluation_periods, alarm.datapoints_to_alarm
    points = ", ".join(f"{_number(slots[i].value)} ({reason_timestamp(slots[i].start)})" for i in listed)
    verb = "was" if count == 1 else "were"
    negation = "" if state is AlarmState.ALARM else "not "
    minimum = m if state is AlarmState.ALARM else n - m + 1
    comparison = COMPARISON_TEXT[alarm.comparison_operator]
    if alarm.is_band_alarm:
        comparison = comparison.format(
            lower="[" + ", ".join(_number(slots[i].lower) for i in listed) + "]",
            upper="[" + ", ".join(_number(slots[i].upper) for i in listed) + "]",
        )
        head, target = "Thresholds Crossed", comparison
    else:
        head, target = "Threshold Crossed", f"{comparison} the threshold ({_number(alarm.threshold)})"
    return (
        f"{head}: {count} out of the last {n} datapoints [{points}] {verb} {negation}{target} "
        f"(minimum {_plural(minimum, 'datapoint')} for {previous.value} -> {state.value} transition)."
    )


def _reason_data(alarm: Alarm, slots: list[Slot], evaluated: tuple[int, ...], at: float) -> dict[str, Any]:
    n = alarm.evaluation_periods
    shown = sorted(set(range(max(len(slots) - n, 0), len(slots))) | set(evaluated), reverse=True)
    data: dict[str, Any] = {
        "version": "1.0",
        "queryDate": reason_data_timestamp(at),
        "startDate": reason_data_timestamp(slots[shown[-1]].start if shown else slots[0].start),
    }
    if alarm.unit:
        data["unit"] = alarm.unit
    data["statistic"] = alarm.statistic_text
    data["period"] = alarm.period
    ordered = sorted(evaluated)
    data["recentDatapoints"] = [slots[i].value for i in ordered]
    if alarm.is_band_alarm:
        data["recentLowerThresholds"] = [slots[i].lower for i in ordered]
        data["recentUpperThresholds"] = [slots[i].upper for i in ordered]
    else:
        data["threshold"] = alarm.threshold
    points = []
    for i in shown:
        slot = slots[i]
        point: dict[str, Any] = {"timestamp": reason_data_timestamp(slot.start)}
        if slot.value is not None:
            if slot.sample_count is not None:
                point["sampleCount"] = slot.sample_count
            point["value"] = slot.value
        points.append(point)
    data["evaluatedDatapoints"] = points
    return data


def assess(
    alarm: Alarm,
    datapoints_by_period: Mapping[Any, Any],
    at: float,
    previous_state: AlarmState | str | None = None,
    *,
    anomaly_model: dict[str, Any] | None = None,
    previous_reason: str = "",
    describe: bool = False,
) -> Evaluation:
    """Evaluate; ``changed`` tells whether it is a transition.

    The reason and reason data are built only for a transition (CloudWatch keeps StateReason
    while the state holds) unless ``describe`` is true; otherwise ``reason`` is
    ``previous_reason`` and ``reason_data`` is empty.
    """
    previous = AlarmState.of(previous_state)
    slots = _collect(alarm, datapoints_by_period, evaluation_end(alarm, at), anomaly_model)
    keep = Evaluation(previous, previous_reason, {}, False, tuple(slots))
    spec = alarm.extended_statistic
    if spec is not None and alarm.evaluate_low_sample_count_percentile == "ignore":
        newest = next((s for s in reversed(slots) if s.value is not None), None)
        if newest is not None and newest.sample_count is not None and too_few_samples(spec, newest.sample_count):
            return keep  # documented: the state does not change during periods with too few samples
    marks = [MISSING if s.value is None else BREACHING if _breaches(alarm, s) else NOT_BREACHING for s in slots]
    treatment = alarm.treat_missing_data
    decision = decide(marks, alarm.datapoints_to_alarm, alarm.evaluation_periods, treatment)
    if decision.state is None:
        return keep
    state = decision.state
    if state is previous and not describe:
        return Evaluation(state, previous_reason, {}, False, tuple(slots))  # reason kept; skip formatting
    n = alarm.evaluation_periods
    if state is AlarmState.INSUFFICIENT_DATA:
        verb = "was" if n == 1 else "were"
        reason = f"Insufficient Data: {_plural(n, 'datapoint')} {verb} unknown."
    elif not decision.evaluated:
        label = "Breaching" if treatment == "breaching" else "NonBreaching"
        missing = sum(1 for s in slots[-n:] if s.value is None)
        verb = "was" if decision.filled == 1 else "were"
        reason = (
            f"Threshold Crossed: no datapoints were received for {_plural(missing, 'period')} and "
            f"{_plural(decision.filled, 'missing datapoint')} {verb} treated as [{label}]."
        )
    else:
        wanted = BREACHING if state is AlarmState.ALARM else NOT_BREACHING
        listed = [i for i in sorted(decision.evaluated, reverse=True) if marks[i] == wanted]
        count = decision.breaches if state is AlarmState.ALARM else (
            len(decision.evaluated) + decision.filled - decision.breaches
        )
        reason = _threshold_reason(alarm, slots, listed, count, state, previous)
    data = _reason_data(alarm, slots, decision.evaluated, at)
    return Evaluation(state, reason, data, state is not previous, tuple(slots))


def evaluate(
    alarm: Alarm,
    datapoints_by_period: Mapping[Any, Any],
    at: float,
    previous_state: AlarmState | str | None = None,
    *,
    anomaly_model: dict[str, Any] | None = None,
    previous_reason: str = "",
) -> StateChange | None:
    """Evaluate ``alarm`` at ``at``; a :class:`StateChange` on a transition, else None.

    :param datapoints_by_period: ``{period start: bucket dict or statistic value}``; buckets
        older than the evaluation range are ignored, so passing the whole table slice is fine.
    :param previous_state: the current state; None for a new alarm (INSUFFICIENT_DATA).
    :param anomaly_model: the :mod:`anomaly` model dict, for band alarms.
    """
    result = assess(
        alarm, datapoints_by_period, at, previous_state, anomaly_model=anomaly_model, previous_reason=previous_reason
    )
    if not result.changed:
        return None
    return StateChange(
        alarm_name=alarm.name,
        previous_state=AlarmState.of(previous_state),
        state=result.state,
        reason=result.reason,
        reason_data=result.reason_data,
        timestamp=float(at),
        previous_reason=previous_reason,
    )


def initial_state_change(alarm_name: str, at: float, alarm_type: str = "MetricAlarm") -> StateChange:
    """The state a new alarm starts in: INSUFFICIENT_DATA, 'Unchecked: Initial alarm creation'."""
    return StateChange(
        alarm_name=alarm_name,
        previous_state=AlarmState.INSUFFICIENT_DATA,
        state=AlarmState.INSUFFICIENT_DATA,
        reason=INITIAL_REASON,
        reason_data={},
        timestamp=float(at),
        alarm_type=alarm_type,
    )
