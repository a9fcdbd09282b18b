"""Alarm engine throughput: bucket aggregation and metric-alarm evaluations.

Standalone: ``.venv/bin/python bench/alarms.py [--quick]``. Each figure is printed with a ratio
against a baseline measured in the same run on the same data, so machines can be compared:

* aggregation: datapoints/s for ``periods.add_value`` (exact aggregates + quantile sketch) into
  60 s buckets, against ``sum()`` over the same values and against a plain Python loop that only
  keeps count and sum per bucket;
* evaluation: evaluations/s for 10,000 alarms (mixed N, M, operators, statistics incl. p99,
  missing data), each evaluated at consecutive minutes over its bucket table, against a
  baseline that takes the same window's per-period sums and compares them with the threshold;
* memory: bytes per active metric series as the worker keeps it (the series' buckets for its
  alarm's evaluation range, as plain dicts with the quantile sketch, and the size of its JSON
  changelog value), for 100,000 series, against a baseline that keeps one float per bucket.

Results also go to ``bench/results/alarms.json``.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.alarms import Alarm, assess  # noqa: E402
from pipeline.alarms.periods import add_value, new_bucket, period_start  # noqa: E402

EPOCH = 1_795_514_400  # 2026-11-24T10:00:00Z
OPERATORS = ["GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"]
STATS = [("Statistic", "Average"), ("Statistic", "Sum"), ("Statistic", "Maximum"), ("ExtendedStatistic", "p99"),
         ("Statistic", "SampleCount")]
TREATMENTS = ["missing", "ignore", "breaching", "notBreaching"]


def best_of(runs: int, fn) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def bench_aggregation(count: int) -> dict[str, float]:
    rng = random.Random(1)
    values = [rng.lognormvariate(3, 1) for _ in range(count)]
    stamps = [EPOCH + rng.random() * 3600 for _ in range(count)]

    def engine():
        buckets: dict[int, dict] = {}
        for t, v in zip(stamps, values):
            key = period_start(t, 60)
            bucket = buckets.get(key)
            if bucket is None:
                bucket = buckets[key] = new_bucket()
            add_value(bucket, v)

    def plain_loop():
        buckets: dict[int, list] = {}
        for t, v in zip(stamps, values):
            key = int(t // 60 * 60)
            bucket = buckets.get(key)
            if bucket is None:
                bucket = buckets[key] = [0, 0.0]
            bucket[0] += 1
            bucket[1] += v

    engine_s = best_of(5, engine)
    loop_s = best_of(5, plain_loop)
    sum_s = best_of(5, lambda: sum(values))
    return {
        "datapoints": count,
        "datapoints_per_s": count / engine_s,
        "baseline_sum_per_s": count / sum_s,
        "baseline_loop_per_s": count / loop_s,
        "ratio_to_sum": engine_s / sum_s,
        "ratio_to_loop": engine_s / loop_s,
    }


def make_alarms(count: int, rng: random.Random):
    alarms = []
    for i in range(count):
        n = rng.randint(1, 5)
        key, stat = STATS[i % len(STATS)]
        body = {
            "AlarmName": f"alarm-{i}", "Namespace": "Bench", "MetricName": f"m{i}", key: stat, "Period": 60,
            "EvaluationPeriods": n, "DatapointsToAlarm": rng.randint(1, n), "Threshold": rng.uniform(10, 40),
            "ComparisonOperator": OPERATORS[i % 4], "TreatMissingData": TREATMENTS[(i // 4) % 4],
        }
        alarms.append(Alarm.from_dict(body))
    return alarms


def make_tables(alarms, minutes: int, samples: int, rng: random.Random):
    tables = []
    for _ in alarms:
        table = {}
        for minute in range(minutes):
            if rng.random() < 0.1:
                continue  # missing period
            bucket = new_bucket()
            for _ in range(samples):
                add_value(bucket, rng.lognormvariate(3, 0.5))
            table[EPOCH + minute * 60] = bucket
        tables.append(table)
    return tables


def bench_evaluation(alarm_count: int, steps: int) -> dict[str, float]:
    rng = random.Random(2)
    alarms = make_alarms(alarm_count, rng)
    minutes = 10 + steps
    tables = make_tables(alarms, minutes, 10, rng)
    moments = [EPOCH + (10 + s) * 60 for s in range(steps)]

    def engine():
        states = [None] * len(alarms)
        for at in moments:
            for i, alarm in enumerate(alarms):
                states[i] = assess(alarm, tables[i], at, states[i]).state

    def baseline():
        for at in moments:
            for i, alarm in enumerate(alarms):
                window = [tables[i].get(at - (k + 1) * 60) for k in range(alarm.evaluation_range)]
                sums = [b["Sum"] for b in window if b is not None]
                _ = sum(1 for s in sums if s > alarm.threshold) >= alarm.datapoints_to_alarm

    evaluations = alarm_count * steps
    engine_s = best_of(3, engine)
    base_s = best_of(3, baseline)
    return {
        "alarms": alarm_count,
        "evaluations": evaluations,
        "evaluations_per_s": evaluations / engine_s,
        "baseline_per_s": evaluations / base_s,
        "ratio_to_baseline": engine_s / base_s,
    }


def bench_memory(series: int, buckets_per_series: int = 5, samples: int = 4, sketch: bool = True) -> dict[str, float]:
    import tracemalloc

    rng = random.Random(3)

    def build_engine():
        table = {}
        for n in range(series):
            entry = {"buckets": {}, "anomaly": None}
            for b in range(buckets_per_series):
                bucket = new_bucket(sketch=sketch)
                for _ in range(samples):
                    add_value(bucket, rng.lognormvariate(3, 1))
                entry["buckets"][str(EPOCH + b * 60)] = bucket
            table[f"Bench|Latency|Host=h{n}"] = entry
        return table

    def build_baseline():
        return {f"Bench|Latency|Host=h{n}": [rng.random() for _ in range(buckets_per_series)] for n in range(series)}

    sizes = {}
    for name, build in (("engine", build_engine), ("baseline", build_baseline)):
        tracemalloc.start()
        table = build()
        sizes[name] = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        if name == "engine":
            sample = json.dumps(next(iter(table.values())))
        del table
    return {
        "series": series,
        "buckets_per_series": buckets_per_series,
        "bytes_per_series": sizes["engine"] / series,
        "baseline_bytes_per_series": sizes["baseline"] / series,
        "ratio_to_baseline": sizes["engine"] / sizes["baseline"],
        "changelog_json_bytes_per_series": len(sample),
        "megabytes_per_100k_series": sizes["engine"] / series * 100_000 / 1e6,
    }


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    started = time.perf_counter()
    aggregation = bench_aggregation(50_000 if quick else 300_000)
    print(f"aggregation: {aggregation['datapoints_per_s']:,.0f} datapoints/s into 60 s buckets (sketch + exact); "
          f"sum() {aggregation['baseline_sum_per_s']:,.0f}/s (x{aggregation['ratio_to_sum']:.0f} slower), "
          f"count+sum loop {aggregation['baseline_loop_per_s']:,.0f}/s (x{aggregation['ratio_to_loop']:.1f} slower)")
    evaluation = bench_evaluation(1000 if quick else 10_000, 3)
    print(f"evaluation: {evaluation['evaluations_per_s']:,.0f} evaluations/s over {evaluation['alarms']} alarms; "
          f"threshold-on-sums baseline {evaluation['baseline_per_s']:,.0f}/s "
          f"(x{evaluation['ratio_to_baseline']:.1f} slower)")
    memory = bench_memory(10_000 if quick else 100_000)
    plain = bench_memory(10_000 if quick else 100_000, sketch=False)
    memory["without_sketch"] = plain
    print(f"memory without percentile sketches (alarms on Sum/Average/...): {plain['bytes_per_series']:,.0f} bytes "
          f"per series ({plain['megabytes_per_100k_series']:,.0f} MB per 100,000; x{plain['ratio_to_baseline']:.1f} "
          f"the one-float baseline); changelog value {plain['changelog_json_bytes_per_series']:,} bytes")
    print(f"memory: {memory['bytes_per_series']:,.0f} bytes per active series ({memory['buckets_per_series']} buckets "
          f"with sketches; {memory['megabytes_per_100k_series']:,.0f} MB per 100,000 series); one float per bucket "
          f"{memory['baseline_bytes_per_series']:,.0f} bytes (x{memory['ratio_to_baseline']:.1f}); changelog value "
          f"{memory['changelog_json_bytes_per_series']:,} bytes of JSON")
    result = {"aggregation": aggregation, "evaluation": evaluation, "memory": memory, "python": sys.version.split()[0],
              "seconds": time.perf_counter() - started}
    out = Path(__file__).resolve().parent / "results" / "alarms.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"total {result['seconds']:.1f} s; written to {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
