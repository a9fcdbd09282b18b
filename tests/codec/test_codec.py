"""Every schema round-trips; malformed records are refused with the reason; both Avro libraries agree."""

from __future__ import annotations

import json

import pytest

from pipeline import topics
from pipeline.codec import DecodeError, TopicCodec, codec_for
from pipeline.codec.binary import avro_binary
from pipeline.codec.framing import frame, unframe
from pipeline.codec.schemas import schema_names

SAMPLES = {
    "log_event": {"logGroupName": "app", "logStreamName": "i-1", "timestamp": 1732528800000,
                  "message": "ERROR disk full", "ingestionTime": 1732528800123},
    "cloudtrail_record": {
        "eventVersion": "1.08", "eventTime": "2024-11-25T10:00:00Z", "eventSource": "iam.amazonaws.com",
        "eventName": "CreateUser", "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.7",
        "userAgent": "aws-cli", "eventID": "e-1", "eventType": "AwsApiCall", "recipientAccountId": "123456789012",
        "readOnly": False, "managementEvent": True,
        "userIdentity": {"type": "IAMUser", "userName": "alice"},
        "requestParameters": {"userName": "bob"}, "responseElements": {"user": {"userName": "bob"}},
        "eventCategory": "Management", "tlsDetails": {"tlsVersion": "TLSv1.3"},
    },
    "configuration_item": {
        "version": "1.3", "accountId": "123456789012", "configurationItemCaptureTime": "2024-11-25T10:00:00.000Z",
        "configurationItemStatus": "OK", "configurationStateId": "1", "configurationItemMD5Hash": "",
        "arn": "arn:aws:s3:::b", "resourceType": "AWS::S3::Bucket", "resourceId": "b", "resourceName": "b",
        "awsRegion": "us-east-1", "availabilityZone": "Regional", "resourceCreationTime": None,
        "tags": {"env": "prod"}, "relatedEvents": [], "relationships": [],
        "configuration": {"name": "b", "acl": [1, 2]}, "supplementaryConfiguration": {},
    },
    "metric_datum": {"Namespace": "App", "MetricName": "Errors", "Dimensions": [{"Name": "Host", "Value": "a"}],
                     "Timestamp": 1732528800000, "Value": 1.0, "Unit": "Count"},
    "alarm_state_change": {"AlarmName": "a", "AlarmType": "MetricAlarm", "OldStateValue": "OK",
                           "NewStateValue": "ALARM", "NewStateReason": "Threshold Crossed",
                           "StateReasonData": {"version": "1.0"}, "StateChangeTime": 1, "ActionsEnabled": True,
                           "Actions": ["pager"], "Configuration": {"AlarmName": "a"}},
    "bus_event": {"version": "0", "id": "1", "detail-type": "Test", "source": "app", "account": "1",
                  "time": "2024-11-25T10:00:00Z", "region": "us-east-1", "resources": ["r"],
                  "detail": {"a": [1, {"b": None}]}, "replay-name": "r1"},
    "dead_letter": {"original": b"\x00\xff", "originalKey": None, "sourceTopic": "log-events",
                    "sourcePartition": 0, "sourceOffset": 5, "stage": "decode", "error": "bad",
                    "errorType": "DecodeError", "time": 1},
    "definition": {"kind": "MetricFilter", "name": "app/errors", "body": {"filterPattern": "ERROR"}, "appliedAt": 1},
    "json_document": {"type": "Evaluation", "document": {"ComplianceType": "COMPLIANT"}, "time": 1},
    "target_delivery": {"input": "{\"a\":1}", "ruleName": "r", "eventBusName": "default", "targetId": "t",
                        "eventId": "e", "attempt": 1, "time": 1},
}


def test_every_schema_has_a_sample():
    assert sorted(SAMPLES) == schema_names()


def test_every_catalog_topic_has_a_schema():
    for spec in topics.CATALOG:
        assert spec.schema in schema_names(), spec


@pytest.mark.parametrize("schema", sorted(SAMPLES))
@pytest.mark.parametrize("backend", ["fastavro", "avro"])
def test_round_trip(schema, backend):
    codec = TopicCodec(schema, backend=backend, framed=False)
    assert codec.decode(codec.encode(SAMPLES[schema])) == SAMPLES[schema]


@pytest.mark.parametrize("schema", sorted(SAMPLES))
def test_both_libraries_write_the_same_bytes(schema):
    fast = TopicCodec(schema, backend="fastavro", framed=False).encode(SAMPLES[schema])
    reference = TopicCodec(schema, backend="avro", framed=False).encode(SAMPLES[schema])
    assert fast == reference


def test_confluent_framing():
    codec = TopicCodec("metric_datum", framed=True)
    data = codec.encode(SAMPLES["metric_datum"])
    schema_id, payload = unframe(data)
    assert data[0] == 0 and schema_id == codec.schema_id
    # the raw Avro record has the defaults of Values/Counts, which the codec leaves out again
    assert avro_binary("metric_datum").read(payload) == {**SAMPLES["metric_datum"], "Values": [], "Counts": []}
    assert codec.decode(data) == SAMPLES["metric_datum"]
    assert frame(7, b"x") == b"\x00\x00\x00\x00\x07x"


def test_json_input_is_normalised():
    codec = codec_for("log-events")
    record = codec.decode(json.dumps({"logGroup": "app", "log": "hello", "time": "2024-11-25T10:00:00Z"}).encode(),
                          record_time_ms=42)
    assert record == {"logGroupName": "app", "logStreamName": "", "timestamp": 1732528800000,
                      "message": "hello", "ingestionTime": 42}
    seconds = codec.decode(b'{"logGroupName":"g","message":"m","timestamp":1732528800.5}', 1)
    assert seconds["timestamp"] == 1732528800500


@pytest.mark.parametrize("data, reason", [
    (b'{"logGroupName": "g", "timestamp": 1}', "message is missing"),
    (b'{"message": "m", "timestamp": 1}', "logGroupName is missing"),
    (b'{"logGroupName": "g", "message": "m"}', "timestamp is missing"),
    (b'{"logGroupName": "g", "message": 5, "timestamp": 1}', "message must be a string"),
    (b'{"logGroupName": "g", "message": "m", "timestamp": "yesterday"}', "timestamp 'yesterday' is not an ISO-8601 timestamp"),
    (b'{"logGroupName": "g", "message": "m",', "not valid JSON"),
    (b'[1, 2]', "expected a JSON object"),
    (b'\x05abc', "not valid Avro"),
    (None, "no value"),
])
def test_malformed_log_events_are_refused_with_the_reason(data, reason):
    with pytest.raises(DecodeError, match=reason):
        codec_for("log-events").decode(data, record_time_ms=1)


@pytest.mark.parametrize("data, reason", [
    (b'{"Namespace": "A", "MetricName": "M", "Value": "x"}', "Value must be a number"),
    (b'{"Namespace": "A", "Value": 1}', "MetricName is missing"),
    (b'{"Namespace": "A", "MetricName": "M", "Value": 1, "Dimensions": [{"Name": 1}]}', "Dimensions"),
    (b'{"Namespace": "A", "MetricName": "M", "Values": [1, 2], "Counts": [1]}', "Counts must be"),
    (b'{"Namespace": "A", "MetricName": "M", "Values": ["x"]}', "Values must be a list of numbers"),
    (b'{"Namespace": "A", "MetricName": "M", "Values": []}', "1 to 150"),
    (b'{"Namespace": "A", "MetricName": "M", "Value": 1, "Counts": [1]}', "Counts needs Values"),
])
def test_malformed_metric_data_are_refused(data, reason):
    with pytest.raises(DecodeError, match=reason):
        codec_for("metric-data").decode(data, record_time_ms=1)


def test_avro_on_an_output_topic_rejects_json():
    with pytest.raises(DecodeError, match="not valid Avro"):
        codec_for("dead-letters").decode(b'{"a": 1}')


def test_avro_whose_first_byte_is_whitespace_is_not_taken_for_json():
    event = dict(SAMPLES["log_event"], logGroupName="g" * 16)  # length 16 encodes as b" "
    data = codec_for("log-events").encode(event)
    assert data[:1] == b" "
    assert codec_for("log-events").decode(data) == event
    assert codec_for("log-events").decode(b'  {"logGroupName":"g","message":"m","timestamp":1}', 1)["message"] == "m"


def test_metric_datum_with_values_and_counts_round_trips_and_reads_from_json():
    codec = TopicCodec("metric_datum", framed=False)
    folded = {**SAMPLES["metric_datum"], "Values": [1.0, 5.0], "Counts": [2.0, 1.0]}
    assert codec.decode(codec.encode(folded)) == folded
    read = codec_for("metric-data").decode(
        b'{"Namespace": "A", "MetricName": "M", "Values": [3, 4], "Timestamp": 1732528800000}', record_time_ms=1)
    assert (read["Value"], read["Values"], read["Counts"]) == (3.0, [3.0, 4.0], [1.0, 1.0])


def test_cloudtrail_json_keeps_integers_beyond_64_bits_through_avro():
    codec = codec_for("cloudtrail")
    text = ('{"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z","eventSource":"s3.amazonaws.com",'
            '"eventName":"PutObject","awsRegion":"us-east-1",'
            '"requestParameters":{"size":123456789012345678901234,"low":-9223372036854775809}}')
    record = codec.decode(text.encode(), record_time_ms=1)
    assert record["requestParameters"] == {"size": 123456789012345678901234, "low": -9223372036854775809}
    assert codec.decode(codec.encode(record))["requestParameters"] == record["requestParameters"]
