"""Run `pipeline worker` in this process with optional what-if patches, to measure an
optimisation before it is made in the worker's own modules.

    .venv/bin/python bench/profile_worker.py [--patch NAME ...] [-l info]
    .venv/bin/python bench/e2e.py --patch partition-cache --patch ...   (uses this script)

Patches (each mimics a change proposed for the worker; see docs/performance.md):

partition-cache   AlarmRuntime.metrics_of_partition: the metric keys of each partition computed
                  once per alarm definition change, not murmur2 of every alarmed metric per datum
partitions-env    pipeline.topics.partitions(): read PIPELINE_PARTITIONS once, not per call
instant-skip      agents.alarms.evaluate_partition: skip when no new 10 s instant is due on the
                  partition since its last evaluation (all cadences are multiples of 10 s) and no
                  alarm definition changed

The engines are untouched; the patches only change when and how often the wiring calls them.
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PATCHES = ("partition-cache", "partitions-env", "instant-skip")


def patch_partitions_env() -> None:
    from pipeline import topics

    topics.partitions = functools.lru_cache(maxsize=None)(topics.partitions)


def patch_partition_cache() -> None:
    from pipeline.worker import alarm_runtime

    runtime_class = alarm_runtime.AlarmRuntime
    original_on_alarm = runtime_class._on_alarm

    def _on_alarm(self, name, body):
        original_on_alarm(self, name, body)
        self._partition_cache = None
        self.version = getattr(self, "version", 0) + 1

    def metrics_of_partition(self, partition):
        cache = getattr(self, "_partition_cache", None)
        if cache is None:
            cache = {}
            for key in self.by_metric:
                cache.setdefault(alarm_runtime.partition_of(key), []).append(key)
            self._partition_cache = cache
        return cache.get(partition, [])

    runtime_class._on_alarm = _on_alarm
    runtime_class.metrics_of_partition = metrics_of_partition


def patch_instant_skip() -> None:
    from pipeline.worker.agents import alarms

    original = alarms.evaluate_partition
    seen: dict[int, tuple[int, int]] = {}  # partition -> (last 10 s instant, definitions version)

    async def evaluate_partition(partition, clock):
        marker = (int(math.floor(clock / 10)), getattr(alarms.runtime, "version", 0), len(alarms.runtime.by_metric))
        if seen.get(partition) == marker:
            return
        seen[partition] = marker
        await original(partition, clock)

    alarms.evaluate_partition = evaluate_partition
    # the agents look the function up in the module's globals at call time: patched above


def main() -> int:
    parser = argparse.ArgumentParser(description="pipeline worker with what-if patches")
    parser.add_argument("--patch", action="append", default=[], choices=PATCHES)
    parser.add_argument("-l", "--loglevel", default="info")
    args = parser.parse_args()
    for name in args.patch:
        if name == "partition-cache":
            # the runtime subscribed to the store at import: patch the class before any definition
            patch_partition_cache()
        elif name == "partitions-env":
            patch_partitions_env()
    if "instant-skip" in args.patch:
        patch_instant_skip()
    if args.patch:
        print(f"profile_worker: patches {', '.join(args.patch)}", flush=True)
    from pipeline.cli import main as pipeline_main

    return pipeline_main(["worker", "-l", args.loglevel])


if __name__ == "__main__":
    sys.exit(main())
