"""Metric math expressions -> trees: precedence, functions, arrays, errors with positions."""

from __future__ import annotations

import pytest

from pipeline.metricmath import MetricMathError, parse_expression, references


def test_precedence_and_associativity():
    assert parse_expression("100 * m1 / m2") == ("bin", "/", ("bin", "*", ("num", 100.0), ("ref", "m1")),
                                                 ("ref", "m2"))
    assert parse_expression("a + b * c") == ("bin", "+", ("ref", "a"), ("bin", "*", ("ref", "b"), ("ref", "c")))
    assert parse_expression("a ^ b ^ c") == ("bin", "^", ("ref", "a"), ("bin", "^", ("ref", "b"), ("ref", "c")))
    assert parse_expression("a > 1 AND b < 2 OR NOT c") == (
        "bin", "OR", ("bin", "AND", ("bin", ">", ("ref", "a"), ("num", 1.0)), ("bin", "<", ("ref", "b"), ("num", 2.0))),
        ("not", ("ref", "c")))
    assert parse_expression("a && b || !c") == parse_expression("a AND b OR NOT c")
    assert parse_expression("-(a - 2.5e1)") == ("neg", ("bin", "-", ("ref", "a"), ("num", 25.0)))


def test_functions_arrays_text_and_keywords():
    assert parse_expression('SUM(METRICS("errors"))') == ("call", "SUM", (("call", "METRICS", (("str", "errors"),)),))
    assert parse_expression("FILL([m1, m2], REPEAT)") == (
        "call", "FILL", (("array", (("ref", "m1"), ("ref", "m2"))), ("kw", "REPEAT")))
    assert parse_expression("METRICS()") == ("call", "METRICS", ())
    assert references(parse_expression("IF(a > 0, b / c, FILL(d, LINEAR))")) == {"a", "b", "c", "d"}


@pytest.mark.parametrize("text,message", [
    ("", "The expression is empty."),
    ("m1 +", "position 4: it ends where a value is expected"),
    ("m1 $ m2", "position 3: unexpected '$'"),
    ("(m1", "expected ')' at the end"),
    ("m1 m2", "position 3: unexpected 'm2'"),
    ("sum(m1)", "function names are upper case: SUM"),
    ("M1 + 1", "unknown name 'M1'"),
    ("FILL(m1, 0", "expected ')' at the end"),
    ("x" * 2049, "longer than 2048"),
])
def test_errors(text, message):
    with pytest.raises(MetricMathError, match=message.replace("(", r"\(").replace(")", r"\)").replace("$", r"\$")):
        parse_expression(text)
