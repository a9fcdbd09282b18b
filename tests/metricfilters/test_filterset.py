"""MetricFilterSet (per log group) and validate_metric_filter (the definitions contract)."""

import pytest

from pipeline.metricfilters import (FilterPatternError, MetricFilterError, MetricFilterLimitError,
                                    MetricFilterSet, validate_metric_filter)
from pipeline.metricfilters.definitions import metric_filter_from_body

GROUP = "/app/web"


def body(name="errors", pattern="ERROR", value="1", group=GROUP, **transformation):
    return {"logGroupName": group, "filterName": name, "filterPattern": pattern,
            "metricTransformations": [{"metricName": f"{name}-count", "metricNamespace": "App",
                                       "metricValue": value, **transformation}]}


def event(message, timestamp=1_700_000_000_000, group=GROUP):
    return {"logGroupName": group, "logStreamName": "s", "timestamp": timestamp,
            "message": message, "ingestionTime": timestamp + 5}


def test_validate_metric_filter_contract():
    name, normalised = validate_metric_filter(body(unit="Count"))
    assert name == "/app/web/errors"
    assert normalised == {
        "logGroupName": GROUP, "filterName": "errors", "filterPattern": "ERROR",
        "metricTransformations": [{"metricName": "errors-count", "metricNamespace": "App",
                                   "metricValue": "1", "unit": "Count"}],
        "applyOnTransformedLogs": False}
    assert validate_metric_filter(normalised) == (name, normalised)  # idempotent


@pytest.mark.parametrize("mutate,error,text", [
    (lambda b: b.update(filterPattern="{ $.a = 'x' }"), FilterPatternError, "single-quoted"),
    (lambda b: b.update(filterPattern=None), MetricFilterError, "filterPattern"),
    (lambda b: b.update(logGroupName="bad name!"), MetricFilterError, "logGroupName"),
    (lambda b: b.update(logGroupName=""), MetricFilterError, "logGroupName"),
    (lambda b: b.update(filterName="a:b"), MetricFilterError, "[^:*]*"),
    (lambda b: b.update(filterName="x" * 513), MetricFilterError, "512"),
    (lambda b: b.update(metricTransformations=[]), MetricFilterError, "metricTransformations"),
    (lambda b: b["metricTransformations"].append(dict(b["metricTransformations"][0])),
     MetricFilterError, "metricTransformations"),
    (lambda b: b.update(applyOnTransformedLogs="yes"), MetricFilterError, "applyOnTransformedLogs"),
    (lambda b: b.update(extra=1), MetricFilterError, "Unknown parameter"),
])
def test_validate_refuses(mutate, error, text):
    b = body()
    mutate(b)
    with pytest.raises(error) as info:
        validate_metric_filter(b)
    assert text in str(info.value)


def test_datapoints_for_event():
    filters = MetricFilterSet(GROUP)
    filters.put(body("errors", "ERROR"))
    filters.put(body("bytes", "[..., status, size]", "$size", unit="Bytes",
                     dimensions={"Status": "$status"}))
    filters.put(body("json", "{ $.latency > 0 }", "$.latency", unit="Milliseconds"))
    points = filters.datapoints_for(event("ERROR 500 2048"))
    assert points == [
        {"Namespace": "App", "MetricName": "errors-count", "Dimensions": [],
         "Timestamp": 1_700_000_000_000, "Value": 1.0, "Unit": "None"},
        {"Namespace": "App", "MetricName": "bytes-count",
         "Dimensions": [{"Name": "Status", "Value": "500"}],
         "Timestamp": 1_700_000_000_000, "Value": 2048.0, "Unit": "Bytes"},
    ]
    assert filters.datapoints_for(event('{"latency": 12}'))[0]["Value"] == 12.0
    assert filters.datapoints_for(event("ERROR", group="/other")) == []
    assert filters.datapoints_for({"timestamp": 1, "message": None}) == []


def test_replace_remove_and_order():
    filters = MetricFilterSet(GROUP)
    filters.put(body("a", "A"))
    filters.put(body("b", "B"))
    filters.put(body("a", "AA"))  # replace keeps position
    assert [f.filter_name for f in filters] == ["a", "b"]
    assert filters.get("a").pattern.text == "AA"
    assert "b" in filters and len(filters) == 2
    assert filters.remove("a") and not filters.remove("a")
    assert [f.filter_name for f in filters] == ["b"]


def test_bad_definition_leaves_the_set_unchanged():
    filters = MetricFilterSet(GROUP)
    filters.put(body("a", "A"))
    with pytest.raises(FilterPatternError):
        filters.put(body("a", "{ broken"))
    assert filters.get("a").pattern.text == "A"
    with pytest.raises(MetricFilterError):
        filters.put(metric_filter_from_body(body("x", group="/elsewhere")))


def test_at_most_100_filters_per_log_group():
    filters = MetricFilterSet(GROUP)
    for i in range(100):
        filters.put(body(f"f{i}", f"T{i}"))
    with pytest.raises(MetricFilterLimitError) as info:
        filters.put(body("f100", "X"))
    assert info.value.code == "LimitExceededException"
    filters.put(body("f5", "replaced"))  # replacing is not adding
    assert len(filters) == 100


def test_at_most_5_regex_patterns_per_log_group():
    filters = MetricFilterSet(GROUP)
    for i in range(5):
        filters.put(body(f"r{i}", f"%E{i}%"))
    filters.put(body("plain", "ERROR"))
    with pytest.raises(MetricFilterLimitError):
        filters.put(body("r5", "{ $.a = %x% }"))


def test_default_datapoints_for_a_minute():
    filters = MetricFilterSet(GROUP)
    filters.put(body("errors", "ERROR", defaultValue=0))
    filters.put(body("warns", "WARN"))  # no default value: never emits one
    minute = 1_700_000_040_000
    assert filters.default_datapoints(minute, events_in_minute=3, matches_by_filter={}) == [
        {"Namespace": "App", "MetricName": "errors-count", "Dimensions": [], "Timestamp": minute,
         "Value": 0.0, "Unit": "None"}]
    assert filters.default_datapoints(minute, 3, {"errors": 1}) == []
    assert filters.default_datapoints(minute, 0, {}) == []


def test_matches_for_shares_one_decoding():
    filters = MetricFilterSet(GROUP)
    filters.put(body("a", "{ $.x = 1 }"))
    filters.put(body("b", "{ $.y NOT EXISTS }"))
    matches = filters.matches_for(event('{"x": 1}'))
    assert [f.filter_name for f, _ in matches] == ["a", "b"]
    assert matches[0][1].document is matches[1][1].document


def test_evaluate_reports_matches_without_datum():
    filters = MetricFilterSet(GROUP)
    filters.put(body("sizes", "[..., size]", "$size"))
    filters.put(body("other", "NOPE"))
    data, matched = filters.evaluate(event("GET big"))  # "big" is not a number
    assert data == [] and matched == ("sizes",)
    assert filters.default_datapoints(0, 1, {"sizes": len(matched)}) == []


def test_definitions_kind_uses_our_validator():
    from pipeline.definitions.kinds import validate

    definition = validate("PutMetricFilter", body())
    assert definition.kind == "MetricFilter"
    assert definition.key == "MetricFilter//app/web/errors"
    with pytest.raises(FilterPatternError):
        validate("PutMetricFilter", body(pattern="{ $.a IS NOT NULL }"))
