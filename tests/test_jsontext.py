"""pipeline.jsontext writes what json.dumps(compact, ensure_ascii=False) writes, and keeps big integers."""

import json

import pytest
from hypothesis import given, strategies as st

from pipeline import jsontext

documents = st.recursive(
    st.none() | st.booleans() | st.integers(-(2 ** 63), 2 ** 63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=20)


@given(documents)
def test_same_text_as_compact_json_dumps(document):
    assert jsontext.dumps(document) == json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    assert jsontext.loads(jsontext.dumps(document)) == document


def test_integers_beyond_64_bits_stay_exact():
    big = {"n": 123456789012345678901234567890, "m": -(2 ** 70)}
    text = jsontext.dumps(big)
    assert text == '{"n":123456789012345678901234567890,"m":-1180591620717411303424}'
    assert jsontext.loads(text) == big


@pytest.mark.parametrize("number", [2 ** 64 - 1, 2 ** 64, -(2 ** 63), -(2 ** 63) - 1, -(2 ** 64), 10 ** 19, 10 ** 40])
def test_integers_at_the_64_bit_edges_stay_exact(number):
    for text in (str(number), f'{{"a":[1,{number}]}}'):
        assert jsontext.loads(text) == json.loads(text)
        assert jsontext.loads(text.encode()) == json.loads(text)
        assert type(jsontext.loads(str(number))) is int


any_numbers = st.recursive(
    st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=12)


@given(any_numbers)
def test_reads_what_the_standard_library_reads(document):
    text = json.dumps(document, ensure_ascii=False)
    assert jsontext.loads(text) == json.loads(text)


@given(st.lists(any_numbers, max_size=5))
def test_reads_many_texts_as_the_standard_library_reads_each(documents):
    texts = [json.dumps(document) for document in documents]
    assert jsontext.loads_all(texts) == [json.loads(text) for text in texts]
