"""The partition Kafka's default partitioner gives a key: murmur2 (seed 0x9747b28c), made
positive, modulo the partition count — what Java, kafka-python, aiokafka and Faust producers
compute, so a record this pipeline places itself lands where any other client would put it.

murmur2 is the ``murmurhash2`` C extension (0.1 us) when installed; aiokafka's pure-Python port
(~4 us for a 36-byte event id, a measurable share of a delivery) otherwise. Both give the same
hash (tests/test_partitioning.py).
"""

from __future__ import annotations

from functools import lru_cache

from aiokafka.partitioner import murmur2 as python_murmur2

KAFKA_SEED = 0x9747B28C

try:
    from murmurhash2 import murmurhash2 as _c_murmurhash2

    def murmur2(key: bytes) -> int:
        return _c_murmurhash2(key, KAFKA_SEED)

    def partition_for(key: bytes, count: int) -> int:
        """The default partitioner's choice for ``key`` among ``count`` partitions."""
        return (_c_murmurhash2(key, KAFKA_SEED) & 0x7FFFFFFF) % count
except ImportError:  # pragma: no cover - the dependency is declared; a bare checkout still works
    murmur2 = python_murmur2

    @lru_cache(maxsize=16384)  # repeated keys (log groups, metrics) hash once
    def partition_for(key: bytes, count: int) -> int:
        """The default partitioner's choice for ``key`` among ``count`` partitions."""
        return (python_murmur2(key) & 0x7FFFFFFF) % count


def partition_for_text(key: str | bytes, count: int) -> int:
    return partition_for(key.encode("utf-8") if isinstance(key, str) else key, count)
