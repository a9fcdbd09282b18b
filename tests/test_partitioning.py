"""The pipeline's partition choice is Kafka's default partitioner's, with or without the C hash."""

from aiokafka.partitioner import murmur2 as aiokafka_murmur2
from hypothesis import given, strategies as st
from kafka.partitioner.default import murmur2 as kafka_python_murmur2

from pipeline import partitioning


@given(st.binary(max_size=96))
def test_murmur2_is_the_clients_hash(key):
    assert partitioning.murmur2(key) & 0xFFFFFFFF == aiokafka_murmur2(key) & 0xFFFFFFFF
    assert partitioning.murmur2(key) & 0x7FFFFFFF == kafka_python_murmur2(key) & 0x7FFFFFFF


def test_the_c_hash_is_in_use():
    # the declared dependency: without it every keyed delivery pays ~4 us of pure Python
    assert partitioning.murmur2 is not partitioning.python_murmur2


@given(st.text(max_size=40), st.integers(min_value=1, max_value=64))
def test_partition_for_text_is_the_default_partitioners_choice(key, count):
    expected = (aiokafka_murmur2(key.encode("utf-8")) & 0x7FFFFFFF) % count
    assert partitioning.partition_for_text(key, count) == expected
    assert partitioning.partition_for(key.encode("utf-8"), count) == expected


def test_known_values_from_the_java_client():
    # org.apache.kafka.common.utils.Utils.murmur2 test vectors (UtilsTest.testMurmur2)
    cases = {b"21": -973932308, b"foobar": -790332482, b"a-little-bit-long-string": -985981536,
             b"a-little-bit-longer-string": -1486304829,
             b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971, b"abc": 479470107}
    for key, java in cases.items():
        assert partitioning.murmur2(key) & 0xFFFFFFFF == java & 0xFFFFFFFF
