"""CloudWatch Logs metric filters, pure: filter patterns, metric transformations, CloudTrail.

``compile_filter_pattern(text).match(message)`` is the core; :class:`MetricFilterSet` is what a
worker keeps per log group. No Kafka, no Faust, no clock.
"""

from .cloudtrail import cloudtrail_to_log_events
from .definitions import MetricFilter, validate_metric_filter
from .errors import FilterPatternError, MetricFilterError, MetricFilterLimitError
from .filterset import MetricFilterSet
from .parser import FilterPattern, Match, compile_filter_pattern
from .transform import MetricTransformation, should_emit_default

__all__ = [
    "compile_filter_pattern", "FilterPattern", "Match", "FilterPatternError",
    "MetricFilterError", "MetricFilterLimitError", "MetricTransformation", "MetricFilter",
    "MetricFilterSet", "should_emit_default", "validate_metric_filter",
    "cloudtrail_to_log_events",
]
