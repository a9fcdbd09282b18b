"""GetResourceConfigHistory, point-in-time lookup and snapshots over lists of CIs.

The Faust layer (or a history store) hands over the CIs it kept for a resource; these functions
filter, order and shape them as the API does. Items may be in either spelling and in any order.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any, Iterable

from pipeline.configitems.errors import ConfigItemError, ResourceNotDiscoveredError
from pipeline.configitems.item import is_deleted, ordering_key, parse_configuration_item, to_api_shape
from pipeline.configitems.times import to_epoch_ms

__all__ = ["get_resource_config_history", "resource_state_at", "config_snapshot"]

DEFAULT_LIMIT = 10  # GetResourceConfigHistory's page size when Limit is 0 or absent [API]
MAX_LIMIT = 100
_SNAPSHOT_NAMESPACE = uuid.UUID("0e4c40c5-2b0c-4c8e-9d55-0c4a2f9e7b10")


def _resource_items(items: Iterable[Any], resource_type: str, resource_id: str) -> list[dict[str, Any]]:
    seen: set[tuple[int, int]] = set()
    out = []
    for raw in items:
        item = parse_configuration_item(raw)
        if item["resourceType"] != resource_type or item["resourceId"] != resource_id:
            continue
        if item["configurationItemCaptureTime"] is None:
            continue
        key = ordering_key(item)
        if key in seen:  # the same CI delivered twice
            continue
        seen.add(key)
        out.append(item)
    out.sort(key=ordering_key)
    return out


def get_resource_config_history(
    items: Iterable[Any],
    resource_type: str,
    resource_id: str,
    later_time: Any = None,
    earlier_time: Any = None,
    chronological_order: str = "Reverse",
    limit: int = DEFAULT_LIMIT,
    next_token: str | None = None,
) -> dict[str, Any]:
    """``{"configurationItems": [...API spelling...]}`` (+ ``nextToken`` when more remain).

    Both time bounds are inclusive on the capture time. ``chronological_order`` is ``Reverse``
    (newest first, the API default) or ``Forward``. ``limit`` 0 means the default of 10; at most
    100. ``next_token`` is the opaque token a previous page returned.

    :raises ResourceNotDiscoveredError: no CI of that resource at all.
    :raises ConfigItemError: invalid arguments.
    """
    if chronological_order not in ("Reverse", "Forward"):
        raise ConfigItemError("chronologicalOrder must be Reverse or Forward")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise ConfigItemError(f"limit must be an integer from 0 to {MAX_LIMIT}")
    limit = limit or DEFAULT_LIMIT
    history = _resource_items(items, resource_type, resource_id)
    if not history:
        raise ResourceNotDiscoveredError(f"Resource {resource_id} of resourceType:{resource_type} is unknown or has not been discovered")
    try:
        later_ms = None if later_time is None else to_epoch_ms(later_time, field="laterTime")
        earlier_ms = None if earlier_time is None else to_epoch_ms(earlier_time, field="earlierTime")
    except ValueError as error:
        raise ConfigItemError(str(error)) from None
    if later_ms is not None and earlier_ms is not None and earlier_ms > later_ms:
        raise ConfigItemError("earlierTime is after laterTime")
    selected = [
        item for item in history
        if (later_ms is None or ordering_key(item)[0] <= later_ms)
        and (earlier_ms is None or ordering_key(item)[0] >= earlier_ms)
    ]
    if chronological_order == "Reverse":
        selected.reverse()
    start = 0
    if next_token:
        try:
            start = int(next_token.split(":", 1)[1])
        except (IndexError, ValueError):
            raise ConfigItemError("nextToken is not valid") from None
    page = selected[start:start + limit]
    answer: dict[str, Any] = {"configurationItems": [to_api_shape(item) for item in page]}
    if start + limit < len(selected):
        answer["nextToken"] = f"offset:{start + limit}"
    return answer


def resource_state_at(items: Iterable[Any], resource_type: str, resource_id: str, at: Any) -> dict[str, Any] | None:
    """The model item in effect at time ``at`` (the last CI captured at or before it), or None."""
    at_ms = to_epoch_ms(at, field="at")
    state = None
    for item in _resource_items(items, resource_type, resource_id):
        if ordering_key(item)[0] <= at_ms:
            state = item
    return state


def config_snapshot(current_items: Iterable[Any], *, snapshot_id: str | None = None,
                    request_id: str | None = None) -> dict[str, Any]:
    """The snapshot document: ``{"fileVersion": "1.0", "configSnapshotId", "configurationItems"}``
    over the current items, deleted resources left out, ordered by type and id. Without
    ``snapshot_id`` a UUID derived from the content is used (same state, same id)."""
    items = [parse_configuration_item(raw) for raw in current_items]
    items = [item for item in items if not is_deleted(item)]
    items.sort(key=lambda item: (item["resourceType"], item["resourceId"]))
    shaped = [to_api_shape(item) for item in items]
    if snapshot_id is None:
        digest = hashlib.sha256(json.dumps(shaped, sort_keys=True, default=str).encode()).hexdigest()
        snapshot_id = str(uuid.uuid5(_SNAPSHOT_NAMESPACE, digest))
    document: dict[str, Any] = {"fileVersion": "1.0", "configSnapshotId": snapshot_id}
    if request_id is not None:
        document["requestId"] = request_id
    document["configurationItems"] = shaped
    return document
