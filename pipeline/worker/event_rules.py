"""Rules and targets as a worker holds them: one RuleSet per event bus, targets per rule."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pipeline.definitions import DefinitionStore
from pipeline.eventpatterns import RuleSet
from pipeline.worker.settings import account_id, region


@lru_cache(maxsize=4096)
def rule_arn(bus: str, rule: str) -> str:
    path = rule if bus == "default" else f"{bus}/{rule}"
    return f"arn:aws:events:{region()}:{account_id()}:rule/{path}"


class EventRuleRuntime:
    def __init__(self, store: DefinitionStore) -> None:
        self.rule_sets: dict[str, RuleSet] = {}  # bus -> enabled pattern rules
        self.rules: dict[str, dict[str, Any]] = {}  # "bus/rule" -> PutRule body
        self._bus_targets: dict[str, dict[str, list[dict[str, Any]]]] = {}  # bus -> rule -> targets
        store.subscribe("Rule", self._on_rule)
        store.subscribe("Targets", self._on_targets)

    def _on_rule(self, name: str, body: dict[str, Any] | None) -> None:
        bus, _, rule = name.partition("/")
        rule_set = self.rule_sets.setdefault(bus, RuleSet())
        rule_set.remove(rule)
        if body is None:
            self.rules.pop(name, None)
            return
        self.rules[name] = body
        if body.get("EventPattern") and body.get("State", "ENABLED") != "DISABLED":
            rule_set.add(rule, body["EventPattern"])

    def _on_targets(self, name: str, body: dict[str, Any] | None) -> None:
        bus, _, rule = name.partition("/")
        by_rule = self._bus_targets.setdefault(bus, {})
        if body is None:
            by_rule.pop(rule, None)
        else:
            by_rule[rule] = body["Targets"]

    def targets_of(self, name: str) -> list[dict[str, Any]]:
        """The targets of rule ``bus/rule``."""
        bus, _, rule = name.partition("/")
        return self._bus_targets.get(bus, {}).get(rule, [])

    def deliveries(self, bus: str, event: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """(rule name, target) for every target of every enabled rule the event matches."""
        rule_set = self.rule_sets.get(bus)
        if rule_set is None or not len(rule_set):
            return []
        by_rule = self._bus_targets.get(bus, {})
        return [(rule, target) for rule in rule_set.matching(event) for target in by_rule.get(rule, ())]

    def scheduled_rules(self) -> list[tuple[str, dict[str, Any]]]:
        return [(name, body) for name, body in self.rules.items()
                if body.get("ScheduleExpression") and body.get("State", "ENABLED") != "DISABLED"]
