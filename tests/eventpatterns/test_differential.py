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


TEXT_STYLES = [{}, {"separators": (",", ":")}, {"indent": 2}, {"separators": (" ,", " : ")}]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(patterns(), min_size=1, max_size=6), st.lists(events(), min_size=1, max_size=6),
       st.booleans(), st.sampled_from(TEXT_STYLES))
def test_matching_text_agrees_with_matching(pattern_list, event_list, ascii_only, style):
    """The unparsed shortcuts never change an answer (escaped, unicode, compact, indented and
    spaced texts included)."""
    import json

    rules = RuleSet()
    for number, pattern in enumerate(pattern_list):
        try:
            rules.add(f"r{number}", pattern)
        except EventPatternError:
            continue
    for event in event_list:
        text = json.dumps(event, ensure_ascii=ascii_only, **style)
        assert rules.matching_text(text, json.loads) == rules.matching(event), (text, pattern_list)


NESTED = ["", "M", "MI", "MIS", "MISSION", "N", "ON", "ION", "mis", "Mission", "MISSIONS"]


def nested_rules():
    """Many rules whose key conditions nest (prefix/suffix chains) and share a second exact
    field, the shapes the machine folds into merged groups and second-level tables."""
    affix = st.one_of(
        st.builds(lambda t: {"prefix": t}, st.sampled_from(NESTED)),
        st.builds(lambda t: {"suffix": t}, st.sampled_from(NESTED)),
        st.builds(lambda t: {"prefix": {"equals-ignore-case": t}}, st.sampled_from(NESTED)),
        st.builds(lambda t: {"suffix": {"equals-ignore-case": t}}, st.sampled_from(NESTED)),
        st.sampled_from(NESTED),
    )
    second = st.lists(st.sampled_from(["ST", "AVE", "", "st"]), min_size=1, max_size=2)
    third = st.lists(st.one_of(st.sampled_from(["O", "E"]), st.just({"exists": False}),
                               st.just({"anything-but": "O"})), min_size=1, max_size=2)
    affixes = st.lists(affix, min_size=1, max_size=2)
    single = st.one_of(st.fixed_dictionaries({"a": affixes, "t": second}, optional={"o": third}),
                       st.fixed_dictionaries({"a": affixes}, optional={"t": second, "o": third}))
    return st.one_of(single, st.lists(single, min_size=2, max_size=2).map(lambda items: {"$or": items}),
                     single.map(lambda rule: {"p": rule}))


def nested_events():
    odd = st.sampled_from(["MISSION ST", "ST", "O", 5, None])

    def field(values):
        value = st.one_of(st.sampled_from(values), odd)
        return st.one_of(value, st.lists(value, min_size=0, max_size=3))

    fields = st.fixed_dictionaries({"a": field(NESTED)}, optional={
        "t": field(["ST", "AVE", "", "st"]), "o": field(["O", "E"]), "z": st.sampled_from(["f0", "f7", "f30"])})
    items = st.lists(fields, min_size=1, max_size=3)
    return st.one_of(fields, st.fixed_dictionaries({"p": st.one_of(fields, items)}))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(nested_rules(), min_size=1, max_size=40), st.lists(nested_events(), min_size=1, max_size=8),
       st.booleans())
def test_nested_keys_and_second_fields_agree_with_reference(pattern_list, event_list, merge):
    from pipeline.eventpatterns import machine

    compiled = {f"r{n}": compile_pattern(pattern) for n, pattern in enumerate(pattern_list)}
    # fillers make "t"/"o" values common, so the affix on "a" becomes the key slot and "t"/"o"
    # the second-level (exact) and verified slots, as with many real rules
    for n in range(48):
        value = ["ST", "AVE", "", "st", "O", "E"][n % 6]
        filler = {"t" if n % 12 < 6 else "o": [value], "z": [f"f{n}"]}
        compiled[f"f{n}"] = compile_pattern({"p": filler} if n >= 24 else filler)
    saved = machine._MERGE_BUDGET
    machine._MERGE_BUDGET = saved if merge else -10**9  # also the unmerged fallback
    try:
        rules = RuleSet(compiled)
        rules.rebuild()
    finally:
        machine._MERGE_BUDGET = saved
    for event in event_list:
        expected = [name for name, pattern in compiled.items() if reference_matches(pattern, event)]
        assert rules.matching(event) == expected, (event, pattern_list)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(nested_rules(), min_size=1, max_size=8), st.lists(nested_events(), min_size=1, max_size=8),
       st.sampled_from(TEXT_STYLES))
def test_text_gate_agrees_with_matching(pattern_list, event_list, style):
    """Rules on a few string fields (the text gate's case) and events with those fields at
    several depths, in arrays, duplicated or missing."""
    import json

    rules = RuleSet({f"r{n}": pattern for n, pattern in enumerate(pattern_list)})
    for event in event_list:
        text = json.dumps(event, **style)
        assert rules.matching_text(text, json.loads) == rules.matching(event), (text, pattern_list)
