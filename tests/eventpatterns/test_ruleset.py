"""Rules added and removed at run time; cost per event does not grow with the rule count."""

from __future__ import annotations

import json
import threading

import pytest

from pipeline.eventpatterns import EventPatternError, RuleSet
from tests.fixtures.shared_data import SHARED_DATA

DATA = SHARED_DATA


def test_add_remove_replace():
    rules = RuleSet()
    assert rules.matching({"source": "a"}) == []
    rules.add("r1", '{"source": ["a"]}')
    rules.add("r2", {"source": [{"prefix": "a"}]})
    assert rules.matching({"source": "a"}) == ["r1", "r2"]
    assert rules.matching({"source": "ab"}) == ["r2"]
    rules.add("r1", {"source": ["ab"]})  # replace
    assert sorted(rules.matching({"source": "ab"})) == ["r1", "r2"]
    assert rules.remove("r2") is True
    assert rules.remove("r2") is False
    assert rules.matching({"source": "ab"}) == ["r1"]
    assert len(rules) == 1 and "r1" in rules


def test_invalid_rule_changes_nothing():
    rules = RuleSet({"ok": {"a": [1]}})
    with pytest.raises(EventPatternError):
        rules.add("ok", {"a": 1})
    with pytest.raises(EventPatternError):
        rules.add_many([("x", {"a": [2]}), ("y", {"a": []})])
    assert rules.names() == ["ok"]
    assert rules.matching({"a": 1}) == ["ok"]


def test_readers_keep_their_machine_while_rules_change():
    rules = RuleSet({"r": {"a": [1]}})
    machine = rules.rebuild()
    rules.add("s", {"a": [1]})
    assert machine.match({"a": 1})[0] == ["r"]  # the old machine is untouched
    assert rules.matching({"a": 1}) == ["r", "s"]


def test_concurrent_readers_and_writer():
    rules = RuleSet({"base": {"a": [1]}})
    errors = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            found = rules.matching({"a": 1})
            if "base" not in found:
                errors.append(found)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    for number in range(200):
        rules.add(f"r{number}", {"a": [number]})
        if number % 3 == 0:
            rules.remove(f"r{number}")
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == []
    assert rules.matching({"a": 5}) == ["r5"]


def _citylots():
    return [json.loads((DATA / f"cl-sample-{i}").read_text()) for i in range(3)]


def _rules(count):
    """Rules of several kinds that do not match the sample events (plus two that do)."""
    rules = {"street": {"properties": {"STREET": ["GREENWICH"]}},
             "poly": {"geometry": {"type": [{"prefix": "Poly"}]}}}
    for i in range(count):
        kind = i % 5
        if kind == 0:
            rules[f"x{i}"] = {"properties": {"MAPBLKLOT": [f"Z{i:06d}"]}}
        elif kind == 1:
            rules[f"x{i}"] = {"properties": {"STREET": [{"prefix": f"Q{i}"}]}}
        elif kind == 2:
            rules[f"x{i}"] = {"properties": {"ST_TYPE": [{"equals-ignore-case": f"T{i}"}]}}
        elif kind == 3:
            rules[f"x{i}"] = {"properties": {"FROM_ST": [{"suffix": f"-{i}"}]}}
        else:
            rules[f"x{i}"] = {"geometry": {"coordinates": [{"numeric": [">", 1000 + i, "<", 1001 + i]}]}}
    return rules


def test_work_per_event_does_not_grow_with_rules():
    events = _citylots()
    work = {}
    for count in (10, 100, 1000):
        rules = RuleSet(_rules(count))
        results = [rules.matching_with_work(event) for event in events]
        assert all("street" in names or "poly" in names for names, _ in results)
        work[count] = sum(w for _, w in results)
    # 100x the rules: the suffix/prefix length sets add a few probes at most
    assert work[1000] <= work[10] * 1.25, work
    assert work[1000] <= work[100] * 1.1, work


def test_reference_cost_grows_but_machine_answer_is_equal():
    from pipeline.eventpatterns.reference import reference_matches

    rules = _rules(200)
    ruleset = RuleSet(rules)
    for event in _citylots():
        expected = [name for name, pattern in rules.items() if reference_matches(pattern, event)]
        assert ruleset.matching(event) == expected


def test_shared_condition_does_not_cost_a_hit_per_rule():
    """1000 rules all say ST_TYPE = ST (true for the event) plus a distinct MAPBLKLOT each:
    only the selective condition is indexed, so the work stays flat."""
    events = _citylots()
    work = {}
    for count in (10, 1000):
        rules = RuleSet({f"r{i}": {"properties": {"MAPBLKLOT": [f"Z{i}"], "ST_TYPE": ["ST"]}}
                         for i in range(count)})
        work[count] = sum(rules.matching_with_work(event)[1] for event in events)
    assert work[1000] == work[10], work


def test_exists_false_only_rules_and_or_branches():
    rules = RuleSet({
        "no-x": {"x": [{"exists": False}]},
        "or": {"$or": [{"a": [1]}, {"b": [{"exists": False}]}]},
    })
    assert rules.matching({"x": 1, "b": 2}) == []
    assert rules.matching({"x": 1, "b": 2, "a": 1}) == ["or"]
    assert rules.matching({"y": 1}) == ["no-x", "or"]
