"""Pure parts of EventBridge buses, rules and targets: envelopes, target input, schedules, retry
decisions and PutRule/PutTargets validation. Imports neither faust nor kafka; reads no clock.
"""

from __future__ import annotations

from pipeline.eventbus.definitions import EventBusDefinitionError, validate_rule, validate_targets
from pipeline.eventbus.envelope import EventError, build_event, check_test_event, scheduled_event
from pipeline.eventbus.input import InputError, InputRenderError, render_target_input
from pipeline.eventbus.retry import RetryDecision, dead_letter_attributes, decide_retry
from pipeline.eventbus.schedule import Cron, Rate, ScheduleError, parse_schedule

__all__ = [
    "EventBusDefinitionError",
    "EventError",
    "InputError",
    "InputRenderError",
    "ScheduleError",
    "Cron",
    "Rate",
    "RetryDecision",
    "dead_letter_attributes",
    "decide_retry",
    "build_event",
    "check_test_event",
    "parse_schedule",
    "render_target_input",
    "scheduled_event",
    "validate_rule",
    "validate_targets",
]
