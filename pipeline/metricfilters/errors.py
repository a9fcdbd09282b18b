"""Errors of the metric-filter engine, all rooted in :class:`pipeline.errors.PipelineError`."""

from __future__ import annotations

from pipeline.errors import PipelineError

__all__ = ["FilterPatternError", "MetricFilterError", "MetricFilterLimitError"]

_SNIPPET_CHARS = 20  # how much of the pattern to quote after the error position


class FilterPatternError(PipelineError):
    """A filter pattern that CloudWatch Logs would refuse (``InvalidParameterException``).

    ``reason`` says what is wrong, ``position`` (0-based, or None) where in ``pattern``.
    """

    code = "InvalidParameterException"

    def __init__(self, reason: str, pattern: str | None = None, position: int | None = None):
        self.reason = reason
        self.pattern = pattern
        self.position = position
        message = f"Invalid filter pattern: {reason}"
        if pattern is not None and position is not None:
            near = pattern[position:position + _SNIPPET_CHARS]
            where = f'near "{near}"' if near else "at the end of the pattern"
            message += f" (at character {position + 1}, {where})"
        super().__init__(message)


class MetricFilterError(PipelineError):
    """A PutMetricFilter request that fails validation (``InvalidParameterException``)."""

    code = "InvalidParameterException"


class MetricFilterLimitError(MetricFilterError):
    """A log group would exceed a quota (100 metric filters, 5 regex-containing patterns).

    Remove a filter from the log group before adding another one.
    """

    code = "LimitExceededException"
