"""Which engine validates which kind of definition.

Validators live in the engines and are imported on first use, so loading a definition of one
kind never imports the others. A validator takes the AWS request body (a dict) and returns
``(name, normalised_body)``; it raises a ``PipelineError`` subclass with a message that says
what is wrong.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from pipeline.errors import PipelineError


class DefinitionError(PipelineError):
    """A definition file or entry that cannot be loaded."""


# action name in files -> (kind on the topic, "module:function" of the validator)
KINDS: dict[str, tuple[str, str]] = {
    "PutMetricFilter": ("MetricFilter", "pipeline.metricfilters.definitions:validate_metric_filter"),
    "PutMetricAlarm": ("MetricAlarm", "pipeline.alarms.definitions:validate_metric_alarm"),
    "PutCompositeAlarm": ("CompositeAlarm", "pipeline.alarms.definitions:validate_composite_alarm"),
    "CreateEventBus": ("EventBus", "pipeline.eventbus.buses:validate_event_bus"),
    "PutRule": ("Rule", "pipeline.eventbus.definitions:validate_rule"),
    "PutTargets": ("Targets", "pipeline.eventbus.definitions:validate_targets"),
    "PutConfigRule": ("ConfigRule", "pipeline.configitems.definitions:validate_config_rule"),
}


@dataclass(frozen=True)
class Definition:
    kind: str  # MetricFilter, MetricAlarm, ...
    name: str
    body: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.name}"


def _validator(action: str) -> Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]:
    module_name, function_name = KINDS[action][1].split(":")
    return getattr(importlib.import_module(module_name), function_name)


def validate(action: str, body: Any) -> Definition:
    """Validate one entry (``PutMetricFilter`` + request body) and return the definition."""
    if action not in KINDS:
        known = ", ".join(sorted(KINDS))
        raise DefinitionError(f"unknown definition kind {action!r}; expected one of {known}")
    if not isinstance(body, dict):
        raise DefinitionError(f"{action}: the request must be a mapping, got {type(body).__name__}")
    name, normalised = _validator(action)(body)
    return Definition(kind=KINDS[action][0], name=name, body=normalised)
