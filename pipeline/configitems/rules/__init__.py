"""Config rules: managed rule functions, custom rules, scope and evaluation."""

from pipeline.configitems.rules.custom import (
    ENTRY_POINT_GROUP,
    RuleContext,
    register_config_rule,
    resolve_custom_rule,
    unregister_config_rule,
)
from pipeline.configitems.rules.managed import MANAGED_RULES
from pipeline.configitems.rules.resources import Resources
from pipeline.configitems.rules.scope import in_scope

__all__ = [
    "ENTRY_POINT_GROUP",
    "MANAGED_RULES",
    "Resources",
    "RuleContext",
    "in_scope",
    "register_config_rule",
    "resolve_custom_rule",
    "unregister_config_rule",
]
