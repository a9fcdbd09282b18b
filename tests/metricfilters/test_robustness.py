"""No message ever makes a compiled pattern raise; no pattern text crashes the parser."""

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.metricfilters import FilterPatternError, compile_filter_pattern

PATTERNS = [compile_filter_pattern(p) for p in [
    "ERROR -DEBUG", "?a ?b", "%a.b|^c\\d+$%", "{ $.a = 1 }", "{ $.a[*].b != x* }",
    "{ $.* = %x% || $.a IS NULL }", "{ $.a NOT EXISTS && $.b >= 1e2 }", "[a, ..., b = x*]",
    "[..., c = %z%, ...]", "[a, b, c]", "",
]]

_MESSAGE = st.one_of(
    st.text(max_size=200),
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                 | st.text(max_size=10),
                 lambda inner: st.lists(inner, max_size=4)
                 | st.dictionaries(st.sampled_from("abcx"), inner, max_size=4),
                 max_leaves=12).map(lambda v: __import__("json").dumps(v)),
)


@settings(max_examples=400, deadline=None)
@given(_MESSAGE)
def test_matching_never_raises(message):
    for pattern in PATTERNS:
        match = pattern.match(message)
        assert (match is not None) == pattern.matches(message)
        if match is not None:
            assert isinstance(match.extracted_values, dict)


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet='{}[]()%$.*?-"\' =!<>&|,abcIS NULTREXO019\\^+', max_size=40))
def test_parser_only_raises_filter_pattern_error(text):
    try:
        pattern = compile_filter_pattern(text)
    except FilterPatternError as error:
        assert str(error).startswith("Invalid filter pattern: ")
    else:
        pattern.match("abc 1 x")
        pattern.match('{"a": 1, "b": [1], "c": {"x": "y"}}')
