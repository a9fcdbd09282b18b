"""CloudWatch metric alarms, composite alarms and anomaly bands as pure functions.

No Kafka, no Faust, no clock: time is always an argument and state is plain dicts, so the
worker keeps buckets, alarm states and anomaly models in changelogged tables and calls these.
"""

from pipeline.alarms.composite import (
    AlarmRule,
    CompositeAlarm,
    evaluate_composite,
    find_cycle,
    new_suppression,
    parse_alarm_rule,
    suppression_step,
)
from pipeline.alarms.definitions import validate_composite_alarm, validate_metric_alarm
from pipeline.alarms.errors import AlarmError, AlarmRuleError, AlarmValidationError, MetricDataError
from pipeline.alarms.evaluator import (
    assess,
    evaluate,
    evaluation_end,
    evaluation_times,
    initial_state_change,
    next_evaluation_time,
)
from pipeline.alarms.history import action_item, state_change_event, state_update_item
from pipeline.alarms.model import Alarm, AlarmState, StateChange, metric_key
from pipeline.alarms.periods import (
    add_value,
    advance_watermark,
    check_datum_time,
    closed_before,
    expire_buckets,
    merge_buckets,
    new_bucket,
    period_start,
    retention_seconds,
)
from pipeline.alarms.query import get_metric_statistics
from pipeline.alarms.simulate import train_band_model

__all__ = [
    "Alarm",
    "AlarmState",
    "StateChange",
    "evaluate",
    "assess",
    "evaluation_end",
    "evaluation_times",
    "next_evaluation_time",
    "initial_state_change",
    "CompositeAlarm",
    "AlarmRule",
    "parse_alarm_rule",
    "evaluate_composite",
    "find_cycle",
    "new_suppression",
    "suppression_step",
    "validate_metric_alarm",
    "validate_composite_alarm",
    "state_update_item",
    "action_item",
    "state_change_event",
    "metric_key",
    "new_bucket",
    "add_value",
    "merge_buckets",
    "period_start",
    "expire_buckets",
    "retention_seconds",
    "advance_watermark",
    "closed_before",
    "check_datum_time",
    "get_metric_statistics",
    "train_band_model",
    "AlarmError",
    "AlarmValidationError",
    "AlarmRuleError",
    "MetricDataError",
]
