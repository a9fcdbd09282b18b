"""EventBridge event patterns: validation, one-pattern tests and all rules of a bus in one matcher.

Pure: imports neither faust nor kafka and reads no clock. See docs/event-patterns.md.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pipeline.eventpatterns.compiler import CompiledPattern, compile_pattern
from pipeline.eventpatterns.errors import EventPatternError
from pipeline.eventpatterns.machine import Machine, RuleSet

__all__ = ["EventPatternError", "RuleSet", "CompiledPattern", "check_pattern", "compile_pattern", "matches"]


@lru_cache(maxsize=256)
def _machine_for_text(pattern: str) -> Machine:
    return Machine({"pattern": compile_pattern(pattern)})


def check_pattern(pattern: str | dict) -> None:
    """Raise :class:`EventPatternError` (AWS's text) if ``pattern`` is not a valid event pattern."""
    compile_pattern(pattern)


def matches(pattern: str | dict, event: dict[str, Any]) -> bool:
    """Does one pattern match one event (TestEventPattern)? Invalid patterns raise."""
    if isinstance(pattern, str):
        machine = _machine_for_text(pattern)
    else:
        machine = Machine({"pattern": compile_pattern(pattern)})
    return bool(machine.match(event)[0])
