"""CloudTrail records -> CloudWatch Logs log events, as CloudTrail delivers them.

One record per log event; the message is the record's JSON; the stream is named
``{accountId}_CloudTrail_{region}`` (AWS doc "CloudWatch log group and log stream naming for
CloudTrail"). Pure: the ingestion time is an argument, never read from a clock.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Iterable, Mapping

from pipeline import jsontext
from pipeline.errors import PipelineError
from pipeline.timestamps import parse_timestamp

__all__ = ["cloudtrail_to_log_events", "CloudTrailError"]


class CloudTrailError(PipelineError):
    """A CloudTrail payload that is not a record or a {"Records": [...]} file."""


def _event_time_ms(value: Any) -> int:
    if not isinstance(value, str):
        raise CloudTrailError(f"eventTime must be an ISO 8601 string, got {value!r}")
    return _iso_time_ms(value)


@lru_cache(maxsize=4096)  # CloudTrail times have whole seconds: a busy trail repeats each one
def _iso_time_ms(value: str) -> int:
    try:
        return int(parse_timestamp(value, field="eventTime").timestamp() * 1000)
    except ValueError as error:
        raise CloudTrailError(str(error)) from None


def _account(record: Mapping[str, Any]) -> str:
    account = record.get("recipientAccountId")
    if not account:
        identity = record.get("userIdentity")
        account = identity.get("accountId") if isinstance(identity, Mapping) else None
    return str(account or "unknown")


def _is_mapping(value: Any) -> bool:
    return type(value) is dict or isinstance(value, Mapping)  # dict first: ABC checks cost


def cloudtrail_to_log_events(payload: Any, log_group_name: str, *,
                             ingestion_time_ms: int | None = None) -> list[dict[str, Any]]:
    """Log events for one record, a list of records, or a ``{"Records": [...]}`` file.

    :param payload: dict, list, or JSON text/bytes of those
    :param log_group_name: the trail's CloudWatch Logs group
    :param ingestion_time_ms: ``ingestionTime`` of every event; default: the event's own time
    :returns: events sorted by timestamp (PutLogEvents wants chronological order)
    """
    if isinstance(payload, (bytes, bytearray, str)):
        try:
            payload = json.loads(payload)
        except ValueError as error:
            raise CloudTrailError(f"CloudTrail payload is not JSON: {error}") from None
    records: Iterable[Any]
    is_mapping = _is_mapping(payload)
    if is_mapping and "Records" in payload:
        records = payload["Records"]
    elif is_mapping:
        records = [payload]
    elif isinstance(payload, list):
        records = payload
    else:
        raise CloudTrailError('CloudTrail payload must be a record or a {"Records": [...]} object')
    events = []
    for index, record in enumerate(records):
        if not _is_mapping(record) or "eventTime" not in record:
            raise CloudTrailError(f"record {index} is not a CloudTrail record (no eventTime)")
        timestamp = _event_time_ms(record["eventTime"])
        region = record.get("awsRegion") or "unknown"
        events.append({
            "logGroupName": log_group_name,
            "logStreamName": f"{_account(record)}_CloudTrail_{region}",
            "timestamp": timestamp,
            "message": jsontext.dumps(record),
            "ingestionTime": timestamp if ingestion_time_ms is None else int(ingestion_time_ms),
        })
    if len(events) > 1:
        events.sort(key=lambda e: e["timestamp"])
    return events
