"""Matching throughput of the metric-filter engine, per pattern family, relative to a baseline.

    .venv/bin/python bench/metricfilters.py [--seconds 1.0] [--save]

Each family is timed over realistic messages, next to a baseline measured in the same run
(a plain ``in`` substring check, ``re.search``, ``json.loads``/``orjson.loads``,
``str.split``), so the ratio says what the engine costs on top of the unavoidable work and the
absolute numbers can be compared across machines only loosely. ``--save`` writes
bench/results/metricfilters.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.metricfilters import MetricFilterSet, compile_filter_pattern  # noqa: E402

try:
    import orjson
except ImportError:  # pragma: no cover
    orjson = None

SHARED = ROOT / ".." / "shared" / "data"


def _app_lines(rng: random.Random, n: int) -> list[str]:
    levels = ["INFO"] * 6 + ["DEBUG"] * 3 + ["WARN", "ERROR"]
    words = "request handled user session cache miss timeout retry upstream db query".split()
    out = []
    for i in range(n):
        level = rng.choice(levels)
        body = " ".join(rng.choice(words) for _ in range(rng.randint(6, 20)))
        out.append(f"2024-05-01T12:{i % 60:02d}:{i % 59:02d}.{i % 1000:03d}Z [{level}] "
                   f"req-{rng.getrandbits(32):08x} {body} latency_ms={rng.randint(1, 900)}")
    return out


def _access_lines(rng: random.Random, n: int) -> list[str]:
    paths = ["/index.html", "/api/v1/users", "/static/app.js", "/login", "/img/logo.png"]
    statuses = [200] * 8 + [301, 404, 403, 500]
    return [f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)} - "
            f"user{rng.randint(1, 50)} [10/Oct/2024:13:{i % 60:02d}:15 -0700] "
            f"\"GET {rng.choice(paths)} HTTP/1.1\" {rng.choice(statuses)} {rng.randint(100, 90000)}"
            for i in range(n)]


def _cloudtrail_messages() -> list[str]:
    with open(SHARED / "cloudtrail_samples.jsonl", encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip()]


def _cis_patterns() -> list[str]:
    with open(SHARED / "cis_filters.jsonl", encoding="utf-8") as handle:
        return [json.loads(line)["pattern"] for line in handle if line.strip()]


def rate(fn: Callable[[str], object], messages: list[str], seconds: float) -> float:
    """Messages per second of ``fn`` over ``messages`` (cycled), best of 3 slices."""
    best = 0.0
    for _ in range(3):
        count = 0
        start = time.perf_counter()
        deadline = start + seconds / 3
        while True:
            for m in messages:
                fn(m)
            count += len(messages)
            now = time.perf_counter()
            if now >= deadline:
                break
        best = max(best, count / (now - start))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    parser.add_argument("--save", action="store_true", help="write bench/results/metricfilters.json")
    args = parser.parse_args(argv)
    rng = random.Random(1)
    app = _app_lines(rng, 2000)
    access = _access_lines(rng, 2000)
    trail = _cloudtrail_messages()
    cis = _cis_patterns()

    rows: list[dict] = []

    def measure(family: str, pattern: str, messages: list[str], fn, baseline_name: str, baseline):
        ours = rate(fn, messages, args.seconds)
        base = rate(baseline, messages, args.seconds)
        rows.append({"family": family, "pattern": pattern, "messages_per_s": round(ours),
                     "baseline": baseline_name, "baseline_per_s": round(base),
                     "ratio_to_baseline": round(ours / base, 3)})
        print(f"{family:<22} {ours:>12,.0f}/s   {baseline_name:<22} {base:>12,.0f}/s   "
              f"x{ours / base:6.3f}   {pattern[:60]}", flush=True)

    print(f"{'family':<22} {'ours':>14}   {'baseline':<22} {'baseline':>14}   ratio   pattern")
    terms = compile_filter_pattern('ERROR -DEBUG "upstream"')
    measure("terms", terms.text, app, terms.matches, "3x str in",
            lambda m: "ERROR" in m and "DEBUG" not in m and "upstream" in m)
    one = compile_filter_pattern("ERROR")
    measure("terms (one term)", one.text, app, one.matches, "str in", lambda m: "ERROR" in m)

    regex = compile_filter_pattern("%[Ee]rror|[Ff]ail|latency_ms=9\\d\\d%")
    py = re.compile(r"[Ee]rror|[Ff]ail|latency_ms=9\d\d")
    measure("regex", regex.text, app, regex.matches, "re.search", py.search)

    ip = compile_filter_pattern("%^10\\.1\\d\\.%")
    py_ip = re.compile(r"^10\.1\d\.")
    measure("regex (anchored)", ip.text, access, ip.matches, "re.search", py_ip.search)

    loads = orjson.loads if orjson is not None else json.loads
    loads_name = "orjson.loads" if orjson is not None else "json.loads"
    root = compile_filter_pattern(cis[4])  # cis-4.3, root usage: && with NOT EXISTS
    measure("json (cis-4.3)", root.text, trail, root.matches, loads_name, loads)
    policy = compile_filter_pattern(cis[5])  # cis-4.4: 16 alternatives
    measure("json (cis-4.4)", policy.text, trail, policy.matches, loads_name, loads)

    filters = MetricFilterSet("CloudTrail/logs")
    for i, pattern in enumerate(cis):
        filters.put({"logGroupName": "CloudTrail/logs", "filterName": f"cis{i}",
                     "filterPattern": pattern,
                     "metricTransformations": [{"metricName": f"cis{i}", "metricNamespace": "CIS",
                                                "metricValue": "1"}]})
    events = [{"logGroupName": "CloudTrail/logs", "timestamp": 0, "message": m} for m in trail]
    by_message = {e["message"]: e for e in events}
    measure("json (18 CIS, one set)", "all 18 CIS filters per event", trail,
            lambda m: filters.datapoints_for(by_message[m]), loads_name, loads)

    access_pattern = compile_filter_pattern(
        "[ip, id, user, timestamp, request, status_code = 4* || status_code = 5*, bytes > 1000]")
    measure("delimited", access_pattern.text, access, access_pattern.matches, "str.split",
            str.split)
    tail = compile_filter_pattern("[..., status_code = 404, bytes]")
    measure("delimited (...)", tail.text, access, tail.matches, "str.split", str.split)

    if args.save:
        out = ROOT / "bench" / "results" / "metricfilters.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"python": platform.python_version(),
                                   "machine": platform.machine(), "rows": rows}, indent=2) + "\n")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
