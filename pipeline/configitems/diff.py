"""previous CI vs current CI -> the ``configurationItemDiff`` of a change notification.

What AWS's recorded diffs show (reference/config.md §3.1), and what this module does:

* paths are a section prefix (``Configuration``, ``SupplementaryConfiguration``,
  ``Relationships``) followed by each object key with its first letter upper-cased and array
  elements by number: ``Configuration.NetworkInterfaces.0``,
  ``SupplementaryConfiguration.BucketVersioningConfiguration.Status``;
* objects are walked key by key; a key present on both sides whose scalar value changed is an
  ``UPDATE`` with both values; a key only on one side is a ``CREATE`` / ``DELETE``;
* arrays are compared as multisets of whole elements: an element that changed inside is the
  ``DELETE`` of the old element plus the ``CREATE`` of the new one, never a nested path. Removed
  elements are numbered from 0 and added elements continue the count (``NetworkInterfaces.0``
  DELETE, ``NetworkInterfaces.1`` CREATE although the new array has one element) – inferred from
  the two AWS examples, it reproduces both exactly;
* relationship values are written in the notification spelling (``name``), as AWS does.

Our own choices where AWS shows nothing:

* the item's top-level tag map is diffed under ``Tags.<key>`` with the tag key left as it is
  (tag keys are user data; most resources also carry their tags inside ``configuration``);
* a first item (no previous, or the previous one deleted) is ``CREATE`` with no changed
  properties, as ci-03 shows; a deleted item is ``DELETE`` with no changed properties.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Mapping

from pipeline.configitems.item import DELETED_STATUSES, _notification_relationship

__all__ = ["diff_configuration_items", "change_type", "content_equal"]

_MISSING = object()


def change_type(previous: Mapping[str, Any] | None, current: Mapping[str, Any]) -> str:
    """CREATE for a first item (or one after a deletion), DELETE for a deleted item, else UPDATE."""
    if current.get("configurationItemStatus") in DELETED_STATUSES:
        return "DELETE"
    if previous is None or previous.get("configurationItemStatus") in DELETED_STATUSES:
        return "CREATE"
    return "UPDATE"


def diff_configuration_items(
    previous: Mapping[str, Any] | None, current: Mapping[str, Any]
) -> dict[str, Any]:
    """Both arguments are model dicts (``parse_configuration_item``); ``previous`` may be None.

    Returns ``{"changedProperties": {path: {previousValue, updatedValue, changeType}},
    "changeType": "CREATE" | "UPDATE" | "DELETE"}``.
    """
    kind = change_type(previous, current)
    changed: dict[str, dict[str, Any]] = {}
    if kind == "UPDATE":
        assert previous is not None
        _walk("Configuration", previous.get("configuration"), current.get("configuration"), changed)
        _walk(
            "SupplementaryConfiguration",
            previous.get("supplementaryConfiguration") or {},
            current.get("supplementaryConfiguration") or {},
            changed,
        )
        _walk(
            "Relationships",
            [_notification_relationship(r) for r in previous.get("relationships") or []],
            [_notification_relationship(r) for r in current.get("relationships") or []],
            changed,
        )
        _walk_tags(previous.get("tags") or {}, current.get("tags") or {}, changed)
    return {"changedProperties": changed, "changeType": kind}


def _canonical(value: Any) -> str:
    # JSON text with sorted keys tells true from 1 and compares nested values in one step
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def content_equal(a: Any, b: Any) -> bool:
    return _canonical(a) == _canonical(b)


def _capitalise(key: str) -> str:
    return key[:1].upper() + key[1:]


def _entry(previous: Any, updated: Any, kind: str) -> dict[str, Any]:
    return {"previousValue": previous, "updatedValue": updated, "changeType": kind}


def _walk(path: str, old: Any, new: Any, out: dict[str, dict[str, Any]]) -> None:
    if old is _MISSING and new is _MISSING:
        return
    if old is _MISSING:
        out[path] = _entry(None, new, "CREATE")
        return
    if new is _MISSING:
        out[path] = _entry(old, None, "DELETE")
        return
    if content_equal(old, new):
        return
    if old is None and isinstance(new, (dict, list)):
        old = type(new)()  # a section that appears (null -> object) is walked key by key
    if new is None and isinstance(old, (dict, list)):
        new = type(old)()
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            _walk(f"{path}.{_capitalise(str(key))}", old.get(key, _MISSING), new.get(key, _MISSING), out)
        return
    if isinstance(old, list) and isinstance(new, list):
        _walk_array(path, old, new, out)
        return
    out[path] = _entry(old, new, "UPDATE")


def _walk_array(path: str, old: list[Any], new: list[Any], out: dict[str, dict[str, Any]]) -> None:
    new_counts = Counter(_canonical(v) for v in new)
    old_counts = Counter(_canonical(v) for v in old)
    removed = []
    for value in old:
        key = _canonical(value)
        if new_counts[key] > 0:
            new_counts[key] -= 1
        else:
            removed.append(value)
    added = []
    for value in new:
        key = _canonical(value)
        if old_counts[key] > 0:
            old_counts[key] -= 1
        else:
            added.append(value)
    number = 0
    for value in removed:
        out[f"{path}.{number}"] = _entry(value, None, "DELETE")
        number += 1
    for value in added:
        out[f"{path}.{number}"] = _entry(None, value, "CREATE")
        number += 1


def _walk_tags(old: Mapping[str, Any], new: Mapping[str, Any], out: dict[str, dict[str, Any]]) -> None:
    for key in list(old) + [k for k in new if k not in old]:
        before, after = old.get(key, _MISSING), new.get(key, _MISSING)
        if before is _MISSING:
            out[f"Tags.{key}"] = _entry(None, after, "CREATE")
        elif after is _MISSING:
            out[f"Tags.{key}"] = _entry(before, None, "DELETE")
        elif before != after:
            out[f"Tags.{key}"] = _entry(before, after, "UPDATE")
