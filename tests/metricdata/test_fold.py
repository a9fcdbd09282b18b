"""Folding metric data per metric and second keeps every statistic exact."""

from __future__ import annotations

from hypothesis import given, strategies as st

from pipeline.alarms import add_value, new_bucket
from pipeline.metric_data import MAX_VALUES, fold_metric_data, samples_of


def datum(name="Errors", value=1.0, ts=1_732_528_800_123, unit="Count", dims=(("Host", "a"),)):
    return {"Namespace": "App", "MetricName": name, "Dimensions": [{"Name": n, "Value": v} for n, v in dims],
            "Timestamp": ts, "Value": value, "Unit": unit}


def test_same_metric_and_second_become_one_datum_with_counts():
    folded = fold_metric_data([datum(value=1.0), datum(value=1.0, ts=1_732_528_800_999), datum(value=5.0)])
    assert folded == [{"Namespace": "App", "MetricName": "Errors", "Dimensions": [{"Name": "Host", "Value": "a"}],
                       "Timestamp": 1_732_528_800_000, "Value": 1.0, "Unit": "Count",
                       "Values": [1.0, 5.0], "Counts": [2.0, 1.0]}]


def test_other_second_metric_dimension_or_unit_stay_apart():
    data = [datum(), datum(ts=1_732_528_801_000), datum(name="Other"), datum(dims=(("Host", "b"),)),
            datum(unit="Seconds")]
    folded = fold_metric_data(data)
    assert len(folded) == 5
    # a lone sample stays a plain Value, as a reader unaware of Values/Counts expects
    assert all("Values" not in d or d["Values"] == [] for d in folded)
    assert [samples_of(d) for d in folded] == [[(1.0, 1.0)]] * 5


def test_more_than_150_distinct_values_spill_into_more_data():
    folded = fold_metric_data([datum(value=float(v)) for v in range(MAX_VALUES + 10)])
    assert [len(d["Values"]) for d in folded] == [MAX_VALUES, 10]
    assert sum(c for d in folded for _, c in samples_of(d)) == MAX_VALUES + 10


def test_folded_data_are_folded_again_exactly():
    once = fold_metric_data([datum(value=v) for v in (1.0, 2.0, 2.0)])
    twice = fold_metric_data(once + [datum(value=2.0)])
    assert samples_of(twice[0]) == [(1.0, 1.0), (2.0, 3.0)]


values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(st.lists(st.tuples(st.sampled_from(["A", "B"]), st.integers(0, 5_000), values), max_size=200))
def test_statistics_per_metric_and_period_are_unchanged(samples):
    data = [datum(name=name, value=value, ts=1_732_528_800_000 + offset) for name, offset, value in samples]

    def buckets(records):
        out = {}
        for d in records:
            bucket = out.setdefault((d["MetricName"], d["Timestamp"] // 10_000), new_bucket())
            for value, count in samples_of(d):
                add_value(bucket, value, count)
        return {k: (b["SampleCount"], round(b["Sum"], 6), b["Minimum"], b["Maximum"]) for k, b in out.items()}

    assert buckets(fold_metric_data(data)) == buckets(data)
