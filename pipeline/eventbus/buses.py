"""Event buses as EventBridge keeps them: CreateEventBus checked, DescribeEventBus and
ListEventBuses answered, and which buses the rules of a definition set need.

A custom bus is a definition (``EventBus/<name>`` on the definitions topic, written by
``pipeline create-event-bus`` or a ``CreateEventBus`` entry in a definitions file); the default
bus always exists. PutRule and PutTargets on a bus that does not exist are refused at ``pipeline
apply`` (ResourceNotFoundException, as AWS answers), while PutEvents to such a bus is accepted,
as AWS does (aws/aws-cli#9186). Buses named in ``PIPELINE_EVENT_BUSES`` (created at worker start
before this registry existed) count as existing.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from pipeline.errors import PipelineError

__all__ = ["EventBusError", "ResourceNotFoundException", "ResourceAlreadyExistsException", "validate_event_bus", "bus_arn", "describe_bus", "list_buses", "missing_buses",
           "check_rule_buses", "DEFAULT_BUS"]

DEFAULT_BUS = "default"
_NAME = re.compile(r"[/.\-_A-Za-z0-9]{1,256}")
_KEYS = {"Name", "Description", "KmsKeyIdentifier", "DeadLetterConfig", "Tags", "EventSourceName"}


class EventBusError(PipelineError):
    """A bus request EventBridge would refuse (its ValidationException)."""


class ResourceNotFoundException(EventBusError):
    """The bus does not exist (the CLI prints the class name, as the AWS CLI prints the code)."""


class ResourceAlreadyExistsException(EventBusError):
    """The bus exists already."""


def validate_event_bus(body: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """A CreateEventBus body -> (name, normalised body)."""
    if not isinstance(body, Mapping):
        raise EventBusError("The CreateEventBus request must be a JSON object.")
    unknown = set(body) - _KEYS
    if unknown:
        raise EventBusError(f"CreateEventBus: unknown parameters {sorted(unknown)}")
    name = body.get("Name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise EventBusError(f"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: "
                            f"Member must satisfy regular expression pattern: {_NAME.pattern}")
    if name == DEFAULT_BUS:
        raise ResourceAlreadyExistsException("Event bus default already exists.")
    if body.get("EventSourceName") is not None or name.startswith("aws."):
        raise EventBusError("Partner event buses (EventSourceName, names starting with aws.) are not supported "
                            "here.")
    normalised: dict[str, Any] = {"Name": name}
    description = body.get("Description")
    if description is not None:
        if not isinstance(description, str) or len(description) > 512:
            raise EventBusError("1 validation error detected: Value at 'description' failed to satisfy constraint: "
                                "Member must have length less than or equal to 512")
        normalised["Description"] = description
    for key in ("KmsKeyIdentifier", "DeadLetterConfig", "Tags"):
        if body.get(key) is not None:
            normalised[key] = body[key]
    return name, normalised


def bus_arn(name: str, account: str, region: str) -> str:
    return f"arn:aws:events:{region}:{account}:event-bus/{name}"


def describe_bus(name: str, body: Mapping[str, Any] | None, applied_ms: int | None, *, account: str,
                 region: str) -> dict[str, Any]:
    """DescribeEventBus's answer for the default bus (``body`` None) or a custom one."""
    found: dict[str, Any] = {"Name": name, "Arn": bus_arn(name, account, region)}
    if body is not None:
        for key in ("Description", "KmsKeyIdentifier", "DeadLetterConfig"):
            if body.get(key) is not None:
                found[key] = body[key]
    if applied_ms is not None:  # when the definition was last written: creation and last change alike
        found["CreationTime"] = found["LastModifiedTime"] = applied_ms / 1000
    return found


def list_buses(buses: Mapping[str, tuple[Mapping[str, Any] | None, int | None]], *, name_prefix: str | None = None,
               limit: int | None = None, account: str, region: str) -> dict[str, Any]:
    """ListEventBuses: ``buses`` maps name -> (body, applied ms); the default bus is always there."""
    every = dict(buses)
    every.setdefault(DEFAULT_BUS, (None, None))
    names = sorted(name for name in every if name_prefix is None or name.startswith(name_prefix))
    if limit is not None:
        if not 1 <= limit <= 100:
            raise EventBusError("1 validation error detected: Value at 'limit' failed to satisfy constraint: "
                                "Member must have value between 1 and 100")
        names = names[:limit]
    return {"EventBuses": [describe_bus(n, *every[n], account=account, region=region) for n in names]}


def check_rule_buses(definitions: Iterable[tuple[str, Mapping[str, Any]]], known: Iterable[str]) -> None:
    """ResourceNotFoundException, as PutRule and PutTargets answer, for the first Rule or Targets
    definition on a bus that is not ``known``."""
    for bus in missing_buses(definitions, known):
        raise ResourceNotFoundException(f"Event bus {bus} does not exist.")


def missing_buses(definitions: Iterable[tuple[str, Mapping[str, Any]]], known: Iterable[str]) -> list[str]:
    """The buses that (kind, body) Rule and Targets definitions name and that are not ``known``
    (the default bus always is), in the order first named."""
    known = set(known) | {DEFAULT_BUS}
    missing: list[str] = []
    for kind, body in definitions:
        if kind in ("Rule", "Targets"):
            bus = body.get("EventBusName", DEFAULT_BUS)
            if bus not in known and bus not in missing:
                missing.append(bus)
    return missing
