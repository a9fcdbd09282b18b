"""Refused patterns: each error says what is wrong and where (1-based character)."""

import pytest

from pipeline.errors import PipelineError
from pipeline.metricfilters import FilterPatternError, compile_filter_pattern

CASES = [
    # pattern, fragment of the reason, 1-based character (None: no position)
    ("{ $.userIdentity.type = 'Root' }", "single-quoted strings are not supported", 25),
    ("{ $.a = 1", "If a filter pattern starts with '{' it must end with '}'", 10),
    ("{ ($.a = 1 }", "unbalanced '('", 12),
    ("{ $.a = 1) }", "unbalanced ')'", 10),
    ("{ $.a = 1 } }", "unbalanced '}'", 11),
    ("}", "unbalanced '}'", 1),
    ("{ $.a IS NOT NULL }", "'IS NOT' is not supported", 7),
    ("{ $.a EXISTS }", "'EXISTS' is not supported", 7),
    ("{ $.a IS MAYBE }", "expected NULL, TRUE or FALSE after IS", 9),
    ("{ $.a = %(ab)% }", "groups are not supported", 10),
    ("{ $.a = %a% && $.b = %b% && $.c = %c% }", "at most 2 regular expressions", 35),
    ("[a=%a%, b=%b%, c=%c%]", "at most 2 regular expressions", 18),
    ("%a%b%", "unexpected text after the regular expression", 4),
    ("%abc", "regular expression is not closed with '%'", 1),
    ("%ab c%", "character ' ' is not allowed in a regular expression; use \\x20", 4),
    ("%é%", "multi-byte characters are not allowed", 2),
    ("%something!%", "character '!' is not allowed", 11),
    ("%a**%", "a quantifier cannot follow another quantifier", 4),
    ("%*a%", "nothing to repeat", 2),
    ("%^*a%", "an anchor cannot be repeated", 3),
    ("%a{3,1}%", "maximum below minimum", 3),
    ("%a^b%", "'^' and '$' can only start or end an alternative", 3),
    ("%a$b|c%", "'^' and '$' can only start or end an alternative", 3),
    ("%a{1000}b{1000}c{1000}d{1000}e{1000}%", "regular expression is too large", 2),
    ("%a{x}%", "invalid repetition {x}", 3),
    ("%a{1001}%", "repetition count above 1000", 3),
    ("%[a%", "'[' without ']'", 2),
    ("%a]%", "unbalanced ']'", 3),
    ("%\\q%", "unsupported escape \\q", 2),
    ("%\\x4%", "\\x must be followed by two hexadecimal digits", 2),
    ("%a|%", "empty alternative", 4),
    ("%%", "empty regular expression", 2),
    ("%[z-a]%", "invalid range z-a", 5),
    ("x" * 1025, "Member must have length less than or equal to 1024", None),
    ("{ $.a[*].b[*] = 1 }", "at most one wildcard", 3),
    ("{ $.a[*] = 1 || $.b[*] = 1 || $.c.* = 1 || $.d[*] = 1 }", "at most 3 wildcard selectors", 44),
    ('{ $.a < "x" }', "operator '<' needs a number", 9),
    ("{ $.a >= abc }", "operator '>=' needs a number", 10),
    ("{ $.a == 1 }", "'==' is not an operator", 7),
    ("{ a = 1 }", "expected a selector starting with '$.'", 3),
    ("{ $a = 1 }", "a JSON selector must start with '$.'", 3),
    ("{ $. = 1 }", "expected a property name", 5),
    ("{ $.a[x] = 1 }", "expected an array index", 7),
    ("{ $.a['b.c' = 1 }", "unterminated ['...']", 6),
    ("{ }", "empty JSON pattern", 1),
    ("{ $.a = }", "expected a value after '='", 9),
    ("{ $.a = 1 && }", "expected a comparison", 14),
    ("{ $.a = 1 $.b = 2 }", "expected '&&', '||' or the end of the pattern", 11),
    ("{ $.a }", "expected an operator", 7),
    ("[a, b", "unbalanced '['", 1),
    ("[]", "empty space-delimited pattern", 1),
    ("[status_code = 4* && bytes > 1000]", "a condition across two fields is not supported", 22),
    ("[a, a]", "field name 'a' is used twice", 5),
    ("[a, 'x']", "single-quoted strings are not supported", 5),
    ("[a=, b]", "expected a value after '='", 4),
    ("[1, b]", "a field name cannot be only digits", 2),
    ("[a b]", "expected ',' or ']'", 4),
    ("[a, b] x", "unexpected text after ']'", 8),
    ("[a < b]", "operator '<' needs a number", 6),
    ("[a, ...x]", "expected ',' or ']'", 8),
    ("ERROR:", "a term containing ':' must be enclosed in double quotes", 6),
    ("'ERROR'", "single-quoted strings are not supported", 1),
    ("ERROR -", "expected a term after '-'", 8),
    ('ERROR ?""', "empty term after '?'", 8),
    ('"unterminated', "unterminated double-quoted string", 1),
]


@pytest.mark.parametrize("pattern,reason,position", CASES, ids=[c[0][:40] for c in CASES])
def test_refused(pattern, reason, position):
    with pytest.raises(FilterPatternError) as info:
        compile_filter_pattern(pattern)
    error = info.value
    assert isinstance(error, PipelineError)
    assert str(error).startswith("Invalid filter pattern: ")
    assert reason in str(error)
    assert error.code == "InvalidParameterException"
    if position is not None:
        assert error.position == position - 1
        assert f"at character {position}" in str(error)


@pytest.mark.parametrize("pattern", [
    "x" * 1024,
    '{ $.a = "' + "x" * 1012 + '" }',
    "{ $.a[*] = 1 || $.b[*] = 1 || $.c.* = 1 }",
    "{ $.a = %a% && $.b = %b% }",
    "%a{1000}%",
    "[..., request=*.html*, status_code=4*,]",
    "{ $.eventType = \"*\" }",
    "?ERROR ?WARN",
    '"ERROR" - "Exiting"',
    "{ $.a != 1 || ($.b IS FALSE && $.c NOT EXISTS) }",
    "{ $.['cluster.name'] = c1 }",
    '{ $.a["x y"] = 1 }',
])
def test_accepted(pattern):
    compile_filter_pattern(pattern)


def test_non_string_pattern():
    with pytest.raises(FilterPatternError):
        compile_filter_pattern(None)  # type: ignore[arg-type]
