"""Is a configuration item in a rule's scope? (PutConfigRule ``Scope``)"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

__all__ = ["in_scope", "scope_types"]


def scope_types(scope: Mapping[str, Any] | None, default_types: Sequence[str] | None) -> tuple[str, ...] | None:
    """The resource types a rule applies to: the Scope's list, else the managed rule's default,
    else None (any type)."""
    types = (scope or {}).get("ComplianceResourceTypes")
    if types:
        return tuple(types)
    return tuple(default_types) if default_types else None


def in_scope(scope: Mapping[str, Any] | None, item: Mapping[str, Any],
             default_types: Sequence[str] | None = None) -> bool:
    """Resource type (Scope list or the rule's default), one resource id, and tag key (+ value)."""
    scope = scope or {}
    types = scope_types(scope, default_types)
    if types is not None and item.get("resourceType") not in types:
        return False
    resource_id = scope.get("ComplianceResourceId")
    if resource_id and item.get("resourceId") != resource_id:
        return False
    tag_key = scope.get("TagKey")
    if tag_key:
        tags = item.get("tags") or {}
        if tag_key not in tags:
            return False
        tag_value = scope.get("TagValue")
        if tag_value is not None and tags[tag_key] != tag_value:
            return False
    return True
