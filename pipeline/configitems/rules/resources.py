"""A read-only view of the current items, for rules that look past the evaluated item
(CLOUD_TRAIL_ENABLED needs the trails, VPC_FLOW_LOGS_ENABLED the flow logs, the S3 rules the
account-level public access block).

Built from an iterable, the index is made on first use, so rules that never look at other items
never consume it. A Faust layer whose table is keyed ``resourceType/resourceId`` can instead pass
lookups: ``Resources(get=..., of_type=...)``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Iterable

from pipeline.configitems.item import is_deleted, parse_configuration_item

__all__ = ["Resources"]

GetFn = Callable[[str, str], Any]
OfTypeFn = Callable[[str], Iterable[Any]]


class Resources:
    """Current (not deleted) items by type and id."""

    def __init__(self, items: Iterable[Any] = (), *, get: GetFn | None = None, of_type: OfTypeFn | None = None) -> None:
        self._items = items
        self._get = get
        self._of_type = of_type
        self._index: dict[str, dict[str, dict[str, Any]]] | None = None

    def _build(self) -> dict[str, dict[str, dict[str, Any]]]:
        if self._index is None:
            by_type: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
            for raw in self._items:
                item = parse_configuration_item(raw)
                if not is_deleted(item):
                    by_type[item["resourceType"]][item["resourceId"]] = item
            self._index = dict(by_type)
        return self._index

    def of_type(self, resource_type: str) -> list[dict[str, Any]]:
        if self._of_type is not None:
            items = (parse_configuration_item(raw) for raw in self._of_type(resource_type) or ())
            return [item for item in items if not is_deleted(item)]
        return list(self._build().get(resource_type, {}).values())

    def get(self, resource_type: str, resource_id: str) -> dict[str, Any] | None:
        if self._get is not None:
            raw = self._get(resource_type, resource_id)
            item = None if raw is None else parse_configuration_item(raw)
            return None if item is None or is_deleted(item) else item
        if self._of_type is not None:
            return next((i for i in self.of_type(resource_type) if i["resourceId"] == resource_id), None)
        return self._build().get(resource_type, {}).get(resource_id)

    def all(self) -> list[dict[str, Any]]:
        """Every item (periodic runs); needs the iterable form."""
        return [item for items in self._build().values() for item in items.values()]

    def accounts(self) -> list[str]:
        return sorted({item["accountId"] for item in self.all() if item.get("accountId")})
