"""The PutMetricAlarm-shaped alarm, the alarm states, and a state change.

An :class:`Alarm` is built from a request body that :func:`validate_metric_alarm` accepted;
it is frozen and hashable so the Faust layer can cache one per definition and swap the whole
set when definitions change. :class:`StateChange` is what the evaluator returns on a
transition; ``to_dict()`` is plain JSON for a table or a topic.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from pipeline.alarms.periods import bucket_resolution, iso_timestamp
from pipeline.alarms.statistics import ExtendedStatistic, parse_extended_statistic

__all__ = ["AlarmState", "Alarm", "StateChange", "metric_key", "COMPARISON_TEXT", "BAND_OPERATORS"]


class AlarmState(str, enum.Enum):
    """The three CloudWatch alarm states."""

    OK = "OK"  # the metric is within the threshold
    ALARM = "ALARM"  # the metric is outside the threshold for M of the last N periods
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"  # just created, or not enough data to decide

    def __str__(self) -> str:
        return self.value

    @classmethod
    def of(cls, value: "AlarmState | str | None") -> "AlarmState":
        """The state for a value; None (a new alarm) is INSUFFICIENT_DATA. Unknown values raise."""
        if value is None:
            return cls.INSUFFICIENT_DATA
        if isinstance(value, cls):
            return value
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"unknown alarm state {value!r}; expected OK, ALARM or INSUFFICIENT_DATA") from None


# operator -> words used in StateReason ("was greater than or equal to the threshold")
COMPARISON_TEXT = {
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "GreaterThanThreshold": "greater than",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
    "LessThanLowerOrGreaterThanUpperThreshold": "less than the lower thresholds {lower} or greater than "
    "the upper thresholds {upper}",
    "LessThanLowerThreshold": "less than the lower thresholds {lower}",
    "GreaterThanUpperThreshold": "greater than the upper thresholds {upper}",
}
BAND_OPERATORS = frozenset(
    {"LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold"}
)


def metric_key(namespace: str, metric_name: str, dimensions: Any = ()) -> str:
    """A stable table key for one metric series: ``Namespace|MetricName|Name=Value,...``.

    Dimensions (a list of ``{"Name", "Value"}`` or of pairs) are sorted by name, so the order in
    which a datum lists them does not matter. The unit is not part of the key: the worker keeps
    one series of buckets per unit view of the metric (:mod:`pipeline.alarms.units`).
    """
    pairs = sorted(
        (d["Name"], d["Value"]) if isinstance(d, Mapping) else (d[0], d[1]) for d in (dimensions or ())
    )
    dims = ",".join(f"{name}={value}" for name, value in pairs)
    return f"{namespace}|{metric_name}|{dims}"


def evaluation_range_for(evaluation_periods: int) -> int:
    """How many periods are fetched for the missing-data algorithm.

    AWS does not document it except for N = 3 (5 periods); N + max(N // 3, 2) gives 5 for
    N = 3 and is LocalStack's choice too.
    """
    return evaluation_periods + max(evaluation_periods // 3, 2)


@dataclass(frozen=True)
class Alarm:
    """A metric alarm (single metric, or a metric with an ANOMALY_DETECTION_BAND)."""

    name: str
    namespace: str
    metric_name: str
    dimensions: tuple[tuple[str, str], ...]
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    comparison_operator: str
    statistic: str | None = None
    extended_statistic: ExtendedStatistic | None = None
    threshold: float | None = None
    threshold_metric_id: str | None = None
    band_width: float | None = None  # standard deviations of ANOMALY_DETECTION_BAND(m1, k)
    treat_missing_data: str = "missing"
    evaluate_low_sample_count_percentile: str = "evaluate"
    actions_enabled: bool = True
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()
    unit: str | None = None
    evaluation_delay: int = 0  # seconds held back for late data (our extension)
    evaluation_window: str = "SlidingWindow"  # or WallClockWindow (period-aligned)
    metrics: tuple[Mapping[str, Any], ...] = field(default=(), hash=False)  # a metric math alarm's queries
    queries: tuple[Any, ...] = field(default=(), compare=False, hash=False, repr=False)  # them compiled
    body: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> "Alarm":
        """Validate a PutMetricAlarm body and build the alarm (raises AlarmValidationError)."""
        from pipeline.alarms.definitions import validate_metric_alarm

        _, normalised = validate_metric_alarm(dict(body))
        return cls.from_normalised(normalised)

    @classmethod
    def from_normalised(cls, body: Mapping[str, Any]) -> "Alarm":
        """Build from the body :func:`validate_metric_alarm` returned (no checks repeated)."""
        from pipeline.alarms.definitions import alarm_metric

        metric, band_width = alarm_metric(body)
        metrics = tuple(body["Metrics"]) if body.get("Metrics") and band_width is None else ()
        queries: tuple[Any, ...] = ()
        if metrics:  # compiled once here, as a composite alarm's rule is
            from pipeline.metricmath import parse_queries

            queries = tuple(parse_queries(list(metrics)))
        extended = metric.get("ExtendedStatistic")
        return cls(
            name=body["AlarmName"],
            namespace=metric.get("Namespace", ""),
            metric_name=metric.get("MetricName", ""),
            dimensions=tuple((d["Name"], d["Value"]) for d in metric.get("Dimensions", [])),
            period=int(metric["Period"]),
            evaluation_periods=int(body["EvaluationPeriods"]),
            datapoints_to_alarm=int(body["DatapointsToAlarm"]),
            comparison_operator=body["ComparisonOperator"],
            statistic=metric.get("Statistic"),
            extended_statistic=parse_extended_statistic(extended) if extended else None,
            threshold=float(body["Threshold"]) if body.get("Threshold") is not None else None,
            threshold_metric_id=body.get("ThresholdMetricId"),
            band_width=band_width,
            treat_missing_data=body["TreatMissingData"],
            evaluate_low_sample_count_percentile=body.get("EvaluateLowSampleCountPercentile") or "evaluate",
            actions_enabled=bool(body["ActionsEnabled"]),
            alarm_actions=tuple(body["AlarmActions"]),
            ok_actions=tuple(body["OKActions"]),
            insufficient_data_actions=tuple(body["InsufficientDataActions"]),
            unit=metric.get("Unit"),
            evaluation_delay=int(body.get("EvaluationDelay", 0)),
            evaluation_window=body.get("EvaluationWindow", "SlidingWindow"),
            metrics=metrics,
            queries=queries,
            body=body,
        )

    @property
    def metric_key(self) -> str:
        """The :func:`metric_key` of the series this alarm reads."""
        return metric_key(self.namespace, self.metric_name, self.dimensions)

    @property
    def statistic_text(self) -> str:
        return self.extended_statistic.text if self.extended_statistic else str(self.statistic)

    @property
    def is_math_alarm(self) -> bool:
        """An alarm on a metric math expression (its data come from several metrics)."""
        return bool(self.metrics)

    @property
    def is_band_alarm(self) -> bool:
        return self.comparison_operator in BAND_OPERATORS

    @property
    def evaluation_range(self) -> int:
        return evaluation_range_for(self.evaluation_periods)

    @property
    def cadence(self) -> int:
        """Seconds between evaluations: 60 for periods >= 60 s, else 10."""
        return bucket_resolution(self.period)

    def actions_for(self, state: "AlarmState | str") -> tuple[str, ...]:
        """Topics to notify on a transition into ``state`` (empty when actions are disabled)."""
        return actions_for_state(self, state)


def actions_for_state(alarm: Any, state: "AlarmState | str") -> tuple[str, ...]:
    """The actions of a metric or composite alarm for a transition into ``state``."""
    if not alarm.actions_enabled:
        return ()
    state = AlarmState.of(state)
    if state is AlarmState.ALARM:
        return alarm.alarm_actions
    if state is AlarmState.OK:
        return alarm.ok_actions
    return alarm.insufficient_data_actions


@dataclass(frozen=True)
class StateChange:
    """One transition of an alarm's StateValue at ``timestamp`` (epoch seconds)."""

    alarm_name: str
    previous_state: AlarmState
    state: AlarmState
    reason: str
    reason_data: Mapping[str, Any]
    timestamp: float
    previous_reason: str = ""
    alarm_type: str = "MetricAlarm"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: AlarmName, OldStateValue, StateValue, StateReason, StateReasonData (a JSON
        string, as in DescribeAlarms), Timestamp (ISO 8601) and TimestampEpoch."""
        return {
            "AlarmName": self.alarm_name,
            "AlarmType": self.alarm_type,
            "OldStateValue": self.previous_state.value,
            "OldStateReason": self.previous_reason,
            "StateValue": self.state.value,
            "StateReason": self.reason,
            "StateReasonData": json.dumps(self.reason_data, separators=(",", ":")),
            "Timestamp": iso_timestamp(self.timestamp),
            "TimestampEpoch": self.timestamp,
        }

    def to_record(
        self, *, actions: list[str] | tuple[str, ...] = (), actions_enabled: bool = True,
        configuration: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The ``alarm-state-changes`` topic record (``schemas/alarm_state_change.avsc``)."""
        return {
            "AlarmName": self.alarm_name,
            "AlarmType": self.alarm_type,
            "OldStateValue": self.previous_state.value,
            "NewStateValue": self.state.value,
            "NewStateReason": self.reason,
            "StateReasonData": json.dumps(self.reason_data, separators=(",", ":")) if self.reason_data else None,
            "StateChangeTime": int(round(self.timestamp * 1000)),
            "ActionsEnabled": actions_enabled,
            "Actions": list(actions),
            "Configuration": json.dumps(dict(configuration), separators=(",", ":")) if configuration else None,
        }
