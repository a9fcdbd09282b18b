"""AWS Config, pure: configuration items, diffs, change notifications, rules and compliance.

No Kafka, no Faust, no clock: every time is an argument. The Faust layer keeps the current item
per resource and the compliance results in tables and calls these functions; see docs/config.md.
"""

from pipeline.configitems.errors import (
    ConfigItemError,
    ConfigRuleError,
    CustomRuleNotFoundError,
    EvaluationError,
    ResourceNotDiscoveredError,
)
from pipeline.configitems.item import (
    normalise_configuration_item,
    parse_configuration_item,
    resource_key,
    to_api_shape,
    to_notification_shape,
)
from pipeline.configitems.diff import diff_configuration_items
from pipeline.configitems.recorder import RecordDecision, RecordingGroup, record_step
from pipeline.configitems.history import config_snapshot, get_resource_config_history, resource_state_at
from pipeline.configitems.definitions import ConfigRule, compile_config_rule, validate_config_rule
from pipeline.configitems.rules.custom import register_config_rule, unregister_config_rule
from pipeline.configitems.rules.evaluate import evaluate_change, evaluate_periodic, periodic_due, rule_in_scope
from pipeline.configitems.compliance import (
    ComplianceTracker,
    apply_evaluation,
    describe_compliance_by_config_rule,
    get_compliance_details_by_config_rule,
    result_key,
)
from pipeline.configitems.notifications import aws_config_event

__all__ = [
    "ComplianceTracker",
    "ConfigItemError",
    "ConfigRule",
    "ConfigRuleError",
    "CustomRuleNotFoundError",
    "EvaluationError",
    "RecordDecision",
    "RecordingGroup",
    "ResourceNotDiscoveredError",
    "apply_evaluation",
    "aws_config_event",
    "compile_config_rule",
    "config_snapshot",
    "describe_compliance_by_config_rule",
    "diff_configuration_items",
    "evaluate_change",
    "evaluate_periodic",
    "get_compliance_details_by_config_rule",
    "get_resource_config_history",
    "normalise_configuration_item",
    "parse_configuration_item",
    "periodic_due",
    "record_step",
    "register_config_rule",
    "resource_key",
    "resource_state_at",
    "result_key",
    "rule_in_scope",
    "to_api_shape",
    "to_notification_shape",
    "unregister_config_rule",
    "validate_config_rule",
]
