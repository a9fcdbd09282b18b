"""Errors of metric math (expressions and GetMetricData queries)."""

from __future__ import annotations

from pipeline.errors import PipelineError


class MetricMathError(PipelineError):
    """An expression or a MetricDataQuery CloudWatch would refuse (ValidationError)."""
