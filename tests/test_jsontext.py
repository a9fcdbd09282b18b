"""pipeline.jsontext writes what json.dumps(compact, ensure_ascii=False) writes, and keeps big integers."""

import json

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
