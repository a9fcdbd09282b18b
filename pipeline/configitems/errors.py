"""Errors of the AWS Config engine, all rooted in ``PipelineError``."""

from __future__ import annotations

from pipeline.errors import PipelineError


class ConfigItemError(PipelineError):
    """A configuration item that cannot be accepted; the message says which field and why."""


class ResourceNotDiscoveredError(ConfigItemError):
    """No configuration item was ever recorded for the requested resource
    (GetResourceConfigHistory's ``ResourceNotDiscoveredException``)."""


class ConfigRuleError(PipelineError):
    """A config rule definition (PutConfigRule shape) or its parameters are invalid."""


class CustomRuleNotFoundError(ConfigRuleError):
    """A CUSTOM_LAMBDA rule names a callable that is neither registered nor an entry point
    in the ``pipeline.config_rules`` group. Install the package that provides it, or call
    ``register_config_rule`` before evaluating."""


class EvaluationError(PipelineError):
    """An evaluation (PutEvaluations shape) or a compliance query that cannot be accepted."""
