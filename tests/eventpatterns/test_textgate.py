"""matching_text's gate: texts are skipped unparsed only when no rule can match."""

from __future__ import annotations

import json

import pytest

from pipeline.eventpatterns import RuleSet

PREFIX_M = {"a": [{"prefix": "M"}]}
NESTED_M = {"p": {"a": [{"prefix": "M"}]}}


class CountingLoads:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, text):
        self.calls += 1
        return json.loads(text)


@pytest.mark.parametrize("rule, text", [
    (PREFIX_M, '{"b": {"a": "x"}, "a": "MIS"}'),  # the key first seen at another depth
    (PREFIX_M, '{"a": ["x", "MIS"]}'),  # an array at the path
    (PREFIX_M, '{"x": "a", "a": "MIS"}'),  # the key's name as a value first
    (PREFIX_M, '{"x": ["a"], "a" :\n "MIS"}'),  # spaces and a newline around the colon
    (PREFIX_M, '{"xa": "MIS"}'),  # a longer key ending like the path's
    (PREFIX_M, '{"a": 5, "b": "MIS"}'),  # a number at the path
    (PREFIX_M, '{"a": {"a": "MIS"}}'),  # an object at the path: the leaf is a.a
    (PREFIX_M, '{"a": "x", "a": "MIS"}'),  # duplicate keys: the last wins
    (PREFIX_M, '{"a": "MIS", "a": "x"}'),
    (NESTED_M, '{"p.a": "MIS"}'),  # a dotted event key
    (NESTED_M, '{"p": [{"a": "x"}, {"a": "MIS"}]}'),  # objects in an array
    (NESTED_M, '{"q": {"a": "MIS"}, "p": {"a": "x"}}'),  # the key under another parent
    (NESTED_M, '{"p": {"a": "M\\u00e9"}}'),  # an escape: parsed as usual
    ({"a": [{"suffix": {"equals-ignore-case": "is"}}]}, '{"a": "MIS"}'),
    ({"a": [{"wildcard": "M*S"}], "b": ["x"]}, '{"b": "x", "a": "MS"}'),
    ({"a": [{"cidr": "10.0.0.0/8"}]}, '{"a": "10.1.2.3"}'),
    ({"a": ["MIS"]}, '{"a": "MIS"}'),
    ({"a": ["MIS"]}, '{"a": "MISS"}'),
    ({"a": ["é"]}, '{"a": "é"}'),
    (PREFIX_M, '{"b":{"a":"x"},"a":"MIS"}'),  # compact texts
    (PREFIX_M, '{"a":["x","MIS"]}'),
    (PREFIX_M, '{"a":5,"b":"MIS"}'),
    (PREFIX_M, '{"x":"a","a":"M"}'),
    ({"a": ["MIS"]}, '{"a":"MIS","b":"x"}'),
    ({"a": ["MIS"]}, '{"a":"MI","b":"S"}'),
])
def test_gate_agrees_with_matching(rule, text):
    rules = RuleSet({"r": rule})
    assert rules.rebuild().gate is not None
    assert rules.matching_text(text, json.loads) == rules.matching(json.loads(text))


def test_gate_skips_the_parse_when_no_value_can_match():
    rules = RuleSet({"r": NESTED_M, "s": {"source": ["x"], "n": [{"numeric": [">", 1]}]}})
    loads = CountingLoads()
    assert rules.matching_text('{"p": {"a": "x"}, "source": "y", "n": 5}', loads) == []
    assert loads.calls == 0
    assert rules.matching_text('{"p": {"a": "M"}, "source": "y", "n": 5}', loads) == ["r"]
    assert rules.matching_text(b'{"p": {"a": "M"}}', loads) == ["r"]  # bytes: parsed
    assert loads.calls == 2


def test_no_gate_when_a_branch_needs_no_string():
    assert RuleSet({"r": {"n": [{"numeric": [">", 1]}]}}).rebuild().gate is None
    assert RuleSet({"r": {"a": [{"anything-but": "x"}]}}).rebuild().gate is None
    assert RuleSet({"r": {"a": ["x", 5]}}).rebuild().gate is None  # 5 is not a string
    assert RuleSet({"r": {"$or": [{"a": ["x"]}, {"b": [{"exists": True}]}]}}).rebuild().gate is None
    assert RuleSet({"r": {"$or": [{"a": ["x"]}, {"b": [{"prefix": "y"}]}]}}).rebuild().gate is not None


def test_gate_with_many_affixes_uses_sets_per_length():
    rules = RuleSet({f"r{n}": {"a": [{"prefix": f"P{n}"} if n % 2 else {"suffix": {"equals-ignore-case": f"s{n}"}}]}
                     for n in range(40)})
    assert rules.rebuild().gate is not None
    for value in ["P1", "P13x", "P2", "xS2", "xs38", "S38x", "", 5]:
        text = json.dumps({"a": value, "b": {"a": "P3"}})
        assert rules.matching_text(text, json.loads) == rules.matching(json.loads(text)), text


def test_no_gate_with_many_wildcards():
    rules = RuleSet({f"r{n}": {"a": [{"wildcard": f"x*{n}"}]} for n in range(20)})
    assert rules.rebuild().gate is None
    assert rules.matching_text('{"a": "xy7"}', json.loads) == ["r7"]
