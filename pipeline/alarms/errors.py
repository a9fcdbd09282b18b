"""Errors raised by the alarm engine, all rooted in :class:`AlarmError`."""

from __future__ import annotations

from pipeline.errors import PipelineError

__all__ = ["AlarmError", "AlarmValidationError", "AlarmRuleError", "MetricDataError"]


class AlarmError(PipelineError):
    """Base of every alarm-engine error."""


class AlarmValidationError(AlarmError):
    """A PutMetricAlarm / PutCompositeAlarm body that CloudWatch would refuse.

    The message follows the AWS ``ValidationError`` wording where it is known; fix the
    definition and put it again — the running alarm set is left as it was.
    """


class AlarmRuleError(AlarmValidationError):
    """A composite ``AlarmRule`` that does not parse; ``position`` is the 0-based offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"Error in alarm rule at position {position}: {message}")
        self.position = position


class MetricDataError(AlarmError):
    """A metric datum (simulate-alarm input) without a usable Timestamp or Value."""
