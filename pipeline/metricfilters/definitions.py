"""PutMetricFilter request -> validated definition (the ``definitions`` kind contract).

``validate_metric_filter(body) -> (name, normalised_body)`` with ``name = "logGroup/filterName"``.
The pattern is compiled to validate it, so a bad pattern is refused at put time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from .errors import MetricFilterError
from .parser import FilterPattern, compile_filter_pattern
from .transform import MetricTransformation

__all__ = ["MetricFilter", "validate_metric_filter", "metric_filter_from_body"]

_LOG_GROUP_RE = re.compile(r"[.\-_/#A-Za-z0-9]+")
_FILTER_NAME_RE = re.compile(r"[^:*]*")
_KNOWN = {"logGroupName", "filterName", "filterPattern", "metricTransformations",
          "applyOnTransformedLogs"}


def _constraint(value: Any, where: str, constraint: str) -> MetricFilterError:
    return MetricFilterError(f"1 validation error detected: Value '{value}' at '{where}' failed "
                             f"to satisfy constraint: {constraint}")


@dataclass(frozen=True)
class MetricFilter:
    """A validated metric filter: compiled pattern plus its one transformation."""

    log_group_name: str
    filter_name: str
    pattern: FilterPattern
    transformation: MetricTransformation
    apply_on_transformed_logs: bool = False

    @property
    def name(self) -> str:
        return f"{self.log_group_name}/{self.filter_name}"

    def to_aws(self) -> dict[str, Any]:
        return {"logGroupName": self.log_group_name, "filterName": self.filter_name,
                "filterPattern": self.pattern.text,
                "metricTransformations": [self.transformation.to_aws()],
                "applyOnTransformedLogs": self.apply_on_transformed_logs}


def metric_filter_from_body(body: Mapping[str, Any]) -> MetricFilter:
    """Validate a PutMetricFilter body; raises MetricFilterError / FilterPatternError."""
    if not isinstance(body, Mapping):
        raise MetricFilterError("the PutMetricFilter request must be an object")
    unknown = set(body) - _KNOWN
    if unknown:
        raise MetricFilterError(f"Unknown parameter(s) in PutMetricFilter: {sorted(unknown)}; "
                                f"expected {sorted(_KNOWN)}")
    group = body.get("logGroupName")
    if not isinstance(group, str) or not group:
        raise _constraint(group, "logGroupName", "Member must not be null or empty")
    if len(group) > 512:
        raise _constraint(group, "logGroupName",
                          "Member must have length less than or equal to 512")
    if not _LOG_GROUP_RE.fullmatch(group):
        raise _constraint(group, "logGroupName",
                          "Member must satisfy regular expression pattern: [.\\-_/#A-Za-z0-9]+")
    name = body.get("filterName")
    if not isinstance(name, str) or not name:
        raise _constraint(name, "filterName", "Member must not be null or empty")
    if len(name) > 512:
        raise _constraint(name, "filterName", "Member must have length less than or equal to 512")
    if not _FILTER_NAME_RE.fullmatch(name):
        raise _constraint(name, "filterName",
                          "Member must satisfy regular expression pattern: [^:*]*")
    text = body.get("filterPattern")
    if not isinstance(text, str):
        raise _constraint(text, "filterPattern", "Member must not be null")
    pattern = compile_filter_pattern(text)
    transformations = body.get("metricTransformations")
    if not isinstance(transformations, list) or len(transformations) != 1:
        count = len(transformations) if isinstance(transformations, list) else transformations
        raise _constraint(count, "metricTransformations",
                          "Member must have length less than or equal to 1 and greater than or "
                          "equal to 1")
    transformation = MetricTransformation.from_aws(transformations[0], pattern)
    apply = body.get("applyOnTransformedLogs", False)
    if not isinstance(apply, bool):
        raise _constraint(apply, "applyOnTransformedLogs", "Member must be a boolean")
    return MetricFilter(group, name, pattern, transformation, apply)


def validate_metric_filter(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The definitions-kind validator: ``(logGroupName/filterName, normalised body)``."""
    metric_filter = metric_filter_from_body(body)
    return metric_filter.name, metric_filter.to_aws()
