"""The CloudTrail adapter checks a JSON record's typed fields instead of writing it to Avro:
it must refuse exactly what the Avro writer refuses."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from pipeline.codec.adapters import _CLOUDTRAIL_JSON, _CLOUDTRAIL_TYPED, CloudTrailAdapter
from pipeline.codec.binary import avro_binary

ANY_JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False),
                            st.text(max_size=3))
JSON_VALUE = st.recursive(ANY_JSON_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)), max_leaves=6)


@st.composite
def records(draw) -> dict:
    record = {"eventTime": "2024-01-01T00:00:00Z", "eventSource": "s3.amazonaws.com", "eventName": "GetObject"}
    for name in draw(st.lists(st.sampled_from(_CLOUDTRAIL_TYPED + _CLOUDTRAIL_JSON + ("other",)), max_size=6)):
        record[name] = draw(JSON_VALUE if name in _CLOUDTRAIL_JSON or name == "other" else ANY_JSON_SCALAR)
    for name in ("eventTime", "eventSource", "eventName"):  # from_json requires these strings
        if not isinstance(record[name], str):
            record[name] = "2024-01-01T00:00:00Z" if name == "eventTime" else "x"
    return record


def refuses(check, record) -> bool:
    try:
        check(record)
    except Exception:
        return True
    return False


@settings(max_examples=400, deadline=None)
@given(records())
def test_the_typed_check_refuses_what_the_avro_writer_refuses(record):
    adapter = CloudTrailAdapter()
    write = avro_binary("cloudtrail_record").write
    assert refuses(lambda r: adapter.validate(r, write), record) == refuses(lambda r: write(adapter.to_avro(r)), record)
