"""Table-driven cases per operator: each runs through the machine and the reference oracle.

Cases follow the AWS-recorded behaviour listed in shared/reference/eventbridge.md §1.2-1.3.
"""

from __future__ import annotations

import pytest

from pipeline.eventpatterns import RuleSet, matches
from pipeline.eventpatterns.reference import reference_matches

# (name, pattern, event, expected)
CASES = [
    # exact values
    ("string", {"source": ["aws.ec2"]}, {"source": "aws.ec2"}, True),
    ("string_NEG", {"source": ["aws.ec2"]}, {"source": "aws.ec3"}, False),
    ("string case sensitive", {"source": ["aws.ec2"]}, {"source": "AWS.EC2"}, False),
    ("key case sensitive", {"Source": ["a"]}, {"source": "a"}, False),
    ("several values ORed", {"state": ["a", "b"]}, {"state": "b"}, True),
    ("number equals float", {"n": [300]}, {"n": 300.0}, True),
    ("number exp form", {"n": [3e2]}, {"n": 300}, True),
    ("number NEG", {"n": [300]}, {"n": 301}, False),
    ("number vs string", {"n": [300]}, {"n": "300"}, False),
    ("string vs number", {"n": ["300"]}, {"n": 300}, False),
    ("true", {"b": [True]}, {"b": True}, True),
    ("true vs string", {"b": [True]}, {"b": "true"}, False),
    ("true vs 1", {"b": [True]}, {"b": 1}, False),
    ("1 vs true", {"b": [1]}, {"b": True}, False),
    ("false", {"b": [False]}, {"b": False}, True),
    ("null", {"v": [None]}, {"v": None}, True),
    ("null vs string", {"v": [None]}, {"v": "null"}, False),
    ("null vs missing", {"v": [None]}, {}, False),
    ("null vs empty array", {"v": [None]}, {"v": []}, False),
    ("empty string", {"v": [""]}, {"v": ""}, True),
    ("empty string vs null", {"v": [""]}, {"v": None}, False),
    ("missing field", {"a": ["x"]}, {"b": "x"}, False),
    ("nested", {"detail": {"state": ["on"]}}, {"detail": {"state": "on", "x": 1}}, True),
    ("nested NEG wrong level", {"detail": {"state": ["on"]}}, {"state": "on"}, False),
    ("object value is not a leaf", {"detail": ["x"]}, {"detail": {"x": 1}}, False),
    ("json inside string not parsed", {"d": {"a": ["b"]}}, {"d": '{"a": "b"}'}, False),
    # arrays
    ("event array any element", {"r": ["b"]}, {"r": ["a", "b"]}, True),
    ("event array NEG", {"r": ["c"]}, {"r": ["a", "b"]}, False),
    ("objects in arrays", {"d": {"items": {"id": [2]}}}, {"d": {"items": [{"id": 1}, {"id": 2}]}}, True),
    ("nested arrays", {"c": [7]}, {"c": [[1, 2], [3, [7]]]}, True),
    ("array consistency same element",
     {"e": {"first": ["Anna"], "last": ["Smith"]}},
     {"e": [{"first": "Anna", "last": "Smith"}, {"first": "Peter", "last": "Jones"}]}, True),
    ("array consistency across elements NEG",
     {"e": {"first": ["Anna"], "last": ["Jones"]}},
     {"e": [{"first": "Anna", "last": "Smith"}, {"first": "Peter", "last": "Jones"}]}, False),
    ("different arrays are independent", {"a": [1], "b": [4]}, {"a": [1, 2], "b": [3, 4]}, True),
    # dotted keys
    ("dot joining pattern", {"detail": {"state.status": ["running"]}},
     {"detail": {"state": {"status": "running"}}}, True),
    ("dot joining event", {"detail": {"state": {"status": ["running"]}}},
     {"detail": {"state.status": "running"}}, True),
    ("dot joining NEG", {"detail": {"state.status": ["running"]}},
     {"detail": {"state": {"status": "stopped"}}}, False),
    # prefix / suffix
    ("prefix", {"r": [{"prefix": "us-"}]}, {"r": "us-east-1"}, True),
    ("prefix NEG", {"r": [{"prefix": "us-"}]}, {"r": "eu-west-1"}, False),
    ("prefix empty matches any string", {"r": [{"prefix": ""}]}, {"r": "x"}, True),
    ("prefix empty not number", {"r": [{"prefix": ""}]}, {"r": 1}, False),
    ("prefix not number", {"r": [{"prefix": "1"}]}, {"r": 12}, False),
    ("prefix ignore case", {"t": [{"prefix": {"equals-ignore-case": "EventB"}}]}, {"t": "eventbridge"}, True),
    ("prefix ignore case NEG", {"t": [{"prefix": {"equals-ignore-case": "EventC"}}]}, {"t": "eventbridge"}, False),
    ("prefix case sensitive NEG", {"t": [{"prefix": "EventB"}]}, {"t": "eventbridge"}, False),
    ("suffix", {"f": [{"suffix": ".png"}]}, {"f": "a.png"}, True),
    ("suffix NEG", {"f": [{"suffix": ".png"}]}, {"f": "a.PNG"}, False),
    ("suffix ignore case", {"f": [{"suffix": {"equals-ignore-case": ".png"}}]}, {"f": "a.PNG"}, True),
    ("suffix ignore case NEG", {"f": [{"suffix": {"equals-ignore-case": ".png"}}]}, {"f": "a.jpg"}, False),
    ("suffix unicode", {"f": [{"suffix": "京"}]}, {"f": "东京"}, True),
    # equals-ignore-case
    ("eic", {"n": [{"equals-ignore-case": "alice"}]}, {"n": "ALICE"}, True),
    ("eic NEG", {"n": [{"equals-ignore-case": "alice"}]}, {"n": "alic"}, False),
    ("eic empty only empty", {"n": [{"equals-ignore-case": ""}]}, {"n": "a"}, False),
    ("eic empty", {"n": [{"equals-ignore-case": ""}]}, {"n": ""}, True),
    # anything-but
    ("ab string", {"s": [{"anything-but": "x"}]}, {"s": "y"}, True),
    ("ab string NEG", {"s": [{"anything-but": "x"}]}, {"s": "x"}, False),
    ("ab null matches", {"s": [{"anything-but": "x"}]}, {"s": None}, True),
    ("ab missing does not match", {"s": [{"anything-but": "x"}]}, {}, False),
    ("ab list", {"s": [{"anything-but": ["x", "y"]}]}, {"s": "z"}, True),
    ("ab list NEG", {"s": [{"anything-but": ["x", "y"]}]}, {"s": "y"}, False),
    ("ab number", {"n": [{"anything-but": 5}]}, {"n": 6}, True),
    ("ab number NEG", {"n": [{"anything-but": 5}]}, {"n": 5.0}, False),
    ("ab number list vs string", {"n": [{"anything-but": [1, 2]}]}, {"n": "1"}, True),
    ("ab event array any element", {"s": [{"anything-but": "x"}]}, {"s": ["x", "y"]}, True),
    ("ab event array all excluded", {"s": [{"anything-but": ["x", "y"]}]}, {"s": ["x", "y"]}, False),
    ("ab prefix", {"s": [{"anything-but": {"prefix": "init"}}]}, {"s": "done"}, True),
    ("ab prefix NEG", {"s": [{"anything-but": {"prefix": "init"}}]}, {"s": "initial"}, False),
    ("ab prefix number matches", {"s": [{"anything-but": {"prefix": "1"}}]}, {"s": 12}, True),
    ("ab prefix list", {"s": [{"anything-but": {"prefix": ["a", "b"]}}]}, {"s": "bc"}, False),
    ("ab suffix", {"s": [{"anything-but": {"suffix": ".txt"}}]}, {"s": "a.png"}, True),
    ("ab suffix NEG", {"s": [{"anything-but": {"suffix": ".txt"}}]}, {"s": "a.txt"}, False),
    ("ab eic", {"s": [{"anything-but": {"equals-ignore-case": "X"}}]}, {"s": "y"}, True),
    ("ab eic NEG", {"s": [{"anything-but": {"equals-ignore-case": ["X", "Z"]}}]}, {"s": "z"}, False),
    ("ab eic null", {"s": [{"anything-but": {"equals-ignore-case": "X"}}]}, {"s": None}, True),
    ("ab wildcard", {"p": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"p": "/usr/bin/x"}, True),
    ("ab wildcard NEG", {"p": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"p": "/usr/lib/x"}, False),
    ("ab wildcard number", {"p": [{"anything-but": {"wildcard": "*"}}]}, {"p": 3}, True),
    ("ab wildcard empty", {"p": [{"anything-but": {"wildcard": ""}}]}, {"p": ""}, False),
    # numeric
    ("numeric range", {"n": [{"numeric": [">", 0, "<=", 5]}]}, {"n": 5}, True),
    ("numeric range NEG low", {"n": [{"numeric": [">", 0, "<=", 5]}]}, {"n": 0}, False),
    ("numeric range NEG high", {"n": [{"numeric": [">", 0, "<=", 5]}]}, {"n": 5.01}, False),
    ("numeric =", {"n": [{"numeric": ["=", 100]}]}, {"n": 1e2}, True),
    ("numeric <", {"n": [{"numeric": ["<", 10]}]}, {"n": -1e9}, True),
    ("numeric >=", {"n": [{"numeric": [">=", 10]}]}, {"n": 10}, True),
    ("numeric big", {"n": [{"numeric": [">", 5000000000]}]}, {"n": 6e9}, True),
    ("numeric string NEG", {"n": [{"numeric": [">", 0]}]}, {"n": "5"}, False),
    ("numeric null NEG", {"n": [{"numeric": [">", 0]}]}, {"n": None}, False),
    ("numeric bool NEG", {"n": [{"numeric": [">", 0]}]}, {"n": True}, False),
    ("numeric array element", {"n": [{"numeric": [">", 10]}]}, {"n": [1, 20]}, True),
    ("numeric int float", {"n": [{"numeric": ["=", 3]}]}, {"n": 3.0}, True),
    # exists
    ("exists true", {"k": [{"exists": True}]}, {"k": "v"}, True),
    ("exists true null", {"k": [{"exists": True}]}, {"k": None}, True),
    ("exists true missing", {"k": [{"exists": True}]}, {}, False),
    ("exists true empty list", {"k": [{"exists": True}]}, {"k": []}, False),
    ("exists true object", {"k": [{"exists": True}]}, {"k": {"a": 1}}, False),
    ("exists false missing", {"k": [{"exists": False}]}, {"x": 1}, True),
    ("exists false missing parent", {"d": {"k": [{"exists": False}]}}, {"x": 1}, True),
    ("exists false present NEG", {"k": [{"exists": False}]}, {"k": "v"}, False),
    ("exists false null NEG", {"k": [{"exists": False}]}, {"k": None}, False),
    ("exists false empty list", {"k": [{"exists": False}]}, {"k": []}, True),
    ("exists false object", {"k": [{"exists": False}]}, {"k": {"a": 1}}, True),
    ("exists false with others", {"a": ["x"], "k": [{"exists": False}]}, {"a": "x"}, True),
    ("exists false with others NEG", {"a": ["x"], "k": [{"exists": False}]}, {"a": "y"}, False),
    ("or anything-but exists false absent", {"k": [{"anything-but": ["roses"]}, {"exists": False}]}, {}, True),
    ("or anything-but exists false other", {"k": [{"anything-but": ["roses"]}, {"exists": False}]},
     {"k": "tulips"}, True),
    ("or anything-but exists false NEG", {"k": [{"anything-but": ["roses"]}, {"exists": False}]},
     {"k": "roses"}, False),
    # cidr
    ("cidr v4", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.255"}, True),
    ("cidr v4 NEG", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.1.0"}, False),
    ("cidr host bits", {"ip": [{"cidr": "220.160.154.255/24"}]}, {"ip": "220.160.154.1"}, True),
    ("cidr bad address NEG", {"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": "10.0.0.256"}, False),
    ("cidr number NEG", {"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": 10}, False),
    ("cidr v6", {"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:0db8:0000:0000:0000:0000:0000:0001"}, True),
    ("cidr v6 NEG", {"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db9::1"}, False),
    ("cidr v4 vs v6 NEG", {"ip": [{"cidr": "0.0.0.0/0"}]}, {"ip": "::1"}, False),
    # wildcard
    ("wildcard", {"a": [{"wildcard": "arn:*:event-bus/*"}]}, {"a": "arn:aws:events:x:1:event-bus/b"}, True),
    ("wildcard crosses slash", {"a": [{"wildcard": "a*c"}]}, {"a": "a/b/c"}, True),
    ("wildcard zero chars", {"a": [{"wildcard": "a*c"}]}, {"a": "ac"}, True),
    ("wildcard NEG", {"a": [{"wildcard": "a*c"}]}, {"a": "acb"}, False),
    ("wildcard escaped star", {"a": [{"wildcard": "a\\*c"}]}, {"a": "a*c"}, True),
    ("wildcard escaped star NEG", {"a": [{"wildcard": "a\\*c"}]}, {"a": "abc"}, False),
    ("wildcard escaped backslash", {"a": [{"wildcard": "a\\\\*"}]}, {"a": "a\\bc"}, True),
    ("wildcard empty", {"a": [{"wildcard": ""}]}, {"a": ""}, True),
    ("wildcard empty NEG", {"a": [{"wildcard": ""}]}, {"a": "x"}, False),
    ("wildcard number NEG", {"a": [{"wildcard": "*"}]}, {"a": 1}, False),
    ("wildcard suffix only", {"a": [{"wildcard": "*.png"}]}, {"a": "x.png"}, True),
    ("wildcard middle", {"a": [{"wildcard": "*lib*"}]}, {"a": "/usr/lib/x"}, True),
    # $or
    ("or", {"$or": [{"a": [1]}, {"b": [2]}]}, {"b": 2}, True),
    ("or NEG", {"$or": [{"a": [1]}, {"b": [2]}]}, {"b": 1}, False),
    ("or with sibling", {"s": ["x"], "$or": [{"a": [1]}, {"b": [2]}]}, {"s": "y", "b": 2}, False),
    ("or nested", {"d": {"$or": [{"a": [1]}, {"$or": [{"b": [2]}, {"c": [3]}]}]}}, {"d": {"c": 3}}, True),
    ("or same field ANDed", {"a": [{"prefix": "x"}], "$or": [{"a": [{"suffix": "y"}]}, {"b": [1]}]},
     {"a": "xy"}, True),
    ("or same field ANDed NEG", {"a": [{"prefix": "x"}], "$or": [{"a": [{"suffix": "y"}]}, {"b": [1]}]},
     {"a": "xz"}, False),
    ("mixed operators in list", {"u": ["a", {"prefix": "https:"}]}, {"u": "https://x"}, True),
]


@pytest.mark.parametrize("name,pattern,event,expected", CASES, ids=[c[0] for c in CASES])
def test_case(name, pattern, event, expected):
    assert matches(pattern, event) is expected
    assert reference_matches(pattern, event) is expected


def test_all_cases_in_one_ruleset():
    rules = RuleSet({case[0]: case[1] for case in CASES})
    for name, _, event, expected in CASES:
        assert (name in rules.matching(event)) is expected, name
