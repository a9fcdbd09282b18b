"""Metric transformations: value from constant/$.x/$name/$N, default value, dimensions, unit."""

import pytest

from pipeline.metricfilters import (MetricFilterError, MetricTransformation, compile_filter_pattern,
                                    should_emit_default)

APACHE = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
DELIMITED = compile_filter_pattern("[ip, user, username, timestamp, request, status_code, bytes]")
ELLIPSIS = compile_filter_pattern("[..., status_code, bytes]")
JSON = compile_filter_pattern("{ $.latency = * }")
TERMS = compile_filter_pattern("ERROR")
T = 1_700_000_000_123


def transformation(pattern, **extra):
    body = {"metricName": "M", "metricNamespace": "NS", "metricValue": "1", **extra}
    return MetricTransformation.from_aws(body, pattern)


@pytest.mark.parametrize("pattern,message,metric_value,expected", [
    (TERMS, "ERROR x", "1", 1.0),
    (TERMS, "ERROR x", "2.5", 2.5),
    (TERMS, "ERROR x", "-1e3", -1000.0),
    (JSON, '{"latency": 50}', "$.latency", 50.0),
    (JSON, '{"latency": "12.5"}', "$.latency", 12.5),  # numeric string counts
    (JSON, '{"latency": 50, "n": {"x": [1, 7]}}', "$.n.x[1]", 7.0),
    (DELIMITED, APACHE, "$bytes", 1534.0),
    (DELIMITED, APACHE, "$7", 1534.0),
    (DELIMITED, APACHE, "$status_code", 404.0),
    (ELLIPSIS, APACHE, "$bytes", 1534.0),
    (ELLIPSIS, APACHE, "$1", None),  # "127.0.0.1" is not a number: no datum
    (DELIMITED, APACHE, "$user", None),
    (JSON, '{"latency": "slow"}', "$.latency", None),
    (compile_filter_pattern("{ $.latency IS TRUE }"), '{"latency": true}', "$.latency", None),
    (JSON, '{"latency": 1}', "$.missing", None),
    (DELIMITED, APACHE, "$9", None),
])
def test_metric_value(pattern, message, metric_value, expected):
    t = transformation(pattern, metricValue=metric_value)
    match = pattern.match(message)
    assert match is not None
    datum = t.datum(match, T)
    if expected is None:
        assert datum is None
    else:
        assert datum == {"Namespace": "NS", "MetricName": "M", "Dimensions": [], "Timestamp": T,
                         "Value": expected, "Unit": "None"}


def test_dimensions_and_unit_from_json_fields():
    pattern = compile_filter_pattern('{ $.eventType = "*" }')
    t = transformation(pattern, metricValue="$.bytes", unit="Bytes",
                       dimensions={"EventType": "$.eventType", "Ok": "$.ok", "Code": "$.code"})
    datum = t.datum(pattern.match('{"eventType": "Put", "bytes": 10, "ok": true, "code": 404}'), T)
    assert datum["Dimensions"] == [{"Name": "EventType", "Value": "Put"},
                                   {"Name": "Ok", "Value": "true"},
                                   {"Name": "Code", "Value": "404"}]
    assert datum["Unit"] == "Bytes" and datum["Value"] == 10.0
    # a dimension whose field is missing or an object: no datum
    assert t.datum(pattern.match('{"eventType": "Put", "bytes": 1, "ok": true}'), T) is None
    assert t.datum(pattern.match('{"eventType": "Put", "bytes": 1, "ok": {}, "code": 1}'), T) is None


def test_dimensions_from_delimited_fields():
    t = transformation(DELIMITED, dimensions={"Server": "$user", "Status": "$6"})
    datum = t.datum(DELIMITED.match(APACHE), T)
    assert datum["Dimensions"] == [{"Name": "Server", "Value": "Prod"},
                                   {"Name": "Status", "Value": "404"}]


def test_default_value_rule_and_datum():
    assert should_emit_default(events_in_minute=2, matches_in_minute=0)
    assert not should_emit_default(events_in_minute=2, matches_in_minute=2)
    assert not should_emit_default(events_in_minute=0, matches_in_minute=0)
    t = transformation(TERMS, defaultValue=0)
    assert t.default_datum(T) == {"Namespace": "NS", "MetricName": "M", "Dimensions": [],
                                  "Timestamp": T, "Value": 0.0, "Unit": "None"}
    assert transformation(TERMS).default_datum(T) is None


@pytest.mark.parametrize("pattern,extra,message", [
    (TERMS, {"dimensions": {"A": "$.a"}}, "The specified filter pattern does not support dimensions"),
    (compile_filter_pattern("%ERR%"), {"dimensions": {"A": "$1"}},
     "The specified filter pattern does not support dimensions"),
    (JSON, {"dimensions": {"A": "$.a"}, "defaultValue": 0},
     "A default value cannot be specified when dimensions are set"),
    (JSON, {"dimensions": {"A": "$.a", "B": "$.b", "C": "$.c", "D": "$.d"}}, "at most 3 dimensions"),
    (JSON, {"dimensions": {"A": "7"}}, "a dimension value must refer to a field"),
    (JSON, {"metricValue": "$bytes"}, "$name and $N need a space-delimited filter pattern"),
    (DELIMITED, {"metricValue": "$.bytes"}, "a $.selector needs a JSON filter pattern"),
    (DELIMITED, {"metricValue": "$size"}, "the filter pattern has no field named 'size'"),
    (TERMS, {"metricValue": "$1"}, "$name and $N need a space-delimited filter pattern"),
    (TERMS, {"metricValue": "one"}, "invalid reference 'one'"),
    (TERMS, {"metricValue": ""}, "Member must not be null or empty"),
    (TERMS, {"metricValue": "1" * 101}, "less than or equal to 100"),
    (JSON, {"metricValue": "$.a[*]"}, "wildcard selector is not allowed here"),
    (TERMS, {"unit": "Furlongs"}, "Member must satisfy enum value set"),
    (TERMS, {"defaultValue": "zero"}, "Member must be a number"),
    (TERMS, {"metricName": "a:b"}, "[^:*$]*"),
    (TERMS, {"metricNamespace": ""}, "Member must not be null or empty"),
    (TERMS, {"metricName": "x" * 256}, "less than or equal to 255"),
    (TERMS, {"colour": "red"}, "unknown field"),
])
def test_refused_transformations(pattern, extra, message):
    with pytest.raises(MetricFilterError) as info:
        transformation(pattern, **extra)
    assert message in str(info.value)


def test_round_trip_to_aws_shape():
    body = {"metricName": "M", "metricNamespace": "NS", "metricValue": "$.latency",
            "unit": "Milliseconds", "dimensions": {"Op": "$.op"}}
    assert MetricTransformation.from_aws(body, JSON).to_aws() == body
