"""Run `pipeline worker` in this process: the entry bench/e2e.py starts its workers with, so a
what-if change to the wiring can be patched in here (before the worker's modules import) and
measured before it is made in the worker itself.

    .venv/bin/python bench/profile_worker.py [-l info]

BENCH_GC_STATS=1 writes the garbage collector's count and time per generation to the worker's
log every 3 s (how pipeline.worker.collector's thresholds were chosen).

BENCH_CLOUDTRAIL_IO_ONLY=1 replaces the CloudTrail stage's handler by one that does no pipeline
work, only its Kafka writes: per record one log event (marked as filtered, so the log-events stage
passes it by as it does the real ones) and 1.43 target deliveries on average, padded to the real
outputs' mean sizes (bench/stages.py stream: log event 1,006 bytes, delivery 1,215, input 739).
It measures the ceiling of the worker's wiring: what the ratio would be if decoding, matching and
rendering CloudTrail records cost nothing.

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


def cloudtrail_io_only() -> None:
    """Swap the CloudTrail stage's handler for Kafka writes of the real outputs' count and size."""
    from pipeline import topics
    from pipeline.worker.agents import cloudtrail
    from pipeline.worker.agents.logs import FILTERS_APPLIED
    from pipeline.worker.settings import cloudtrail_log_group

    log_pad, delivery_pad = bytes(1006 - 739), bytes(1215 - 739)

    async def writes_only(records, out) -> None:
        log_topic = topics.topic_name("log-events")
        target = topics.target_topic("bench-targets")
        group = cloudtrail_log_group().encode()
        for record in records:
            await out.send(log_topic, group, record.value + log_pad, headers=FILTERS_APPLIED)
            key = b"%d-%d" % (record.partition, record.offset)  # one key per event, like event ids
            await out.send(target, key, record.value + delivery_pad)
            if record.offset % 100 < 43:
                await out.send(target, key + b"-2", record.value + delivery_pad)

    cloudtrail.cloudtrail_stage._handler = writes_only


def main() -> int:
    parser = argparse.ArgumentParser(description="pipeline worker, run from the bench")
    parser.add_argument("-l", "--loglevel", default="info")
    args = parser.parse_args()
    if os.environ.get("BENCH_GC_STATS"):
        report_collections()
    if os.environ.get("BENCH_CLOUDTRAIL_IO_ONLY"):
        cloudtrail_io_only()
    if os.environ.get("BENCH_STAGE_MAX_RECORDS"):  # what-if: records per batch of every stage
        from pipeline.worker.agents import cloudtrail, eventbus, logs

        for stage in (cloudtrail.cloudtrail_stage, logs.metric_filter_stage, eventbus.bus_stage):
            stage.max_records = int(os.environ["BENCH_STAGE_MAX_RECORDS"])
    from pipeline.cli import main as pipeline_main

    return pipeline_main(["worker", "-l", args.loglevel])


if __name__ == "__main__":
    sys.exit(main())
