"""Matched log event -> PutMetricData datum (value, default value, dimensions, unit).

Choices where AWS is silent (see docs/metric-filters.md):
* the datum's ``Timestamp`` is the log event's ``timestamp`` (ms), not its ingestion time;
* a ``metricValue`` reference that is missing, non-numeric (``"abc"``, ``true``, an object) or
  not finite produces **no datum** for that event (LocalStack falls back to 1; we do not
  invent a value). Numeric strings (``"12.5"``, a delimited field ``1534``) are numbers;
* a dimension whose field is missing, null, an array or an object also produces no datum.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

from .errors import FilterPatternError, MetricFilterError
from .json_selector import MISSING
from .parser import DELIMITED, JSON, FilterPattern, Match, parse_reference
from .values import as_number, as_text

__all__ = ["MetricTransformation", "should_emit_default", "STANDARD_UNITS"]

MAX_DIMENSIONS = 3
_NAME_RE = re.compile(r"[^:*$]*")  # metricName / metricNamespace (botocore)

STANDARD_UNITS = frozenset((
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
    "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
    "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
))


def should_emit_default(events_in_minute: int, matches_in_minute: int) -> bool:
    """Whether a filter with a defaultValue reports it for a minute.

    AWS: the default is reported for a period in which log events were ingested but none
    matched; a minute with no events reports nothing.
    """
    return events_in_minute > 0 and matches_in_minute == 0


def _constraint(value: Any, where: str, constraint: str) -> MetricFilterError:
    return MetricFilterError(f"1 validation error detected: Value '{value}' at '{where}' "
                             f"failed to satisfy constraint: {constraint}")


def _check_reference(reference: str, pattern: FilterPattern, where: str,
                     allow_number: bool) -> tuple[str, Any]:
    try:
        kind, detail = parse_reference(reference)
    except FilterPatternError as error:
        raise MetricFilterError(f"Invalid {where}: {error.reason}") from None
    if kind == "number":
        if not allow_number:
            raise MetricFilterError(f"Invalid {where} {reference!r}: a dimension value must "
                                    "refer to a field ($.selector, $name or $N)")
        if not math.isfinite(detail):
            raise MetricFilterError(f"Invalid {where} {reference!r}: not a finite number")
        return kind, detail
    if kind == "json" and pattern.form != JSON:
        raise MetricFilterError(f"Invalid {where} {reference!r}: a $.selector needs a JSON "
                                "filter pattern")
    if kind in ("name", "position") and pattern.form != DELIMITED:
        raise MetricFilterError(f"Invalid {where} {reference!r}: $name and $N need a "
                                "space-delimited filter pattern")
    if kind == "name" and detail not in pattern.field_names:
        raise MetricFilterError(f"Invalid {where} {reference!r}: the filter pattern has no field "
                                f"named {detail!r}")
    return kind, reference.strip()


@dataclass(frozen=True)
class MetricTransformation:
    """One ``metricTransformations`` entry, checked against its pattern.

    :param metric_value: ``"1"``, ``"$.latency"``, ``"$bytes"`` or ``"$7"``
    :param default_value: reported for minutes with events but no match (None: nothing)
    :param dimensions: ``(name, reference)`` pairs, at most 3, JSON/delimited patterns only
    :param unit: a CloudWatch StandardUnit; None means "None"
    """

    metric_name: str
    metric_namespace: str
    metric_value: str
    default_value: float | None = None
    dimensions: tuple[tuple[str, str], ...] = ()
    unit: str | None = None
    _constant: float | None = None

    @classmethod
    def from_aws(cls, body: Mapping[str, Any], pattern: FilterPattern,
                 where: str = "metricTransformations.1") -> "MetricTransformation":
        """Build from the PutMetricFilter shape; raises MetricFilterError on bad input."""
        if not isinstance(body, Mapping):
            raise MetricFilterError(f"{where} must be an object")
        unknown = set(body) - {"metricName", "metricNamespace", "metricValue", "defaultValue",
                               "dimensions", "unit"}
        if unknown:
            raise MetricFilterError(f"{where}: unknown field(s) {sorted(unknown)}")
        for key in ("metricName", "metricNamespace"):
            value = body.get(key)
            if not isinstance(value, str) or not value:
                raise _constraint(value, f"{where}.member.{key}",
                                  "Member must not be null or empty")
            if len(value) > 255:
                raise _constraint(value, f"{where}.member.{key}",
                                  "Member must have length less than or equal to 255")
            if not _NAME_RE.fullmatch(value):
                raise _constraint(value, f"{where}.member.{key}",
                                  "Member must satisfy regular expression pattern: [^:*$]*")
        metric_value = body.get("metricValue")
        if not isinstance(metric_value, str) or not metric_value.strip():
            raise _constraint(metric_value, f"{where}.member.metricValue",
                              "Member must not be null or empty")
        if len(metric_value) > 100:
            raise _constraint(metric_value, f"{where}.member.metricValue",
                              "Member must have length less than or equal to 100")
        kind, detail = _check_reference(metric_value, pattern, "metricValue", allow_number=True)
        constant = detail if kind == "number" else None

        default = body.get("defaultValue")
        if default is not None:
            if isinstance(default, bool) or not isinstance(default, (int, float)) \
                    or not math.isfinite(default):
                raise _constraint(default, f"{where}.member.defaultValue",
                                  "Member must be a number")
            default = float(default)

        dims_body = body.get("dimensions") or {}
        if not isinstance(dims_body, Mapping):
            raise MetricFilterError(f"{where}.dimensions must be a map of name to field")
        dimensions: list[tuple[str, str]] = []
        if dims_body:
            if not pattern.supports_dimensions:
                raise MetricFilterError("The specified filter pattern does not support dimensions")
            if len(dims_body) > MAX_DIMENSIONS:
                raise MetricFilterError(f"A metric transformation can have at most "
                                        f"{MAX_DIMENSIONS} dimensions (got {len(dims_body)})")
            if default is not None:
                raise MetricFilterError("A default value cannot be specified when dimensions "
                                        "are set")
            for name, ref in dims_body.items():
                if not isinstance(name, str) or not name or len(name) > 255:
                    raise _constraint(name, f"{where}.member.dimensions",
                                      "Dimension names must be 1 to 255 characters")
                if not isinstance(ref, str) or len(ref) > 255:
                    raise _constraint(ref, f"{where}.member.dimensions",
                                      "Dimension values must be strings of at most 255 characters")
                _check_reference(ref, pattern, f"dimension {name!r}", allow_number=False)
                dimensions.append((name, ref.strip()))

        unit = body.get("unit")
        if unit is not None and unit not in STANDARD_UNITS:
            units = ", ".join(sorted(STANDARD_UNITS))
            raise _constraint(unit, f"{where}.member.unit",
                              f"Member must satisfy enum value set: {units}")
        return cls(body["metricName"], body["metricNamespace"], metric_value.strip(), default,
                   tuple(dimensions), unit, constant)

    def to_aws(self) -> dict[str, Any]:
        out: dict[str, Any] = {"metricName": self.metric_name,
                               "metricNamespace": self.metric_namespace,
                               "metricValue": self.metric_value}
        if self.default_value is not None:
            out["defaultValue"] = self.default_value
        if self.dimensions:
            out["dimensions"] = dict(self.dimensions)
        if self.unit is not None:
            out["unit"] = self.unit
        return out

    # -- per event ------------------------------------------------------------------------

    def value_for(self, match: Match) -> float | None:
        """The metric value this match contributes, or None (no datum)."""
        if self._constant is not None:
            return self._constant
        raw = match.value(self.metric_value)
        if raw is MISSING:
            return None
        number = as_number(raw)
        if number is None:
            return None
        number = float(number)
        return number if math.isfinite(number) else None

    def dimensions_for(self, match: Match) -> list[dict[str, str]] | None:
        out = []
        for name, ref in self.dimensions:
            raw = match.value(ref)
            if raw is True or raw is False:
                text: str | None = "true" if raw else "false"
            else:
                text = None if raw is MISSING else as_text(raw)
            if text is None:
                return None
            out.append({"Name": name, "Value": text})
        return out

    def datum(self, match: Match, timestamp_ms: int) -> dict[str, Any] | None:
        """A MetricDatum for one matching event, or None when the value/dimensions are missing."""
        value = self.value_for(match)
        if value is None:
            return None
        dimensions = self.dimensions_for(match) if self.dimensions else []
        if dimensions is None:
            return None
        return self._datum(value, dimensions, timestamp_ms)

    def default_datum(self, timestamp_ms: int) -> dict[str, Any] | None:
        """The defaultValue datum (for a minute chosen with :func:`should_emit_default`)."""
        if self.default_value is None:
            return None
        return self._datum(self.default_value, [], timestamp_ms)

    def _datum(self, value: float, dimensions: list, timestamp_ms: int) -> dict[str, Any]:
        return {"Namespace": self.metric_namespace, "MetricName": self.metric_name,
                "Dimensions": dimensions, "Timestamp": int(timestamp_ms), "Value": float(value),
                "Unit": self.unit or "None"}
