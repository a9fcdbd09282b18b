"""CPU per record of the worker's batch-stage handlers, without Kafka: the CloudTrail stage and
the log-events (metric filter) stage, on bench/e2e.py's stream and definitions.

    .venv/bin/python bench/stages.py [--records 20000] [--profile]

The handlers are the worker's own (pipeline.worker.agents.cloudtrail.deliver_cloudtrail and
pipeline.worker.agents.logs.apply_metric_filters), fed record objects shaped like aiokafka's and
the stages' own Outbox appending to real aiokafka producer batches (no broker: nothing is sent). Baseline
in the same run: decoding each record alone. The e2e figure adds the Kafka client, the event
loop and the alarms; this one says what the pipeline's own work costs per record, and
``--profile`` (cProfile) where.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import sys
import time
from collections import namedtuple
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import e2e  # noqa: E402
from pipeline.worker.batch_stage import Outbox  # noqa: E402

Record = namedtuple("Record", "topic partition offset timestamp key value headers")


class UnsentProducer:
    """What Outbox needs of aiokafka's producer, without a broker: real batches, never sent."""

    def __init__(self, partitions: int = 4) -> None:
        self.client = self  # Outbox asks the producer's client for a topic's partitions
        self._partitions = partitions

    async def add_topic(self, topic: str) -> None:
        pass

    async def _wait_on_metadata(self, topic: str) -> set[int]:
        return set(range(self._partitions))

    def create_batch(self):
        from aiokafka.producer.message_accumulator import BatchBuilder

        return BatchBuilder(512 * 1024, 0)

    async def send_batch(self, builder, topic: str, *, partition: int):
        sent = asyncio.get_running_loop().create_future()
        sent.set_result(None)
        return sent


class BenchOutbox(Outbox):
    def track(self, acknowledgement) -> None:
        raise AssertionError("a dead letter in the bench stream")


def load_definitions(definitions: list[dict]) -> None:
    from pipeline.definitions.kinds import validate
    from pipeline.worker.definitions import ready_event, store

    for entry in definitions:
        (action, body), = entry.items()
        definition = validate(action, body)
        store.apply_record(definition.key, json.dumps(definition.body))
    ready_event().set()


def stream_records(count: int, seed: int) -> dict[str, list[Record]]:
    from pipeline import topics

    stream = e2e.Stream(e2e.access_groups(4, 4), seed, 0.4, "avro")
    by_role: dict[str, list[Record]] = {"cloudtrail": [], "log-events": []}
    for i in range(count):
        role, key, value = stream.one(1_764_000_000 + i / 1000)
        by_role[role].append(Record(topics.topic_name(role), 0, len(by_role[role]), 1_764_000_000_000, key, value, ()))
    return by_role


def per_record_us(handler, records: list[Record], batch: int = 2000, profile: cProfile.Profile | None = None) -> float:
    async def run() -> float:
        outbox = BenchOutbox(UnsentProducer())
        started = time.process_time()
        if profile is not None:
            profile.enable()
        for start in range(0, len(records), batch):
            await handler(records[start:start + batch], outbox)
            await outbox.seal()  # as the stage does after each batch
        if profile is not None:
            profile.disable()
        return (time.process_time() - started) * 1e6 / len(records)

    return asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="cProfile the CloudTrail stage")
    parser.add_argument("--sort", default="tottime", help="cProfile order: tottime or cumulative")
    args = parser.parse_args()

    from pipeline.worker.collector import tune_collector

    tune_collector()  # as `pipeline worker` does
    groups = e2e.access_groups(4, 4)
    load_definitions(e2e.build_definitions(groups, 1000, 1000, args.seed))
    from pipeline.codec import codec_for
    from pipeline.worker.agents.cloudtrail import deliver_cloudtrail
    from pipeline.worker.agents.logs import apply_metric_filters

    by_role = stream_records(args.records, args.seed)
    trail, logs = by_role["cloudtrail"], by_role["log-events"]
    for handler, records in ((deliver_cloudtrail, trail[:500]), (apply_metric_filters, logs[:500])):
        per_record_us(handler, records)  # warm-up: engines compiled, caches filled

    decode_trail = per_record_us(lambda rs, out: _decode_all(codec_for("cloudtrail"), rs), trail)
    decode_logs = per_record_us(lambda rs, out: _decode_all(codec_for("log-events"), rs), logs)
    profile = cProfile.Profile() if args.profile else None
    trail_us = per_record_us(deliver_cloudtrail, trail, profile=profile)
    logs_us = per_record_us(apply_metric_filters, logs)
    print(f"{'stage':34s} {'records':>8s} {'us/record':>10s} {'decode only':>12s} {'ratio':>6s}")
    print(f"{'cloudtrail (filters, rules, deliveries)':34s} {len(trail):8,d} {trail_us:10.1f} {decode_trail:12.1f} "
          f"{trail_us / decode_trail:6.1f}")
    print(f"{'log-events (access-log filters)':34s} {len(logs):8,d} {logs_us:10.1f} {decode_logs:12.1f} "
          f"{logs_us / decode_logs:6.1f}")
    if profile is not None:
        pstats.Stats(profile).sort_stats(args.sort).print_stats(30)
    return 0


async def _decode_all(codec, records) -> None:
    for record in records:
        codec.decode(record.value, record.timestamp)


if __name__ == "__main__":
    sys.exit(main())
