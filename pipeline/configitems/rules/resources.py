"""A read-only view of the current items, for rules that look past the evaluated item
(CLOUD_TRAIL_ENABLED needs the trails, VPC_FLOW_LOGS_ENABLED the flow logs)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Mapping

from pipeline.configitems.item import is_deleted, parse_configuration_item

__all__ = ["Resources"]


class Resources:
    """Current (not deleted) model items by type. Build once per evaluation round."""

    def __init__(self, items: Iterable[Any] = ()) -> None:
        by_type: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for raw in items:
            item = raw if _is_model(raw) else parse_configuration_item(raw)
            if not is_deleted(item):
                by_type[item["resourceType"]][item["resourceId"]] = item
        self._by_type = dict(by_type)

    def of_type(self, resource_type: str) -> list[dict[str, Any]]:
        return list(self._by_type.get(resource_type, {}).values())

    def get(self, resource_type: str, resource_id: str) -> dict[str, Any] | None:
        return self._by_type.get(resource_type, {}).get(resource_id)

    def all(self) -> list[dict[str, Any]]:
        return [item for items in self._by_type.values() for item in items.values()]

    def accounts(self) -> list[str]:
        return sorted({item["accountId"] for item in self.all() if item.get("accountId")})


def _is_model(raw: Any) -> bool:
    # a model dict has exactly our API names and a decoded configuration
    return isinstance(raw, Mapping) and "accountId" in raw and "relationships" in raw and not isinstance(
        raw.get("configuration"), str
    ) and "ARN" not in raw
