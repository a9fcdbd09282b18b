"""JSON patterns: the AWS doc examples with their stated verdicts, plus our own cases."""

import json

import pytest

from pipeline.metricfilters import compile_filter_pattern

# The example event of the AWS "JSON log events" section (2021 doc).
DOC_EVENT = json.dumps({
    "eventType": "UpdateTrail",
    "sourceIPAddress": "123.123.123.123",
    "arrayKey": ["value", "another value"],
    "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
    "SomeObject": None,
    "cluster.name": "c1",
    "ThisFlag": True,
    "latency": 50,
    "numberOfRequests": 1e3,
    "code": "400",
    "level": "error",
})

# The "user" example of the current doc, with its compound-pattern verdicts.
USER_EVENT = json.dumps({
    "user": {"id": 1, "email": "John.Stiles@example.com"},
    "users": [{"id": 2, "email": "John.Doe@example.com"},
              {"id": 3, "email": "Jane.Doe@example.com"}],
    "actions": ["GET", "PUT", "DELETE"],
    "coordinates": [[0, 1], [2, 3]],
})

DOC_CASES = [
    ('{ $.eventType = "UpdateTrail" }', True),
    ("{ $.eventType = UpdateTrail }", True),
    ('{ $.eventType = "Update*" }', True),
    ('{ $.eventType = "*Trail" }', True),
    ('{ $.eventType = "*pdat*" }', True),
    ('{ $.eventType = "Upd*Trail" }', True),  # mid-string * is a wildcard (our choice)
    ('{ $.eventType = "*" }', True),
    ('{ $.eventType = "updatetrail" }', False),
    ('{ $.eventType != "UpdateTrail" }', False),
    ('{ $.eventType != "CreateTrail" }', True),
    ("{ $.sourceIPAddress = 123.123.* }", True),
    ("{ $.sourceIPAddress != 123.123.* }", False),
    ("{ $.arrayKey[0] = \"value\" }", True),
    ("{ $.arrayKey[1] = \"another value\" }", True),
    ("{ $.arrayKey[2] = \"value\" }", False),
    ("{ $.objectList[1].id = 2 }", True),
    ("{ $.objectList[1].id > 1 }", True),
    ("{ $.objectList[1].id < 2 }", False),
    ("{ $.SomeObject IS NULL }", True),
    ("{ $.eventType IS NULL }", False),
    ("{ $.ThisFlag IS TRUE }", True),
    ("{ $.ThisFlag IS FALSE }", False),
    ("{ $.SomeOtherObject NOT EXISTS }", True),
    ("{ $.SomeObject NOT EXISTS }", False),
    ("{ $.['cluster.name'] = \"c1\" }", True),
    ("{ $.latency = * }", True),  # presence test on a number (doc, with metricValue $.latency)
    ("{ $.latency >= 50 }", True),
    ("{ $.latency > 50 }", False),
    ("{ $.latency <= 5e1 }", True),
    ("{ $.latency != 50 }", False),
    ("{ $.latency = +50 }", True),
    ("{ $.numberOfRequests = 1e+3 }", True),
    ("{ $.numberOfRequests = 10e2 }", True),
    ("{ $.numberOfRequests < 1e-3 }", False),
    ("{ $.arrayKey[*] = \"another*\" }", True),
    ("{ $.arrayKey[*] = \"nothing\" }", False),
    ("{ $.objectList[*].name = b }", True),
    ("{ $.* = %123\\.123\\.123\\.1[0-9]{1,2}% }", True),
    ("{ $.eventType = %Trail% }", True),
    ("{ $.eventType = %^Trail% }", False),
    ("{ $.eventType != %^Trail% }", True),
    # selector hitting an array or object: never matches, for = and != alike (doc)
    ("{ $.arrayKey = 1 }", False),
    ("{ $.arrayKey != 1 }", False),
    ("{ $.objectList[0] = \"a\" }", False),
    ("{ $.objectList[0] != \"a\" }", False),
    # our choices where AWS is silent
    ("{ $.missing != \"x\" }", False),  # != on a missing property is false
    ("{ $.code = 400 }", True),  # number in the pattern vs "400" in the event
    ("{ $.code > 399 }", True),
    ("{ $.latency = \"50\" }", True),  # quoted text vs number 50: compared as text
    ("{ $.ThisFlag = \"true\" }", False),  # booleans only answer IS TRUE / IS FALSE
    ("{ $.ThisFlag != 1 }", True),
    ("{ $.SomeObject = \"null\" }", False),
    ("{ $.level = ERROR }", False),  # case-sensitive
]

USER_CASES = [
    ('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', True),
    ('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', False),
    ('{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch" && '
     '$.actions[2] = "nonmatch" }', True),
    ('{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch") && '
     '$.actions[2] = "nonmatch" }', False),
    ("{ $.users = 1 }", False),
    ("{ $.users != 1 }", False),
    ("{ $.coordinates[1][0] = 2 }", True),
    ("{ $.users[*].id = 3 }", True),
    ("{ $.actions[*] != GET }", True),  # any element: PUT differs
    ("{ $.actions[*] != %[A-Z]% }", False),
    ("{ $.nothing[*] NOT EXISTS }", True),
    ("{ $.actions[*] NOT EXISTS }", False),
    ("{ $.users[*] = 2 }", False),  # elements are objects
    ("{ $.users[*].email = \"*Doe*\" && $.actions[*] = DELETE }", True),
    ("{ $.user.* = 1 }", True),
    ("{ $.user.* = 2 }", False),
    ("{ $.users[5].id NOT EXISTS }", True),
    ("{ $.user.id.deeper NOT EXISTS }", True),
    ("{ (($.user.id = 1)) }", True),
    ("{$.user.id=1&&$.actions[0]=GET}", True),
    ("{ $.user.id = 1 || $.nothing = 1 && $.nothing2 = 2 }", True),
    ("{ ($.user.id = 1 || $.nothing = 1) && $.nothing2 = 2 }", False),
]


@pytest.mark.parametrize("pattern,expected", DOC_CASES)
def test_doc_event(pattern, expected):
    compiled = compile_filter_pattern(pattern)
    assert compiled.form == "json"
    assert compiled.matches(DOC_EVENT) is expected


@pytest.mark.parametrize("pattern,expected", USER_CASES)
def test_user_event(pattern, expected):
    assert compile_filter_pattern(pattern).matches(USER_EVENT) is expected


@pytest.mark.parametrize("message", [
    "not json", 'prefix {"a": 1}', "", "[1, 2]", '"a string"', "{broken", '{"a": 1', "null", "   ",
    '{"a": ' * 100_000,  # deep nesting: decoder recursion limit, no exception
])
def test_non_json_messages_never_match_and_never_raise(message):
    for pattern in ("{ $.a = 1 }", "{ $.a NOT EXISTS }", "{ $.a != 1 }"):
        assert compile_filter_pattern(pattern).match(message) is None


def test_big_integers_and_unicode():
    assert compile_filter_pattern("{ $.n > 1 }").matches('{"n": 123456789012345678901234567890}')
    assert compile_filter_pattern('{ $.s = "héllo*" }').matches('{"s": "héllo wörld"}')


def test_leading_whitespace_before_json_message():
    assert compile_filter_pattern("{ $.a = 1 }").matches('  {"a": 1}')


def test_json_match_exposes_document_but_no_extracted_values():
    match = compile_filter_pattern("{ $.user.id = 1 }").match(USER_EVENT)
    assert match.extracted_values == {}
    assert match.value("$.user.email") == "John.Stiles@example.com"
    assert match.value("$.users[1].id") == 3


def test_or_of_equalities_is_folded_but_keeps_semantics():
    pattern = compile_filter_pattern("{ $.n = A || $.n = B || $.n = 7 || $.m = C }")
    assert pattern.matches('{"n": "B"}')
    assert pattern.matches('{"n": 7}')
    assert pattern.matches('{"m": "C"}')
    assert not pattern.matches('{"n": "C"}')
    assert not pattern.matches('{"n": ["A"]}')


# The numeric examples of the doc ("Using filter patterns to match terms in JSON log events").
NUMBERS_EVENT = json.dumps({"bandwidth": 76, "latency": 45, "refreshRate": 60, "responseTime": 5,
                            "errorCode": 400, "number": [0.001, 1000]})


@pytest.mark.parametrize("pattern,expected", [
    ("{ $.bandwidth > 75 }", True),
    ("{ $.latency < 50 }", True),
    ("{ $.refreshRate = 60 }", True),
    ("{ $.responseTime <= 5 }", True),
    ("{ $.errorCode = 400 }", True),
    ("{ $.errorCode != 500 }", True),
    ("{ $.number[0] = 1e-3 }", True),
    ("{ $.number[1] != 1e+3 }", False),
    ("{ $.bandwidth > 76 }", False),
    ("{ $.latency >= +46 }", False),
])
def test_doc_numeric_examples(pattern, expected):
    assert compile_filter_pattern(pattern).matches(NUMBERS_EVENT) is expected
