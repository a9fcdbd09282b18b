"""Space-delimited patterns: field splitting, ellipsis, conditions, extracted values."""

import pytest

from pipeline.metricfilters import compile_filter_pattern
from pipeline.metricfilters.delimited import split_fields

APACHE = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
APACHE_OK = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /a.gif HTTP/1.0" 200 2326'


def test_split_groups_brackets_and_quotes():
    assert split_fields(APACHE) == ["127.0.0.1", "Prod", "frank", "10/Oct/2000:13:25:15 -0700",
                                    "GET /index.html HTTP/1.0", "404", "1534"]
    assert split_fields("  a\t b  ") == ["a", "b"]
    assert split_fields('a "unclosed b') == ["a", '"unclosed', "b"]
    assert split_fields("a [x [y] z") == ["a", "x [y", "z"]
    assert split_fields("") == []


CASES = [
    ("[ip, user, username, timestamp, request, status_code, bytes]", APACHE, True),
    ("[ip, user, username, timestamp, request, status_code]", APACHE, False),  # 6 slots, 7 fields
    ("[ip, user, username, timestamp, request =*.html*, status_code = 4*, bytes]", APACHE, True),
    ("[ip, user, username, timestamp, request =*.html*, status_code = 4*, bytes]", APACHE_OK, False),
    ("[..., status_code, bytes]", APACHE, True),
    ("[ip, user, ...]", APACHE, True),
    ("[ip, ..., bytes > 1000]", APACHE, True),
    ("[ip, ..., bytes > 2000]", APACHE, False),
    ("[ip, ..., bytes >= 1534]", APACHE, True),
    ("[ip, ..., bytes < 1534]", APACHE, False),
    ("[..., status_code = 404 || status_code = 410, bytes]", APACHE, True),
    ("[..., status_code = 400 || status_code = 410, bytes]", APACHE, False),
    ("[..., status_code != 200 && status_code != 500, bytes]", APACHE, True),
    ("[..., (status_code = 4* || status_code = 5*) && status_code != 404, bytes]", APACHE, False),
    ("[ip=%127\\.0\\.0\\.[1-9]%, user, ...]", APACHE, True),
    ("[ip=%^10\\.%, user, ...]", APACHE, False),
    ("[..., request=%/index\\.html\\s%, status, bytes]", APACHE, True),
    ("[ip, user = Prod, ...]", APACHE, True),
    ("[ip, user = \"Prod\", ...]", APACHE, True),
    ("[ip, user = prod, ...]", APACHE, False),
    ("[ip, user != Prod, ...]", APACHE, False),
    ("[ip, user, username, timestamp, request, status_code, bytes, extra]", APACHE, False),
    ("[..., ip, user, username, timestamp, request, status_code, bytes]", APACHE, True),  # ... = 0
    ("[..., username = frank, ..., status_code = 404, ...]", APACHE, True),
    ("[..., username = frank, ..., status_code = 200, ...]", APACHE, False),
    ("[..., status_code = 404, ..., username = frank, ...]", APACHE, False),  # order matters
    ("[w1=ERROR || w1=%WARN%, w2]", "WARNING disk", True),
    ("[w1=ERROR || w1=%WARN%, w2]", "INFO disk", False),
    ("[w1!=ERROR && w1!=WARNING, w2]", "INFO disk", True),
    ("[w1!=ERROR && w1!=WARNING, w2]", "ERROR disk", False),
    ("[w1=ERROR, w2]", "ERROR", False),
    ("[w1=ERROR]", "ERROR", True),
    ("[a, b,]", "x y z", True),  # trailing comma: one more, unnamed field
    ("[a, b,]", "x y", False),
    ("[n = 5]", "5.0", True),  # numeric compare on field text
    ("[n = 5]", "five", False),
    ("[n > 5]", "abc", False),
    ("[n = 1e3]", "1000", True),
]


@pytest.mark.parametrize("pattern,message,expected", CASES)
def test_delimited(pattern, message, expected):
    compiled = compile_filter_pattern(pattern)
    assert compiled.form == "delimited"
    assert compiled.matches(message) is expected


def test_extracted_values_named_fields():
    match = compile_filter_pattern(
        "[ip, user, username, timestamp, request, status_code, bytes]").match(APACHE)
    assert match.extracted_values == {
        "$ip": "127.0.0.1", "$user": "Prod", "$username": "frank",
        "$timestamp": "10/Oct/2000:13:25:15 -0700", "$request": "GET /index.html HTTP/1.0",
        "$status_code": "404", "$bytes": "1534"}


def test_extracted_values_positional_for_ellipsis_and_blank_slots():
    # the 2021 doc example: $status_code, $request, $7, $4, $3, $2, $1
    match = compile_filter_pattern("[..., request=*.html*, status_code=4*,]").match(APACHE)
    assert match.extracted_values == {
        "$1": "127.0.0.1", "$2": "Prod", "$3": "frank", "$4": "10/Oct/2000:13:25:15 -0700",
        "$request": "GET /index.html HTTP/1.0", "$status_code": "404", "$7": "1534"}
    assert match.value("$5") == "GET /index.html HTTP/1.0"  # $N reaches named fields too
    assert match.value("$status_code") == "404"
    assert match.value("$99") is not None and match.value("$.x") is not None  # MISSING sentinel


def test_middle_ellipsis_extracts_the_leftmost_placement():
    match = compile_filter_pattern("[first, ..., x = a*, ..., last]").match("f b a1 c a2 l")
    assert match.extracted_values["$x"] == "a1"
    assert match.extracted_values["$first"] == "f"
    assert match.extracted_values["$last"] == "l"


# -- the three split paths agree ---------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pipeline.metricfilters.delimited import _split_slowly  # noqa: E402


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='ab "[]\t\né', max_size=20), st.sampled_from([None, 1, 2, 3]))
def test_split_paths_agree(message, limit):
    slow = _split_slowly(message, limit, message.rfind('"'), message.rfind("]"))
    assert split_fields(message, limit) == slow
