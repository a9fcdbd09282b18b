"""avro vs fastavro: encode+decode round trips of a log event through the project's codec.

Prints records/s for each library and the ratio, and writes bench/results/codec.json.
Usage: python bench/codec.py [--records N]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

from pipeline.codec import TopicCodec

RECORD = {"logGroupName": "/aws/lambda/checkout", "logStreamName": "2024/11/25/[$LATEST]abc",
          "timestamp": 1732528800000, "message": "ERROR 2024-11-25T10:00:00Z request failed status=500",
          "ingestionTime": 1732528800123}


def round_trips_per_second(backend: str, count: int, repeats: int = 3) -> float:
    codec = TopicCodec("log_event", backend=backend, framed=False)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(count):
            codec.decode(codec.encode(RECORD))
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50_000)
    args = parser.parse_args()
    fast = round_trips_per_second("fastavro", args.records)
    reference = round_trips_per_second("avro", args.records // 5)
    result = {"benchmark": "codec", "records": args.records, "python": platform.python_version(),
              "fastavro_round_trips_per_s": round(fast), "avro_round_trips_per_s": round(reference),
              "ratio_fastavro_over_avro": round(fast / reference, 2)}
    print(f"{'library':<10}{'round trips/s':>16}")
    print(f"{'fastavro':<10}{fast:>16,.0f}")
    print(f"{'avro':<10}{reference:>16,.0f}")
    print(f"fastavro / avro = {fast / reference:.1f}x")
    out = Path(__file__).parent / "results" / "codec.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
