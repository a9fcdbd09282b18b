"""EventBridge event envelopes (eventbridge.md §1.1).

Pure: the time is always an argument; only the event id defaults to a random UUID (v4).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any, Iterable

from pipeline.errors import PipelineError

__all__ = [
    "EventError",
    "MAX_ENTRY_BYTES",
    "REQUIRED_TEST_FIELDS",
    "format_time",
    "build_event",
    "scheduled_event",
    "event_from_entry",
    "entry_size",
    "check_test_event",
]

MAX_ENTRY_BYTES = 256 * 1024  # PutEvents entry size limit (strictly less than this)
REQUIRED_TEST_FIELDS = ("id", "account", "source", "time", "region", "detail-type")


class EventError(PipelineError):
    """An event or PutEvents entry AWS would refuse."""

    aws_code = "ValidationException"


def format_time(moment: datetime | str) -> str:
    """ISO-8601 UTC with a Z and whole seconds, as EventBridge writes ``time``."""
    if isinstance(moment, str):
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_event(
    *,
    source: str,
    detail_type: str,
    detail: dict[str, Any],
    time: datetime | str,
    account: str,
    region: str,
    resources: Iterable[str] = (),
    event_id: str | None = None,
    replay_name: str | None = None,
) -> dict[str, Any]:
    """One event in EventBridge's field order; ``replay-name`` only on replayed events."""
    event = {
        "version": "0",
        "id": event_id if event_id is not None else str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": format_time(time),
        "region": region,
        "resources": list(resources),
        "detail": detail,
    }
    if replay_name is not None:
        event["replay-name"] = replay_name
    return event


def scheduled_event(*, rule_arn: str, time: datetime | str, account: str, region: str,
                    event_id: str | None = None) -> dict[str, Any]:
    """The event a scheduled rule emits."""
    return build_event(source="aws.events", detail_type="Scheduled Event", detail={}, time=time,
                       account=account, region=region, resources=[rule_arn], event_id=event_id)


def entry_size(entry: dict[str, Any]) -> int:
    """PutEvents size as AWS counts it: Time 14 bytes, the rest as UTF-8."""
    size = 14 if entry.get("Time") is not None else 0
    for key in ("Source", "DetailType", "Detail"):
        if entry.get(key) is not None:
            size += len(str(entry[key]).encode("utf-8"))
    for resource in entry.get("Resources") or ():
        size += len(str(resource).encode("utf-8"))
    return size


def event_from_entry(entry: dict[str, Any], *, account: str, region: str, time: datetime | str,
                     event_id: str | None = None) -> dict[str, Any]:
    """A PutEvents entry → event. ``time`` is used when the entry has no ``Time``."""
    for key in ("Source", "DetailType", "Detail"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise EventError(f"Parameter {key} is not valid.")
    try:
        detail = json.loads(entry["Detail"])
    except ValueError:
        raise EventError("Detail is malformed.") from None
    if not isinstance(detail, dict):
        raise EventError("Detail is malformed.")
    if entry_size(entry) >= MAX_ENTRY_BYTES:
        raise EventError("Total size of the entries in the request is over the limit.")
    return build_event(
        source=entry["Source"],
        detail_type=entry["DetailType"],
        detail=detail,
        time=entry.get("Time") or time,
        account=account,
        region=region,
        resources=entry.get("Resources") or (),
        event_id=event_id,
    )


def check_test_event(event: Any) -> dict[str, Any]:
    """TestEventPattern's check of its Event: a JSON object with the mandatory envelope fields."""
    if isinstance(event, str):
        try:
            event = json.loads(event)
        except ValueError:
            raise EventError("Parameter Event is not valid.") from None
    if not isinstance(event, dict) or any(key not in event for key in REQUIRED_TEST_FIELDS):
        raise EventError("Parameter Event is not valid.")
    return event
