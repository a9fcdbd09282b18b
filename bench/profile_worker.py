"""Run `pipeline worker` in this process: the entry bench/e2e.py starts its workers with, so a
what-if change to the wiring can be patched in here (before the worker's modules import) and
measured before it is made in the worker itself.

    .venv/bin/python bench/profile_worker.py [-l info]

BENCH_GC_STATS=1 writes the garbage collector's count and time per generation to the worker's
log every 3 s (how pipeline.worker.collector's thresholds were chosen).

The what-if patches of earlier rounds are in the worker now and were removed from here;
docs/performance.md keeps their measured effect.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def report_collections(every_s: float = 3.0) -> None:
    import gc
    import threading
    import time

    spent = {0: [0, 0.0], 1: [0, 0.0], 2: [0, 0.0]}
    started = [0.0]

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            entry = spent[info["generation"]]
            entry[0] += 1
            entry[1] += time.perf_counter() - started[0]

    def report() -> None:
        while True:
            time.sleep(every_s)
            by_generation = {g: (n, round(t, 3)) for g, (n, t) in spent.items()}
            sys.stderr.write(f"GC collections (count, s) by generation {by_generation}, "
                             f"tracked objects {len(gc.get_objects())}\n")

    gc.callbacks.append(callback)
    threading.Thread(target=report, daemon=True).start()


def main() -> int:
    parser = argparse.ArgumentParser(description="pipeline worker, run from the bench")
    parser.add_argument("-l", "--loglevel", default="info")
    args = parser.parse_args()
    if os.environ.get("BENCH_GC_STATS"):
        report_collections()
    from pipeline.cli import main as pipeline_main

    return pipeline_main(["worker", "-l", args.loglevel])


if __name__ == "__main__":
    sys.exit(main())
