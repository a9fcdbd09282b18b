"""Unstructured term patterns, with the AWS doc examples as cases."""

import pytest

from pipeline.metricfilters import compile_filter_pattern

MESSAGES = {
    "code": "[ERROR 400] BAD REQUEST",
    "args": "[ERROR 401] UNAUTHORIZED REQUEST",
    "exit": "[ERROR 419] MISSING ARGUMENTS",
    "warn": "[WARNING] some warning",
    "info": "[INFO] Exiting with ERRORCODE: -1",
}

CASES = [
    # pattern, messages that match (by key)
    ("ERROR", {"code", "args", "exit", "info"}),  # substring: ERRORCODE contains ERROR
    ("ERROR ARGUMENTS", {"exit"}),
    ("ARGUMENTS ERROR", {"exit"}),  # order does not matter
    ("error", set()),  # case-sensitive
    ('"BAD REQUEST"', {"code"}),
    ('"REQUEST] BAD"', set()),
    ("ERROR -ARGUMENTS", {"code", "args", "info"}),
    ('"ERROR" - "Exiting"', {"code", "args", "exit"}),
    ('-"some warning"', {"code", "args", "exit", "info"}),
    ("?ERROR ?WARNING", {"code", "args", "exit", "warn", "info"}),
    ("?WARNING ?INFO", {"warn", "info"}),
    ('?"BAD REQUEST" ?UNAUTHORIZED', {"code", "args"}),
    # the documented gotcha: ? terms mixed with others are ignored
    ("?ERROR ?ARGUMENTS REQUEST", {"code", "args"}),
    ("?WARNING -ERROR", {"warn"}),
    ("", set(MESSAGES)),
    (" ", set(MESSAGES)),
    ('""', set(MESSAGES)),
    ('" "', set(MESSAGES)),
    ("AUTHORIZED", {"args"}),  # substring of UNAUTHORIZED
    ("ERROR_X", set()),
]


@pytest.mark.parametrize("pattern,expected", CASES, ids=[c[0] or "<empty>" for c in CASES])
def test_terms(pattern, expected):
    compiled = compile_filter_pattern(pattern)
    assert compiled.form == "terms"
    got = {key for key, message in MESSAGES.items() if compiled.matches(message)}
    assert got == expected


def test_match_has_no_extracted_values():
    assert compile_filter_pattern("ERROR").match("ERROR x").extracted_values == {}
