"""A filter set tries only the filters whose required texts an event holds (_Candidates):
the matches must be exactly those of trying every filter."""

from __future__ import annotations

import json

from hypothesis import assume, given, settings, strategies as st

from pipeline.metricfilters import MetricFilterSet
from pipeline.metricfilters.errors import FilterPatternError
from pipeline.metricfilters.json_selector import required_literals
from pipeline.metricfilters.parser import compile_filter_pattern
from tests.metricfilters.test_cis_pack import RECORDS, pack_filters

SELECTORS = ["$.a", "$.b", "$.c.d", "$.e[0]", "$.*"]
LITERALS = ["x", "y", '"1"', "1", '"True"', '"x*"']
VALUES = st.one_of(st.sampled_from(["x", "y", "1", "True"]), st.integers(0, 2),
                   st.sampled_from([1.0, True, None]), st.lists(st.sampled_from(["x", "y"]), max_size=2))


def comparisons():
    return st.builds(lambda sel, op, lit: f"({sel} {op} {lit})", st.sampled_from(SELECTORS),
                     st.sampled_from(["=", "!=", "=", "="]), st.sampled_from(LITERALS))


EXPRESSIONS = st.recursive(
    st.one_of(comparisons(), st.sampled_from(["($.a NOT EXISTS)", "($.b IS NULL)", "($.a IS TRUE)"])),
    lambda inner: st.builds(lambda parts, op: "(" + f" {op} ".join(parts) + ")",
                            st.lists(inner, min_size=2, max_size=3), st.sampled_from(["&&", "||"])),
    max_leaves=5)

DOCUMENTS = st.recursive(VALUES, lambda inner: st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e"]), inner,
                                                               max_size=4), max_leaves=8)


def every_filter(filter_set: MetricFilterSet, message: str) -> list[str]:
    return [f.filter_name for f in filter_set if f.pattern.match(message) is not None]


def filter_set_of(patterns: list[str]) -> MetricFilterSet:
    filter_set = MetricFilterSet("g")
    for i, pattern in enumerate(patterns):
        try:
            compile_filter_pattern(pattern)
        except FilterPatternError:  # e.g. more than 3 wildcard selectors: CloudWatch refuses it too
            continue
        filter_set.put({"logGroupName": "g", "filterName": f"f{i}", "filterPattern": pattern,
                        "metricTransformations": [{"metricName": f"m{i}", "metricNamespace": "n", "metricValue": "1"}]})
    return filter_set


@settings(max_examples=600, deadline=None)
@given(st.lists(EXPRESSIONS.map(lambda e: "{ " + e + " }"), min_size=1, max_size=6),
       st.lists(DOCUMENTS, min_size=1, max_size=5), st.sampled_from(["[x, y]", "x", "%x%", ""]))
def test_candidates_give_the_matches_of_trying_every_filter(patterns, documents, other):
    filter_set = filter_set_of([*patterns, other])
    assume(len(filter_set) > 1)
    for doc in documents:
        message = json.dumps(doc if isinstance(doc, dict) else {"a": doc})
        event = {"logGroupName": "g", "message": message, "timestamp": 0}
        assert [f.filter_name for f, _ in filter_set.matches_for(event)] == every_filter(filter_set, message)
    plain = {"logGroupName": "g", "message": "x y", "timestamp": 0}  # not JSON: only non-JSON filters
    assert [f.filter_name for f, _ in filter_set.matches_for(plain)] == every_filter(filter_set, "x y")


def test_the_cis_pack_is_gated_on_event_names_and_the_samples_match_as_before():
    filter_set = MetricFilterSet("aws-cloudtrail-logs")
    for body in pack_filters().values():
        filter_set.put(body)
    gated = [f.filter_name for f in filter_set if f.pattern.required_literals is not None]
    assert len(gated) == 16, gated  # all but the two errorCode wildcard ones
    def required(pattern):
        found = required_literals(compile_filter_pattern(pattern)._matcher)
        return found and (found[0].text, sorted(found[1]))

    assert required('{ ($.a = "x") || ($.b = "y") }') is None
    assert required('{ ($.a = "x" && $.b = 1) || ($.a = "y") }') == ("$.a", ["x", "y"])
    assert required('{ $.b != 2 && ($.a = "x" || $.a = z) }') == ("$.a", ["x", "z"])
    for record in RECORDS:
        message = json.dumps(record)
        event = {"logGroupName": "aws-cloudtrail-logs", "message": message, "timestamp": 0}
        assert [f.filter_name for f, _ in filter_set.matches_for(event)] == every_filter(filter_set, message)
        assert [f.filter_name for f, _ in filter_set.matches_for(event, record)] == every_filter(filter_set, message)


def test_texts_are_compared_as_the_filters_compare_them():
    filter_set = filter_set_of(['{ $.a = "1" }', '{ $.a = "x" || $.a = "1.5" }', "x"])
    assert len(filter_set) == 3
    for value in [1, 1.0, "1", 1.5, "1.5", True, None, [1], {"a": 1}, "x"]:
        message = json.dumps({"a": value})
        event = {"logGroupName": "g", "message": message, "timestamp": 0}
        assert [f.filter_name for f, _ in filter_set.matches_for(event)] == every_filter(filter_set, message), value
