"""The %...% dialect: doc examples, true/false cases, and a differential test against re."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.metricfilters import compile_filter_pattern

CASES = [
    # pattern, message, matches
    ("%AUTHORIZED%", "[ERROR 401] UNAUTHORIZED REQUEST", True),
    ("%[Ee]rror|[Ff]ail%", "Disk failure", True),
    ("%[Ee]rror|[Ff]ail%", "ERROR and FAIL", False),
    ("%ERROR\\s40\\d%", "ERROR 404", True),
    ("%ERROR\\s40\\d%", "ERROR 4x4", False),
    ("%\\w+@\\w+\\.com%", "mail bob@example.com now", True),
    ("%\\W%", "abc_123", False),
    ("%\\D%", "123", False),
    ("%\\S%", " \t", False),
    ("%^ERROR%", "ERROR at start", True),
    ("%^ERROR%", "an ERROR", False),
    ("%done$%", "job done", True),
    ("%done$%", "done twice, not", False),
    ("%^$%", "", True),
    ("%abcc|ab[^c]$%", "xxabd", True),
    ("%abcc|ab[^c]$%", "abcc and more", True),
    ("%abcc|ab[^c]$%", "abc", False),
    ("%a{2}b%", "aab", True),
    ("%a{2}b%", "ab", False),
    ("%a{2,}b%", "caaaab", True),
    ("%xa{,2}b%", "xaaab", False),
    ("%xa{,2}b%", "xab", True),
    ("%xa{1,3}b%", "xaaab", True),
    ("%xa{1,3}b%", "xaaaab", False),
    ("%colou?r%", "color", True),
    ("%go+gle%", "gooogle", True),
    ("%go+gle%", "ggle", False),
    ("%a.c%", "abc", True),
    ("%a.c%", "a\nc", False),  # . does not cross a newline (our choice)
    ("%\\x28%", "f(x)", True),
    ("%\\x28%", "fx", False),
    ("%1\\.2%", "v1.2", True),
    ("%1\\.2%", "v132", False),
    ("%[0-9]{3}-[0-9]{4}%", "call 555-1234", True),
    ("%[^a-z]%", "abc", False),
    ("%[a\\-z]%", "-", True),
    ("%ERROR:\\s%", "ERROR: disk", True),
    ("%user=@/#;,%", "user=@/#;,", True),
    ("%\\%%", "100%", True),
]


@pytest.mark.parametrize("pattern,message,expected", CASES)
def test_regex(pattern, message, expected):
    compiled = compile_filter_pattern(pattern)
    assert compiled.form == "regex"
    assert compiled.matches(message) is expected


def test_unicode_messages_are_matched_by_negated_classes_and_dot():
    assert compile_filter_pattern("%a[^b]c%").matches("aéc")
    assert compile_filter_pattern("%a.c%").matches("a☃c")
    assert not compile_filter_pattern("%a\\wc%").matches("aéc")  # \w is ASCII


# -- differential: our DFA vs Python's re on a small generated dialect --------------------

_ATOMS = ["a", "b", "c", ".", "[ab]", "[^a]", "[a-c1]", "\\d", "\\w", "\\s", "\\S", "1", "-"]
_QUANTS = ["", "", "", "*", "+", "?", "{1,2}", "{2}", "{,1}", "{0,3}", "{2,}", "{0}"]


@st.composite
def dialect_regex(draw):
    branches = []
    for _ in range(draw(st.integers(1, 3))):
        parts = []
        if draw(st.booleans()) and draw(st.booleans()):
            parts.append("^")
        for _ in range(draw(st.integers(1, 4))):
            parts.append(draw(st.sampled_from(_ATOMS)) + draw(st.sampled_from(_QUANTS)))
        if draw(st.booleans()) and draw(st.booleans()):
            parts.append("$")
        branches.append("".join(parts))
    return "|".join(branches)


def _to_python(source: str) -> str:
    return (source.replace("\\d", "[0-9]").replace("\\w", "[A-Za-z0-9_]")
            .replace("\\s", "[\\t \\n]").replace(".", "[^\\n]").replace("{,", "{0,").replace("$", "\\Z"))


@settings(max_examples=300, deadline=None)
@given(dialect_regex(), st.text(alphabet="abc1- \n_é", max_size=12))
def test_dfa_agrees_with_re(source, text):
    ours = compile_filter_pattern(f"%{source}%").matches(text)
    theirs = re.search(_to_python(source), text) is not None
    assert ours == theirs, (source, text)
