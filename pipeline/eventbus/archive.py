"""EventBridge archives and replays as pure functions (eventbridge.md §2.3).

* An archive (``CreateArchive``: name, source bus, optional event pattern, ``RetentionDays``)
  keeps every event of its bus that matches its pattern (all events without one). An event that
  carries ``replay-name`` is never archived again (AWS/moto add ``"replay-name": [{"exists":
  false}]`` to the archive's managed rule; we test the field directly).
* A replay (``StartReplay``) sends an archive's events whose *event time* lies in
  ``[EventStartTime, EventEndTime)`` back to the archive's own bus, with ``replay-name`` set, in
  one-minute buckets of event time (AWS: "not in archive order"); inside a bucket we keep archive
  order (AWS is silent). ``FilterArns`` restricts the replayed events to those rules.

Imports neither faust nor kafka; reads no clock (times are arguments).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any, Iterable, TypeVar

from pipeline.errors import PipelineError

__all__ = [
    "ArchiveError", "validate_archive", "validate_replay", "archive_arn", "replay_arn", "bus_arn",
    "bus_from_arn", "archive_from_arn", "archive_matches", "parse_time", "replay_order",
    "archive_topic_name", "retention_ms", "ARCHIVE_STATES", "REPLAY_STATES",
]

ARCHIVE_STATES = ("ENABLED", "DISABLED", "CREATING", "UPDATING", "CREATE_FAILED", "UPDATE_FAILED")
REPLAY_STATES = ("STARTING", "RUNNING", "CANCELLING", "COMPLETED", "CANCELLED", "FAILED")
_ARCHIVE_NAME = re.compile(r"[.\-_A-Za-z0-9]{1,48}")
_REPLAY_NAME = re.compile(r"[.\-_A-Za-z0-9]{1,64}")
_BUS_NAME = re.compile(r"[/.\-_A-Za-z0-9]{1,256}")
_ARN = re.compile(r"arn:aws[\w-]*:events:[\w-]+:[0-9]{12}:(event-bus|archive|rule|replay)/(.+)")
_MINUTE_MS = 60_000
T = TypeVar("T")


class ArchiveError(PipelineError):
    """A CreateArchive or StartReplay request AWS would refuse."""

    aws_code = "ValidationException"

    def __init__(self, message: str, code: str = "ValidationException") -> None:
        super().__init__(message)
        self.aws_code = code


def bus_arn(bus: str, *, region: str, account: str) -> str:
    return f"arn:aws:events:{region}:{account}:event-bus/{bus}"


def archive_arn(name: str, *, region: str, account: str) -> str:
    return f"arn:aws:events:{region}:{account}:archive/{name}"


def replay_arn(name: str, *, region: str, account: str) -> str:
    return f"arn:aws:events:{region}:{account}:replay/{name}"


def _from_arn(value: Any, kind: str, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ArchiveError(f"Parameter {where} is not valid.")
    match = _ARN.fullmatch(value)
    if match is None:
        return value  # a bare name (ours: the CLI accepts names where AWS wants ARNs)
    if match.group(1) != kind:
        raise ArchiveError(f"Parameter {where} is not valid. Reason: expected an {kind} ARN.")
    return match.group(2)


def bus_from_arn(value: Any, where: str = "EventSourceArn") -> str:
    bus = _from_arn(value, "event-bus", where)
    if not _BUS_NAME.fullmatch(bus):
        raise ArchiveError(f"Parameter {where} is not valid.")
    return bus


def archive_from_arn(value: Any, where: str = "EventSourceArn") -> str:
    name = _from_arn(value, "archive", where)
    if not _ARCHIVE_NAME.fullmatch(name):
        raise ArchiveError(f"Parameter {where} is not valid.")
    return name


def _request_name(body: dict[str, Any], action: str, allowed: set[str], key: str, pattern: re.Pattern) -> str:
    """Refuse unknown parameters, then return the request's name (``key``) if it fits ``pattern``."""
    unknown = set(body) - allowed
    if unknown:
        raise ArchiveError(f"{action}: unknown parameters {sorted(unknown)}")
    name = body.get(key)
    if not isinstance(name, str) or not pattern.fullmatch(name):
        member = key[0].lower() + key[1:]
        raise ArchiveError(f"1 validation error detected: Value '{name}' at '{member}' failed to satisfy "
                           f"constraint: Member must satisfy regular expression pattern: {pattern.pattern}")
    return name


def validate_archive(body: dict[str, Any]) -> dict[str, Any]:
    """CreateArchive body → normalised archive {ArchiveName, EventSourceBus, EventPattern?, RetentionDays}."""
    name = _request_name(body, "CreateArchive", {"ArchiveName", "EventSourceArn", "Description", "EventPattern",
                                                 "RetentionDays", "KmsKeyIdentifier"}, "ArchiveName", _ARCHIVE_NAME)
    archive: dict[str, Any] = {"ArchiveName": name, "EventSourceBus": bus_from_arn(body.get("EventSourceArn"))}
    pattern = body.get("EventPattern")
    if pattern is not None:
        from pipeline.eventpatterns import check_pattern

        text = pattern if isinstance(pattern, str) else json.dumps(pattern, separators=(",", ":"))
        check_pattern(text)  # EventPatternError → InvalidEventPatternException
        archive["EventPattern"] = text
    archive["RetentionDays"] = retention_days(body.get("RetentionDays", 0))
    if body.get("Description") is not None:
        archive["Description"] = description(body["Description"])
    return archive


def retention_days(days: Any) -> int:
    """A request's RetentionDays (0 = forever), or the ValidationException AWS answers."""
    if type(days) is not int or days < 0:
        raise ArchiveError(f"1 validation error detected: Value '{days}' at 'retentionDays' failed to satisfy "
                           "constraint: Member must have value greater than or equal to 0")
    return days


def description(text: Any) -> str:
    if not isinstance(text, str) or len(text) > 512:
        raise ArchiveError("Parameter Description is not valid.")
    return text


def parse_time(value: Any, where: str) -> datetime:
    """An ISO-8601 time (``Z`` or offset; naive = UTC) or epoch seconds → aware UTC datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, tz=timezone.utc)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            try:
                moment = datetime.fromtimestamp(float(value), tz=timezone.utc)
            except ValueError:
                raise ArchiveError(f"Parameter {where} is not valid.") from None
    else:
        raise ArchiveError(f"Parameter {where} is not valid.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def validate_replay(body: dict[str, Any], archive: dict[str, Any] | None) -> dict[str, Any]:
    """StartReplay body (with the archive it names, None if unknown) → normalised replay."""
    name = _request_name(body, "StartReplay", {"ReplayName", "Description", "EventSourceArn", "EventStartTime",
                                               "EventEndTime", "Destination"}, "ReplayName", _REPLAY_NAME)
    archive_name = archive_from_arn(body.get("EventSourceArn"))
    if archive is None:
        raise ArchiveError(f"Archive {archive_name} does not exist.", "ResourceNotFoundException")
    start = parse_time(body.get("EventStartTime"), "EventStartTime")
    end = parse_time(body.get("EventEndTime"), "EventEndTime")
    if start >= end:
        raise ArchiveError("Parameter EventStartTime is not valid. Reason: EventStartTime must be before "
                           "EventEndTime.")
    destination = body.get("Destination")
    if not isinstance(destination, dict) or "Arn" not in destination or set(destination) - {"Arn", "FilterArns"}:
        raise ArchiveError("Parameter Destination is not valid.")
    bus = bus_from_arn(destination["Arn"], "Destination.Arn")
    if bus != archive["EventSourceBus"]:
        raise ArchiveError("Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not "
                           "permitted.")
    filters = destination.get("FilterArns")
    if filters is not None and (not isinstance(filters, list) or not all(isinstance(f, str) for f in filters)):
        raise ArchiveError("Parameter Destination.FilterArns is not valid.")
    replay = {"ReplayName": name, "EventSourceArchive": archive_name, "EventStartTime": start,
              "EventEndTime": end, "DestinationBus": bus, "FilterArns": list(filters or [])}
    if body.get("Description") is not None:
        replay["Description"] = str(body["Description"])[:512]
    return replay


def archive_matches(archive: dict[str, Any], event: dict[str, Any]) -> bool:
    """Does ``archive`` keep ``event``? Replayed events never; otherwise its pattern decides."""
    if "replay-name" in event:
        return False
    pattern = archive.get("EventPattern")
    if pattern is None:
        return True
    from pipeline.eventpatterns import matches

    return matches(pattern, event)


def _event_ms(event: dict[str, Any]) -> int | None:
    try:
        return int(parse_time(event.get("time"), "time").timestamp() * 1000)
    except ArchiveError:
        return None


def replay_order(events: Iterable[T], start: datetime, end: datetime, *, event_of=lambda item: item) -> list[T]:
    """The archived items to replay, in replay order: event time in [start, end), one-minute buckets
    of event time ascending, archive order inside a bucket. Items whose event has no readable
    ``time`` are skipped. ``event_of`` gets the event dict out of an item."""
    start_ms, end_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    chosen = []
    for position, item in enumerate(events):
        moment = _event_ms(event_of(item))
        if moment is not None and start_ms <= moment < end_ms:
            chosen.append((moment // _MINUTE_MS, position, item))
    chosen.sort(key=lambda entry: (entry[0], entry[1]))
    return [item for _, _, item in chosen]


def archive_topic_name(prefix: str, archive_name: str) -> str:
    return f"{prefix}archive.{archive_name}"


def retention_ms(days: int) -> int:
    """Kafka ``retention.ms`` for RetentionDays (0 = keep forever = -1)."""
    return -1 if days == 0 else days * 86_400_000
