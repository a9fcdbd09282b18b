"""Record keys per topic role: they decide partitions, so related records meet on one worker."""

from __future__ import annotations

from typing import Any, Callable


def metric_identity(datum: dict[str, Any]) -> str:
    """Namespace, metric name and sorted dimensions: one metric, one partition, and the same
    string the alarm engine keys its buckets with."""
    from pipeline.alarms.model import metric_key

    return metric_key(datum["Namespace"], datum["MetricName"], datum.get("Dimensions") or ())


def resource_key(item: dict[str, Any]) -> str:
    return f"{item.get('resourceType')}/{item.get('resourceId')}"


KEY_FUNCTIONS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    # one log group per partition keeps a minute's event count (for defaultValue) on one worker
    "log-events": lambda e: e.get("logGroupName") or e.get("logGroup"),
    # by account: one account's records on one worker. Keying by eventID spreads a one-account
    # trail over every partition (the stage keeps no per-account state) but each batch then folds
    # fewer matches per metric and second: twice the metric data for the alarms agent, measured
    # slower for one worker (docs/performance.md, fourth round)
    "cloudtrail": lambda r: r.get("recipientAccountId") or r.get("eventID"),
    "config-items": resource_key,
    "config-history": resource_key,
    "config-current": resource_key,
    "metric-data": lambda d: metric_identity(d) if d.get("Namespace") and d.get("MetricName") else None,
    "event-bus": lambda e: e.get("id"),
}


def key_for(role: str | None, value: dict[str, Any]) -> bytes | None:
    function = KEY_FUNCTIONS.get(role or "")
    try:
        key = function(value) if function else None
    except (KeyError, TypeError, AttributeError):
        key = None
    return None if key is None else key.encode("utf-8")
