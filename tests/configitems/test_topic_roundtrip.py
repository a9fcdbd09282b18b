"""Recorded items go through the config topic's Avro schema without loss (codec by another package)."""

import json

import pytest

from pipeline.configitems import ConfigItemError, normalise_configuration_item, parse_configuration_item

from .samples import real, real_items

RECORDED = [i for i in sorted(real_items()) if real(i)["configurationItemCaptureTime"] is not None]


@pytest.mark.parametrize("item_id", RECORDED)
def test_items_round_trip_through_the_config_topic_codec(item_id):
    pytest.importorskip("fastavro")
    topic_codec = pytest.importorskip("pipeline.codec.topic_codec")
    codec = topic_codec.codec_for("config-items")
    decoded = codec.decode(json.dumps(real(item_id)).encode(), record_time_ms=0)
    assert decoded == normalise_configuration_item(real(item_id))
    assert parse_configuration_item(codec.decode(codec.encode(decoded))) == decoded


def test_recorded_items_need_capture_time_status_and_account():
    with pytest.raises(ConfigItemError, match="configurationItemCaptureTime is required"):
        normalise_configuration_item(real("ci-01"))
    raw = real("ci-06")
    del raw["accountId"]
    with pytest.raises(ConfigItemError, match="accountId is required"):
        normalise_configuration_item(raw)
