"""The multi-rule machine and the brute-force reference agree on random patterns and events."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.eventpatterns import EventPatternError, RuleSet, compile_pattern
from pipeline.eventpatterns.reference import reference_matches

KEYS = ["a", "b", "c"]
STRINGS = ["", "x", "xy", "Xy", "yx", "10.0.0.1", "10.0.1.7", "::1", "a*b", "ab"]
NUMBERS = [0, 1, 1.0, 2.5, -3, 100]
SCALARS = st.one_of(st.sampled_from(STRINGS), st.sampled_from(NUMBERS), st.sampled_from([True, False, None]))


def events():
    leaf = SCALARS
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(st.sampled_from(KEYS + ["a.b"]), inner, max_size=3),
        ),
        max_leaves=10,
    ).map(lambda value: value if isinstance(value, dict) else {"a": value})


def match_values():
    text = st.sampled_from(STRINGS)
    nonempty = st.sampled_from([s for s in STRINGS if s])
    number = st.sampled_from(NUMBERS)
    return st.one_of(
        SCALARS,
        st.builds(lambda t: {"prefix": t}, text),
        st.builds(lambda t: {"suffix": t}, text),
        st.builds(lambda t: {"prefix": {"equals-ignore-case": t}}, text),
        st.builds(lambda t: {"suffix": {"equals-ignore-case": t}}, text),
        st.builds(lambda t: {"equals-ignore-case": t}, text),
        st.builds(lambda t: {"wildcard": t}, st.sampled_from(["*", "x*", "*y", "x*y", "*x*", "a\\*b", ""])),
        st.builds(lambda v: {"anything-but": v}, st.one_of(text, number, st.lists(text, min_size=1, max_size=3))),
        st.builds(lambda t: {"anything-but": {"prefix": t}}, nonempty),
        st.builds(lambda t: {"anything-but": {"suffix": t}}, nonempty),
        st.builds(lambda t: {"anything-but": {"equals-ignore-case": t}}, text),
        st.builds(lambda t: {"anything-but": {"wildcard": t}}, st.sampled_from(["*y", "x*"])),
        st.builds(lambda lo, hi: {"numeric": [">=", min(lo, hi) - 1, "<", max(lo, hi) + 0.5]}, number, number),
        st.builds(lambda n: {"numeric": ["=", n]}, number),
        st.builds(lambda n: {"numeric": ["<=", n]}, number),
        st.builds(lambda b: {"exists": b}, st.booleans()),
        st.sampled_from([{"cidr": "10.0.0.0/24"}, {"cidr": "::/127"}]),
    )


def patterns():
    leaf = st.lists(match_values(), min_size=1, max_size=3)
    obj = st.recursive(
        st.dictionaries(st.sampled_from(KEYS + ["a.b"]), leaf, min_size=1, max_size=2),
        lambda inner: st.one_of(
            st.dictionaries(st.sampled_from(KEYS), inner, min_size=1, max_size=2),
            st.lists(inner, min_size=2, max_size=3).map(lambda items: {"$or": items}),
        ),
        max_leaves=4,
    )
    return obj


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(patterns(), min_size=1, max_size=12), st.lists(events(), min_size=1, max_size=6))
def test_ruleset_agrees_with_reference(pattern_list, event_list):
    rules = RuleSet()
    compiled = {}
    for number, pattern in enumerate(pattern_list):
        try:
            compiled[f"r{number}"] = compile_pattern(pattern)
        except EventPatternError:
            continue
        rules.add(f"r{number}", compiled[f"r{number}"])
    for event in event_list:
        expected = [name for name, pattern in compiled.items() if reference_matches(pattern, event)]
        assert rules.matching(event) == expected, (event, {n: compiled[n].source for n in compiled})


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(patterns(), min_size=1, max_size=6), st.lists(events(), min_size=1, max_size=6),
       st.booleans())
def test_matching_text_agrees_with_matching(pattern_list, event_list, ascii_only):
    """The unparsed shortcut never changes an answer (escaped and unicode texts included)."""
    import json

    rules = RuleSet()
    for number, pattern in enumerate(pattern_list):
        try:
            rules.add(f"r{number}", pattern)
        except EventPatternError:
            continue
    for event in event_list:
        text = json.dumps(event, ensure_ascii=ascii_only)
        assert rules.matching_text(text, json.loads) == rules.matching(event), (text, pattern_list)
