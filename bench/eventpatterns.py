"""Event-pattern matching throughput on a citylots-shaped stream.

    .venv/bin/python bench/eventpatterns.py [--events 20000] [--scale] [--json bench/results/eventpatterns.json]

The stream is generated from shared/data/cl-sample-0..2 (lot ids, streets, types and coordinates
varied with a fixed seed), one JSON text per event. For each rule count (1, 100, 1000) and two rule
mixes it loads a RuleSet and measures events/s for ``json.loads`` + ``RuleSet.matching``.
Same-run baselines:

* ``parse floor``: ``json.loads`` of the event alone (the matcher can only be slower);
* ``naive``: the reference oracle looping over every rule (what a per-rule matcher does), timed
  on a small slice of the stream because it is slow.

Mixes: ``exact`` = exact MAPBLKLOT values (few matches: shows the rule-count independence);
``exact+prefix`` = exact MAPBLKLOT values and STREET prefix + ST_TYPE rules (fields touched stay
the same as rules grow, but more rules match each event); ``mixed`` = exact, prefix, suffix, equals-ignore-case, anything-but,
wildcard and numeric ranges on geometry.coordinates (walks the coordinate arrays).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import random
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

from pipeline.eventpatterns import RuleSet  # noqa: E402
from pipeline.eventpatterns.compiler import compile_pattern  # noqa: E402
from pipeline.eventpatterns.reference import reference_matches  # noqa: E402

STREETS = ["GREENWICH", "MISSION", "VALENCIA", "MARKET", "FOLSOM", "HOWARD", "BRYANT", "HARRISON",
           "POTRERO", "GEARY", "CLAY", "JACKSON", "PACIFIC", "BROADWAY", "VALLEJO", "UNION", "FILBERT",
           "LOMBARD", "CHESTNUT", "BAY", "NORTH POINT", "BEACH", "JEFFERSON", "03RD", "24TH"]
TYPES = ["ST", "AVE", "BLVD", "WAY", "TER", "PL", "CT", "LN", None]


def make_stream(count: int, seed: int = 7) -> list[str]:
    samples = [json.loads((DATA / f"cl-sample-{i}").read_text()) for i in range(3)]
    rng = random.Random(seed)
    out = []
    for n in range(count):
        event = json.loads(json.dumps(samples[n % 3]))
        props = event["properties"]
        block = rng.randrange(1, 8000)
        lot = rng.randrange(1, 300)
        props["MAPBLKLOT"] = f"{block:04d}{lot:03d}"
        props["BLKLOT"] = props["MAPBLKLOT"]
        props["BLOCK_NUM"] = f"{block:04d}"
        props["LOT_NUM"] = f"{lot:03d}"
        props["STREET"] = rng.choice(STREETS)
        props["ST_TYPE"] = rng.choice(TYPES)
        props["FROM_ST"] = str(rng.randrange(1, 4000))
        props["TO_ST"] = props["FROM_ST"]
        dx, dy = rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05)

        def shift(node):
            if isinstance(node, list) and node and isinstance(node[0], (int, float)):
                return [node[0] + dx, node[1] + dy] + node[2:]
            return [shift(child) for child in node]

        event["geometry"]["coordinates"] = shift(event["geometry"]["coordinates"])
        out.append(json.dumps(event))
    return out


def make_rules(count: int, mix: str, seed: int = 11) -> dict[str, dict]:
    rng = random.Random(seed)
    rules: dict[str, dict] = {}
    for n in range(count):
        kind = {"exact": 0, "exact+prefix": n % 2}.get(mix, n % 7)
        name = f"r{n}"
        if kind == 0:
            rules[name] = {"properties": {"MAPBLKLOT": [f"{rng.randrange(1, 8000):04d}{rng.randrange(1, 300):03d}"]}}
        elif kind == 1:
            street = rng.choice(STREETS)
            rules[name] = {"properties": {"STREET": [{"prefix": street[: rng.randrange(2, len(street) + 1)]}],
                                          "ST_TYPE": [rng.choice(TYPES[:-1])]}}
        elif kind == 2:
            rules[name] = {"properties": {"FROM_ST": [{"suffix": str(rng.randrange(0, 100))}]}}
        elif kind == 3:
            rules[name] = {"properties": {"STREET": [{"equals-ignore-case": rng.choice(STREETS).lower()}]}}
        elif kind == 4:
            rules[name] = {"properties": {"ST_TYPE": [{"anything-but": rng.sample(TYPES[:-1], 3)}]},
                           "geometry": {"type": ["MultiPolygon"]}}
        elif kind == 5:
            rules[name] = {"properties": {"MAPBLKLOT": [{"wildcard": f"{rng.randrange(0, 8)}*{rng.randrange(0, 10)}"}]}}
        else:
            low = rng.uniform(37.70, 37.83)
            rules[name] = {"geometry": {"coordinates": [{"numeric": [">", round(low, 5), "<", round(low + 0.0004, 5)]}]}}
    return rules


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--naive-events", type=int, default=200)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--scale", action="store_true",
                        help="also load 10,000 and 100,000 exact rules (load rate, memory, events/s)")
    args = parser.parse_args()

    stream = make_stream(args.events)
    loads = json.loads
    started = time.perf_counter()
    for text in stream:
        loads(text)
    floor = rate(len(stream), time.perf_counter() - started)
    print(f"stream: {len(stream)} events, {sum(map(len, stream)) / len(stream):.0f} bytes each")
    print(f"parse floor (json.loads only): {floor:,.0f} events/s")
    print(f"{'mix':<13} {'rules':>6} {'events/s':>10} {'of floor':>9} {'naive ev/s':>11} {'speed-up':>9} "
          f"{'matches':>8} {'load s':>7}")
    results = {"events": len(stream), "parse_floor_events_per_s": floor, "runs": []}
    for mix in ("exact", "exact+prefix", "mixed"):
        for count in (1, 100, 1000):
            rules = make_rules(count, mix)
            started = time.perf_counter()
            ruleset = RuleSet()
            ruleset.add_many(rules.items())
            ruleset.rebuild()
            load_seconds = time.perf_counter() - started
            matched = 0
            started = time.perf_counter()
            for text in stream:
                matched += len(ruleset.matching(loads(text)))
            engine = rate(len(stream), time.perf_counter() - started)

            compiled = {name: compile_pattern(p) for name, p in rules.items()}
            naive_slice = stream[: max(1, args.naive_events // max(1, count // 10))]
            started = time.perf_counter()
            for text in naive_slice:
                event = loads(text)
                expected = [name for name, p in compiled.items() if reference_matches(p, event)]
            naive = rate(len(naive_slice), time.perf_counter() - started)
            # the two must agree on the slice (cheap correctness guard for the numbers)
            for text in naive_slice[:20]:
                event = loads(text)
                assert ruleset.matching(event) == [n for n, p in compiled.items() if reference_matches(p, event)]
            print(f"{mix:<13} {count:>6} {engine:>10,.0f} {engine / floor:>8.1%} {naive:>11,.0f} "
                  f"{engine / naive:>8.1f}x {matched:>8} {load_seconds:>7.2f}")
            results["runs"].append({"mix": mix, "rules": count, "events_per_s": engine,
                                    "ratio_to_parse_floor": engine / floor, "naive_events_per_s": naive,
                                    "speedup_vs_naive": engine / naive, "matches": matched,
                                    "load_seconds": load_seconds})
    if args.scale:
        import gc
        import tracemalloc

        events = [loads(text) for text in stream]
        for count in (10_000, 100_000):
            rules = {f"x{n}": {"properties": {"MAPBLKLOT": [f"{n:07d}"]}} for n in range(count)}
            tracemalloc.start()
            started = time.perf_counter()
            ruleset = RuleSet()
            ruleset.add_many(rules.items())
            ruleset.rebuild()
            load_seconds = time.perf_counter() - started
            memory = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            gc.collect()
            started = time.perf_counter()
            matched = sum(len(ruleset.matching(event)) for event in events)
            engine = rate(len(events), time.perf_counter() - started)
            print(f"exact-scale {count:>7} rules: load {count / load_seconds:,.0f} rules/s, "
                  f"{memory / count:,.0f} bytes/rule, {engine:,.0f} events/s matching only (no parse), "
                  f"{matched} matches")
            results["runs"].append({"mix": "exact-scale", "rules": count, "match_only_events_per_s": engine,
                                    "rules_per_s_loaded": count / load_seconds, "bytes_per_rule": memory / count,
                                    "matches": matched})
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
