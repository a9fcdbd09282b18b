"""Errors of the event-pattern engine.

Every rejection goes through :func:`barf`, so the text always has AWS's shape:
``Event pattern is not valid. Reason: <reason>`` (what ``InvalidEventPatternException`` carries).
"""

from __future__ import annotations

from typing import NoReturn

from pipeline.errors import PipelineError

__all__ = ["EventPatternError", "barf"]

_PREFIX = "Event pattern is not valid. Reason: "


class EventPatternError(PipelineError):
    """An event pattern AWS would refuse; ``str(error)`` is AWS's message, ``reason`` the tail."""

    aws_code = "InvalidEventPatternException"

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(_PREFIX + reason)


def barf(reason: str) -> NoReturn:
    """Raise the one kind of error a pattern can produce."""
    raise EventPatternError(reason)
