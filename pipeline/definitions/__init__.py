"""Definitions (metric filters, alarms, rules, targets, config rules) as AWS API request data.

A definition file (YAML or JSON) holds a list of entries, each a one-key mapping named after the
AWS action whose request it carries::

    - PutMetricFilter: {logGroupName: app, filterName: errors, filterPattern: ERROR, ...}
    - PutMetricAlarm: {AlarmName: too-many-errors, ...}

Each kind is validated by its own engine (see ``kinds.py``); on the definitions topic it is keyed
``Kind/name`` (``MetricFilter/app/errors``).
"""

from pipeline.definitions.files import load_definitions
from pipeline.definitions.kinds import KINDS, Definition, DefinitionError, validate
from pipeline.definitions.store import DefinitionStore

__all__ = ["KINDS", "Definition", "DefinitionError", "DefinitionStore", "load_definitions", "validate"]
