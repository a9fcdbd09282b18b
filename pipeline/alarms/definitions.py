"""Validators for PutMetricAlarm and PutCompositeAlarm bodies (the definitions contract).

Each returns ``(AlarmName, normalised_body)``: the body with defaults filled in
(DatapointsToAlarm = EvaluationPeriods, TreatMissingData ``missing``, ActionsEnabled true,
empty action lists, ...). Errors are :class:`AlarmValidationError` with AWS-like texts.
Two keys are our extensions: ``EvaluationDelay`` (seconds held back for late data, default 0)
and ``EvaluationWindow`` (``SlidingWindow``, default, or ``WallClockWindow``).
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from pipeline.alarms.errors import AlarmValidationError
from pipeline.alarms.periods import check_period
from pipeline.alarms.statistics import STATISTICS, parse_extended_statistic

__all__ = ["validate_metric_alarm", "validate_composite_alarm", "alarm_metric"]

COMPARISON_OPERATORS = (
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
)
BAND_OPERATORS = COMPARISON_OPERATORS[4:]
TREAT_MISSING_DATA = ("breaching", "notBreaching", "ignore", "missing")
MAX_ACTIONS = 5
MAX_DIMENSIONS = 30
MAX_PERIOD_TIMES_N = 604800  # 7 days
MAX_SHORT_PERIOD_TIMES_N = 86400  # 1 day when Period < 3600 s
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BAND = re.compile(r"^\s*ANOMALY_DETECTION_BAND\s*\(\s*([a-z][A-Za-z0-9_]*)\s*(?:,\s*([0-9]+(?:\.[0-9]+)?)\s*)?\)\s*$")

_METRIC_ALARM_KEYS = {
    "AlarmName", "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions",
    "InsufficientDataActions", "MetricName", "Namespace", "Statistic", "ExtendedStatistic",
    "Dimensions", "Period", "Unit", "EvaluationPeriods", "DatapointsToAlarm", "Threshold",
    "ComparisonOperator", "TreatMissingData", "EvaluateLowSampleCountPercentile", "Metrics",
    "Tags", "ThresholdMetricId", "EvaluationDelay", "EvaluationWindow",
}
_COMPOSITE_KEYS = {
    "AlarmName", "AlarmDescription", "AlarmRule", "ActionsEnabled", "AlarmActions", "OKActions",
    "InsufficientDataActions", "Tags", "ActionsSuppressor", "ActionsSuppressorWaitPeriod",
    "ActionsSuppressorExtensionPeriod",
}


def _error(message: str) -> AlarmValidationError:
    return AlarmValidationError(message)


def _null(member: str) -> AlarmValidationError:
    lower = member[0].lower() + member[1:]
    return _error(f"1 validation error detected: Value null at '{lower}' failed to satisfy constraint: "
                  "Member must not be null")


def _enum(member: str, value: Any, allowed: tuple[str, ...]) -> AlarmValidationError:
    lower = member[0].lower() + member[1:]
    return _error(f"1 validation error detected: Value '{value}' at '{lower}' failed to satisfy constraint: "
                  f"Member must satisfy enum value set: [{', '.join(allowed)}]")


def _integer(body: Mapping[str, Any], key: str, minimum: int, required: bool = False) -> int | None:
    value = body.get(key)
    if value is None:
        if required:
            raise _null(key)
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise _error(f"Invalid value for {key}: {value!r} is not an integer.")
    if value < minimum:
        lower = key[0].lower() + key[1:]
        raise _error(f"1 validation error detected: Value '{int(value)}' at '{lower}' failed to satisfy "
                     f"constraint: Member must have value greater than or equal to {minimum}")
    return int(value)


def _name(body: Mapping[str, Any]) -> str:
    name = body.get("AlarmName")
    if name is None:
        raise _null("AlarmName")
    if not isinstance(name, str) or not 1 <= len(name) <= 255:
        raise _error("1 validation error detected: Value at 'alarmName' failed to satisfy constraint: "
                     "Member must have length between 1 and 255")
    if _CONTROL.search(name):
        raise _error("Invalid value for AlarmName: alarm names must not contain ASCII control characters.")
    return name


def _actions(body: Mapping[str, Any], normalised: dict[str, Any]) -> None:
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        actions = body.get(key) or []
        if not isinstance(actions, list) or not all(isinstance(a, str) and a for a in actions):
            raise _error(f"Invalid value for {key}: expected a list of topic names or ARNs.")
        if len(actions) > MAX_ACTIONS:
            lower = key[0].lower() + key[1:]
            raise _error(f"1 validation error detected: Value at '{lower}' failed to satisfy constraint: "
                         f"Member must have length less than or equal to {MAX_ACTIONS}")
        normalised[key] = list(actions)
    enabled = body.get("ActionsEnabled", True)
    if not isinstance(enabled, bool):
        raise _error(f"Invalid value for ActionsEnabled: {enabled!r} is not a boolean.")
    normalised["ActionsEnabled"] = enabled


def _unknown_keys(body: Mapping[str, Any], known: set[str]) -> None:
    unknown = sorted(set(body) - known)
    if unknown:
        raise _error(f"Unknown parameter(s): {', '.join(unknown)}. Valid parameters are: {', '.join(sorted(known))}")


def _dimensions(value: Any) -> list[dict[str, str]]:
    dimensions = value or []
    if not isinstance(dimensions, list) or not all(
        isinstance(d, Mapping) and isinstance(d.get("Name"), str) and isinstance(d.get("Value"), str)
        for d in dimensions
    ):
        raise _error("Invalid value for Dimensions: expected a list of {\"Name\": ..., \"Value\": ...}.")
    if len(dimensions) > MAX_DIMENSIONS:
        raise _error(f"The collection Dimensions must not have a size greater than {MAX_DIMENSIONS}.")
    return [{"Name": d["Name"], "Value": d["Value"]} for d in dimensions]


def _statistic(holder: Mapping[str, Any], where: str = "") -> dict[str, Any]:
    statistic, extended = holder.get("Statistic"), holder.get("ExtendedStatistic")
    if statistic is not None and extended is not None:
        raise _error(f"{where}Exactly one element of the Statistic and ExtendedStatistic parameters must be "
                     "specified; you specified both.")
    if statistic is None and extended is None:
        raise _error(f"{where}Exactly one element of the Statistic and ExtendedStatistic parameters must be specified.")
    if statistic is not None:
        if statistic not in STATISTICS:
            raise _enum("Statistic", statistic, STATISTICS)
        return {"Statistic": statistic}
    parse_extended_statistic(extended)
    return {"ExtendedStatistic": extended}


def alarm_metric(body: Mapping[str, Any]) -> tuple[dict[str, Any], float | None]:
    """The alarmed metric of a normalised body as a flat dict (Namespace, MetricName, Dimensions,
    Period, Statistic or ExtendedStatistic, Unit) and the band width k (None if no band)."""
    metrics = body.get("Metrics")
    if not metrics:
        keys = ("Namespace", "MetricName", "Dimensions", "Period", "Statistic", "ExtendedStatistic", "Unit")
        return {k: body[k] for k in keys if body.get(k) is not None}, None
    if body.get("ComparisonOperator") not in BAND_OPERATORS:  # metric math: no one metric
        return {"Period": next(q["MetricStat"]["Period"] for q in metrics if "MetricStat" in q)}, None
    band_width = None
    stat_query = None
    for query in metrics:
        if "MetricStat" in query:
            stat_query = query
        elif query.get("Id") == body.get("ThresholdMetricId"):
            match = _BAND.match(query["Expression"])
            band_width = float(match.group(2)) if match and match.group(2) else 2.0
    stat = stat_query["MetricStat"]
    metric = stat["Metric"]
    flat = {
        "Namespace": metric.get("Namespace", ""),
        "MetricName": metric.get("MetricName", ""),
        "Dimensions": metric.get("Dimensions", []),
        "Period": stat["Period"],
    }
    flat.update(_statistic({"Statistic" if stat["Stat"] in STATISTICS else "ExtendedStatistic": stat["Stat"]}))
    if stat.get("Unit"):
        flat["Unit"] = stat["Unit"]
    return flat, band_width


def _no_flat_metric(body: Mapping[str, Any]) -> None:
    for key in ("MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Period", "Dimensions", "Unit"):
        if body.get(key) is not None:
            raise _error(f"Invalid request: {key} must not be specified when Metrics is specified.")


def _validate_metrics(body: Mapping[str, Any], normalised: dict[str, Any]) -> int:
    """The Metrics form: one MetricStat and one ANOMALY_DETECTION_BAND expression. Returns Period."""
    metrics = body["Metrics"]
    _no_flat_metric(body)
    if not isinstance(metrics, list) or not metrics or not all(isinstance(q, Mapping) for q in metrics):
        raise _error("Invalid value for Metrics: expected a non-empty list of MetricDataQuery.")
    stats = [q for q in metrics if "MetricStat" in q]
    expressions = [q for q in metrics if "Expression" in q]
    if len(stats) != 1 or len(expressions) != 1 or len(metrics) != 2:
        raise _error("Metric math alarms are supported only as one MetricStat plus one "
                     "ANOMALY_DETECTION_BAND(metric_id, k) expression.")
    stat_query, band_query = stats[0], expressions[0]
    match = _BAND.match(str(band_query["Expression"]))
    if not match:
        raise _error(f"Unsupported expression {band_query['Expression']!r}: only ANOMALY_DETECTION_BAND(metric_id, k) "
                     "can be alarmed on.")
    if match.group(1) != stat_query.get("Id"):
        raise _error(f"ANOMALY_DETECTION_BAND refers to {match.group(1)!r}, which is not the Id of the MetricStat.")
    if body.get("ThresholdMetricId") != band_query.get("Id"):
        raise _error("ThresholdMetricId must be the Id of the ANOMALY_DETECTION_BAND expression.")
    stat = stat_query["MetricStat"]
    if not isinstance(stat, Mapping) or not isinstance(stat.get("Metric"), Mapping) or not stat.get("Stat"):
        raise _error("Invalid value for MetricStat: Metric, Period and Stat are required.")
    period = check_period(stat.get("Period"))
    if period < 60:
        raise _error("Anomaly detection alarms need a Period of at least 60 seconds.")
    _dimensions(stat["Metric"].get("Dimensions"))
    if not stat["Metric"].get("MetricName"):
        raise _null("MetricName")
    if stat["Stat"] not in STATISTICS:
        parse_extended_statistic(stat["Stat"])
    normalised["Metrics"] = [dict(q) for q in metrics]
    return period


def _start(body: Mapping[str, Any], action: str, keys) -> tuple[str, dict[str, Any]]:
    """What both alarm kinds check first: a mapping, known keys, the name, the description."""
    if not isinstance(body, Mapping):
        raise _error(f"The {action} request must be a JSON object.")
    _unknown_keys(body, keys)
    name = _name(body)
    normalised: dict[str, Any] = {"AlarmName": name}
    if body.get("AlarmDescription") is not None:
        normalised["AlarmDescription"] = str(body["AlarmDescription"])
    return name, normalised


def validate_metric_alarm(body: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Validate a PutMetricAlarm body; return ``(AlarmName, normalised body)``."""
    name, normalised = _start(body, "PutMetricAlarm", _METRIC_ALARM_KEYS)
    _actions(body, normalised)
    operator = body.get("ComparisonOperator")
    if operator is None:
        raise _null("ComparisonOperator")
    if operator not in COMPARISON_OPERATORS:
        raise _enum("ComparisonOperator", operator, COMPARISON_OPERATORS)
    normalised["ComparisonOperator"] = operator
    evaluation_periods = _integer(body, "EvaluationPeriods", 1, required=True)
    datapoints_to_alarm = _integer(body, "DatapointsToAlarm", 1)
    if datapoints_to_alarm is None:
        datapoints_to_alarm = evaluation_periods
    if datapoints_to_alarm > evaluation_periods:
        raise _error(f"DatapointsToAlarm ({datapoints_to_alarm}) must be less than or equal to "
                     f"EvaluationPeriods ({evaluation_periods}).")
    normalised["EvaluationPeriods"] = evaluation_periods
    normalised["DatapointsToAlarm"] = datapoints_to_alarm

    band = operator in BAND_OPERATORS
    if band:
        if body.get("ThresholdMetricId") is None:
            raise _error(f"ThresholdMetricId must be specified with ComparisonOperator {operator}.")
        if body.get("Threshold") is not None:
            raise _error("Threshold must not be specified for an anomaly detection alarm; use ThresholdMetricId.")
        if not body.get("Metrics"):
            raise _error("An anomaly detection alarm needs Metrics with a MetricStat and an "
                         "ANOMALY_DETECTION_BAND expression.")
    else:
        if body.get("ThresholdMetricId") is not None:
            raise _error(f"ThresholdMetricId can only be used with the anomaly detection operators {', '.join(BAND_OPERATORS)}.")
        threshold = body.get("Threshold")
        if threshold is None:
            raise _null("Threshold")
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or threshold != threshold:
            raise _error(f"Invalid value for Threshold: {threshold!r} is not a number.")
        normalised["Threshold"] = float(threshold)

    if body.get("Metrics") and not band:  # metric math (pipeline.alarms.math_definitions)
        from pipeline.alarms.math_definitions import validate_math_metrics

        _no_flat_metric(body)
        normalised["Metrics"], period = validate_math_metrics(body["Metrics"])
        statistic_name = None
    elif body.get("Metrics"):
        period = _validate_metrics(body, normalised)
        normalised["ThresholdMetricId"] = body["ThresholdMetricId"]
        stat = body["Metrics"][0]["MetricStat"] if "MetricStat" in body["Metrics"][0] else body["Metrics"][1]["MetricStat"]
        statistic_name = stat["Stat"]
    else:
        for key in ("MetricName", "Namespace"):
            if not body.get(key):
                raise _null(key)
            if not isinstance(body[key], str):
                raise _error(f"Invalid value for {key}: {body[key]!r} is not a string.")
            normalised[key] = body[key]
        normalised["Dimensions"] = _dimensions(body.get("Dimensions"))
        if body.get("Period") is None:
            raise _null("Period")
        period = check_period(body["Period"])
        normalised["Period"] = period
        normalised.update(_statistic(body))
        statistic_name = body.get("Statistic") or body.get("ExtendedStatistic")
        if body.get("Unit") is not None:
            normalised["Unit"] = str(body["Unit"])

    limit = MAX_SHORT_PERIOD_TIMES_N if period < 3600 else MAX_PERIOD_TIMES_N
    if period * evaluation_periods > limit:
        raise _error(f"The evaluation period (Period * EvaluationPeriods = {period * evaluation_periods} s) must not "
                     f"exceed {limit} seconds ({'1 day' if limit == MAX_SHORT_PERIOD_TIMES_N else '7 days'}).")

    treat = body.get("TreatMissingData", "missing")
    if treat not in TREAT_MISSING_DATA:
        raise _enum("TreatMissingData", treat, TREAT_MISSING_DATA)
    normalised["TreatMissingData"] = treat
    low_count = body.get("EvaluateLowSampleCountPercentile")
    if low_count not in (None, ""):
        if low_count not in ("evaluate", "ignore"):
            raise _enum("EvaluateLowSampleCountPercentile", low_count, ("evaluate", "ignore"))
        if statistic_name in STATISTICS or not str(statistic_name).startswith("p"):
            raise _error("EvaluateLowSampleCountPercentile can only be used with a percentile ExtendedStatistic.")
        normalised["EvaluateLowSampleCountPercentile"] = low_count
    delay = _integer(body, "EvaluationDelay", 0)
    normalised["EvaluationDelay"] = delay or 0
    window = body.get("EvaluationWindow", "SlidingWindow")
    if window not in ("SlidingWindow", "WallClockWindow"):
        raise _enum("EvaluationWindow", window, ("SlidingWindow", "WallClockWindow"))
    normalised["EvaluationWindow"] = window
    if body.get("Tags") is not None:
        normalised["Tags"] = body["Tags"]
    return name, normalised


def validate_composite_alarm(body: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Validate a PutCompositeAlarm body; return ``(AlarmName, normalised body)``."""
    from pipeline.alarms.composite import alarm_name_of, parse_alarm_rule

    name, normalised = _start(body, "PutCompositeAlarm", _COMPOSITE_KEYS)
    if body.get("AlarmRule") is None:
        raise _null("AlarmRule")
    rule = parse_alarm_rule(body["AlarmRule"])
    if name in rule.alarm_names:
        raise _error(f"The alarm rule of {name!r} refers to the alarm itself.")
    normalised["AlarmRule"] = body["AlarmRule"]
    _actions(body, normalised)
    suppressor = body.get("ActionsSuppressor")
    if suppressor is not None:
        if not isinstance(suppressor, str) or not suppressor:
            raise _error("Invalid value for ActionsSuppressor: expected an alarm name or ARN.")
        normalised["ActionsSuppressor"] = alarm_name_of(suppressor)
        for key in ("ActionsSuppressorWaitPeriod", "ActionsSuppressorExtensionPeriod"):
            if body.get(key) is None:
                raise _error(f"{key} is required when ActionsSuppressor is specified.")
            normalised[key] = _integer(body, key, 0)
    else:
        for key in ("ActionsSuppressorWaitPeriod", "ActionsSuppressorExtensionPeriod"):
            if body.get(key) is not None:
                raise _error(f"{key} can only be specified together with ActionsSuppressor.")
    if body.get("Tags") is not None:
        normalised["Tags"] = body["Tags"]
    return name, normalised
