"""Between a record's AWS shape (what engines see) and its Avro shape (what topics carry).

Avro cannot hold free-form JSON, so parts such as CloudTrail ``requestParameters`` or an item's
``configuration`` travel as JSON strings and come back as objects. JSON from producers is
normalised here too: field aliases, timestamps in ISO 8601 or seconds, missing defaults.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Callable

from pipeline import jsontext
from pipeline.codec.errors import DecodeError
from pipeline.timestamps import parse_timestamp

Record = dict[str, Any]


def to_epoch_ms(value: Any, field: str) -> int:
    """Milliseconds since the epoch from ms, seconds or an ISO 8601 string (pipeline.timestamps)."""
    try:
        return int(parse_timestamp(value, field=field).timestamp() * 1000)
    except ValueError as error:
        raise DecodeError(str(error)) from None


def _require_str(obj: Record, field: str, *aliases: str) -> str:
    for name in (field, *aliases):
        value = obj.get(name)
        if isinstance(value, str):
            return value
        if value is not None:
            raise DecodeError(f"{field} must be a string, got {type(value).__name__}")
    raise DecodeError(f"{field} is missing")


def _json_or_none(value: Any) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"))


def _loads_or_none(value: str | None) -> Any:
    return None if value is None else json.loads(value)


class Adapter:
    """Identity for records whose Avro shape is their AWS shape."""

    def to_avro(self, value: Record) -> Record:
        return value

    def from_avro(self, record: Record) -> Record:
        return record

    def from_json(self, obj: Any, record_time_ms: int) -> Record:
        if not isinstance(obj, dict):
            raise DecodeError(f"expected a JSON object, got {type(obj).__name__}")
        return obj

    def validate(self, value: Record, write: Callable[[Record], bytes]) -> None:
        """Raise if ``value`` (from :meth:`from_json`) would not encode: the schema is the
        validator, ``write`` its Avro writer."""
        write(self.to_avro(value))


class LogEventAdapter(Adapter):
    def from_json(self, obj: Any, record_time_ms: int) -> Record:
        obj = super().from_json(obj, record_time_ms)
        message = _require_str(obj, "message", "log", "msg")
        group = _require_str(obj, "logGroupName", "logGroup", "log_group")
        stream = obj.get("logStreamName", obj.get("logStream", obj.get("log_stream", "")))
        if not isinstance(stream, str):
            raise DecodeError("logStreamName must be a string")
        stamp = obj.get("timestamp", obj.get("time", obj.get("@timestamp")))
        if stamp is None:
            raise DecodeError("timestamp is missing")
        ingestion = obj.get("ingestionTime")
        return {
            "logGroupName": group,
            "logStreamName": stream,
            "timestamp": to_epoch_ms(stamp, "timestamp"),
            "message": message,
            "ingestionTime": record_time_ms if ingestion is None else to_epoch_ms(ingestion, "ingestionTime"),
        }


_CLOUDTRAIL_TYPED = ("eventVersion", "eventTime", "eventSource", "eventName", "awsRegion",
                     "sourceIPAddress", "userAgent", "eventID", "eventType", "recipientAccountId",
                     "errorCode", "errorMessage", "readOnly", "managementEvent")
_CLOUDTRAIL_JSON = ("userIdentity", "requestParameters", "responseElements", "additionalEventData",
                    "resources")


_PYTHON_TYPES = {"null": type(None), "string": str, "boolean": bool}


@functools.lru_cache(maxsize=None)
def _typed_field_checks(schema: str, names: tuple[str, ...]) -> list[tuple[str, tuple[type, ...], str]]:
    """(field, Python types it takes, Avro type text) for fields of string/boolean/null unions."""
    from pipeline.codec.schemas import schema_json

    fields = {f["name"]: f["type"] for f in schema_json(schema)["fields"]}
    checks = []
    for name in names:
        avro_type = fields[name]
        members = avro_type if isinstance(avro_type, list) else [avro_type]
        checks.append((name, tuple(_PYTHON_TYPES[m] for m in members), json.dumps(avro_type)))
    return checks


class CloudTrailAdapter(Adapter):
    def to_avro(self, value: Record) -> Record:
        record: Record = {name: value.get(name) for name in _CLOUDTRAIL_TYPED}
        for name in ("eventVersion", "awsRegion"):
            record[name] = record[name] or ""
        for name in _CLOUDTRAIL_JSON:
            record[name] = _json_or_none(value.get(name))
        extra = {k: v for k, v in value.items() if k not in _CLOUDTRAIL_TYPED and k not in _CLOUDTRAIL_JSON}
        record["extra"] = _json_or_none(extra) if extra else None
        return record

    def from_avro(self, record: Record) -> Record:
        value: Record = {k: record[k] for k in _CLOUDTRAIL_TYPED if record.get(k) is not None}
        names = [name for name in _CLOUDTRAIL_JSON if record.get(name) is not None]
        extra = record.get("extra")
        parsed = jsontext.loads_all([record[name] for name in names] + ([extra] if extra else []))
        value.update(zip(names, parsed))
        if extra:
            value.update(parsed[-1])
        return value

    def from_json(self, obj: Any, record_time_ms: int) -> Record:
        obj = super().from_json(obj, record_time_ms)
        for field in ("eventTime", "eventSource", "eventName"):
            _require_str(obj, field)
        to_epoch_ms(obj["eventTime"], "eventTime")
        return obj

    def validate(self, value: Record, write: Callable[[Record], bytes]) -> None:
        """What writing the record would refuse, without writing it (a fifth of a CloudTrail
        record's cost): the typed fields' types. The JSON fields take any parsed JSON value."""
        for name, types, avro_type in _typed_field_checks("cloudtrail_record", _CLOUDTRAIL_TYPED):
            field = value.get(name)
            if name in ("eventVersion", "awsRegion") and not field:
                continue  # to_avro writes "" for a missing or empty one
            if type(field) not in types:
                raise DecodeError(f"does not fit the cloudtrail_record schema: {field!r} "
                                  f"(type {type(field)}) do not match {avro_type} on field {name}")


_ITEM_JSON = ("relationships", "configuration", "supplementaryConfiguration")


class ConfigurationItemAdapter(Adapter):
    def to_avro(self, value: Record) -> Record:
        record = dict(value)
        for name in _ITEM_JSON:
            record[name] = _json_or_none(value.get(name))
        record["tags"] = {str(k): str(v) for k, v in (value.get("tags") or {}).items()}
        record["relatedEvents"] = list(value.get("relatedEvents") or [])
        return record

    def from_avro(self, record: Record) -> Record:
        value = dict(record)
        for name in _ITEM_JSON:
            value[name] = _loads_or_none(record.get(name))
        return value

    def from_json(self, obj: Any, record_time_ms: int) -> Record:
        obj = super().from_json(obj, record_time_ms)
        # both spellings (API and notification) are the config engine's business
        from pipeline.configitems import normalise_configuration_item
        from pipeline.errors import PipelineError

        try:
            return normalise_configuration_item(obj)
        except PipelineError as error:
            raise DecodeError(str(error)) from None


class MetricDatumAdapter(Adapter):
    def from_json(self, obj: Any, record_time_ms: int) -> Record:
        obj = super().from_json(obj, record_time_ms)
        values, counts = _values_and_counts(obj)
        value = obj.get("Value", values[0] if values else None)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DecodeError("Value must be a number")
        dimensions = obj.get("Dimensions") or []
        if not isinstance(dimensions, list) or not all(
            isinstance(d, dict) and isinstance(d.get("Name"), str) and isinstance(d.get("Value"), str)
            for d in dimensions
        ):
            raise DecodeError("Dimensions must be a list of {Name, Value} strings")
        if len(dimensions) > 30:
            raise DecodeError("at most 30 dimensions per metric")
        stamp = obj.get("Timestamp")
        return {
            "Namespace": _require_str(obj, "Namespace"),
            "MetricName": _require_str(obj, "MetricName"),
            "Dimensions": [{"Name": d["Name"], "Value": d["Value"]} for d in dimensions],
            "Timestamp": record_time_ms if stamp is None else to_epoch_ms(stamp, "Timestamp"),
            "Value": float(value),
            "Unit": obj.get("Unit") or "None",
            **({"Values": values, "Counts": counts} if values else {}),
        }

    def to_avro(self, value: Record) -> Record:
        if "Values" in value:
            return value
        return {**value, "Values": [], "Counts": []}  # the avro library does not fill defaults

    def from_avro(self, record: Record) -> Record:
        if not record.get("Values"):  # a single Value reads as it always did
            record.pop("Values", None)
            record.pop("Counts", None)
        return record


def _values_and_counts(obj: dict) -> tuple[list[float], list[float]]:
    """PutMetricData's Values/Counts (Counts default to 1 each); DecodeError when malformed."""
    values, counts = obj.get("Values"), obj.get("Counts")
    if values is None:
        if counts is not None:
            raise DecodeError("Counts needs Values")
        return [], []
    numbers = (int, float)
    if not isinstance(values, list) or not all(isinstance(v, numbers) and not isinstance(v, bool) for v in values):
        raise DecodeError("Values must be a list of numbers")
    if not 0 < len(values) <= 150:
        raise DecodeError("Values must have 1 to 150 numbers")
    if counts is None:
        counts = [1] * len(values)
    if (not isinstance(counts, list) or len(counts) != len(values)
            or not all(isinstance(c, numbers) and not isinstance(c, bool) and c >= 0 for c in counts)):
        raise DecodeError("Counts must be non-negative numbers, one per value")
    return [float(v) for v in values], [float(c) for c in counts]


class BusEventAdapter(Adapter):
    def to_avro(self, value: Record) -> Record:
        return {
            "version": value.get("version") or "0",
            "id": value["id"],
            "detail_type": value["detail-type"],
            "source": value["source"],
            "account": value.get("account") or "",
            "time": value["time"],
            "region": value.get("region") or "",
            "resources": list(value.get("resources") or []),
            "detail": jsontext.dumps(value.get("detail", {})),
            "replay_name": value.get("replay-name"),
        }

    def from_avro(self, record: Record) -> Record:
        value = {
            "version": record["version"], "id": record["id"], "detail-type": record["detail_type"],
            "source": record["source"], "account": record["account"], "time": record["time"],
            "region": record["region"], "resources": record["resources"],
            "detail": jsontext.loads(record["detail"]),
        }
        if record.get("replay_name"):
            value["replay-name"] = record["replay_name"]
        return value

    def from_json(self, obj: Any, record_time_ms: int) -> Record:
        obj = super().from_json(obj, record_time_ms)
        for field in ("id", "detail-type", "source", "time"):
            _require_str(obj, field)
        if not isinstance(obj.get("detail", {}), dict):
            raise DecodeError("detail must be a JSON object")
        return obj


class JsonFieldsAdapter(Adapter):
    """Records with some fields carried as JSON strings (alarm changes, json documents)."""

    def __init__(self, *json_fields: str) -> None:
        self.json_fields = json_fields

    def to_avro(self, value: Record) -> Record:
        record = dict(value)
        for name in self.json_fields:
            if name in record and not isinstance(record[name], str):
                record[name] = _json_or_none(record[name])
        return record

    def from_avro(self, record: Record) -> Record:
        value = dict(record)
        for name in self.json_fields:
            value[name] = _loads_or_none(record.get(name))
        return value


ADAPTERS: dict[str, Callable[[], Adapter]] = {
    "log_event": LogEventAdapter,
    "cloudtrail_record": CloudTrailAdapter,
    "configuration_item": ConfigurationItemAdapter,
    "metric_datum": MetricDatumAdapter,
    "bus_event": BusEventAdapter,
    "alarm_state_change": lambda: JsonFieldsAdapter("StateReasonData", "Configuration"),
    "json_document": lambda: JsonFieldsAdapter("document"),
    "definition": lambda: JsonFieldsAdapter("body"),
}


def adapter_for(schema: str) -> Adapter:
    return ADAPTERS.get(schema, Adapter)()
