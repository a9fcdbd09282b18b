"""`pipeline produce` and `pipeline consume`: JSON lines in, decoded records out."""

from __future__ import annotations

import json
import sys

from pipeline.errors import PipelineError


class InputFileError(PipelineError):
    """A line of an input file that is not a JSON object."""


def register(subparsers) -> None:
    produce = subparsers.add_parser("produce", help="publish JSON lines (log events, CloudTrail records, "
                                                    "configuration items, metric data, events) to a topic")
    produce.add_argument("--topic", required=True,
                         help="a catalog role (log-events, cloudtrail, config-items, metric-data, event-bus) "
                              "or a topic name")
    produce.add_argument("--format", choices=["avro", "json"], default="avro",
                         help="what to write on the topic (inputs accept both)")
    produce.add_argument("file", help="JSON lines, or - for standard input")
    produce.set_defaults(handler=produce_file)

    consume = subparsers.add_parser("consume", help="print records of a topic as JSON lines")
    consume.add_argument("--topic", required=True, help="a catalog role or a topic name")
    consume.add_argument("--max-records", type=int, default=0, help="stop after N records (0: no limit)")
    consume.add_argument("--timeout", type=float, default=5.0, help="stop after S seconds without records")
    consume.add_argument("--from-beginning", action="store_true")
    consume.add_argument("--schema", help="Avro schema of a topic outside the catalog, e.g. "
                                          "target_delivery for rule targets, dead_letter for target DLQs")
    consume.set_defaults(handler=consume_topic)


def read_json_lines(path: str):
    handle = sys.stdin if path == "-" else open(path, encoding="utf-8")
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputFileError(f"{path}:{number}: not JSON: {error}") from None
            if not isinstance(value, dict):
                raise InputFileError(f"{path}:{number}: expected a JSON object")
            yield value


def produce_file(args) -> int:
    from pipeline.producer import Producer

    values = list(read_json_lines(args.file))
    with Producer(encoding=args.format) as producer:
        records = []
        for number, value in enumerate(values, start=1):  # refuse a bad file before sending any of it
            try:
                records.append(producer.prepare(args.topic, value))
            except PipelineError as error:
                raise type(error)(f"{args.file}: record {number}: {error}") from None
        for name, key, payload in records:
            producer.send_raw(name, payload, key)
    print(f"produced {len(values)} records to {args.topic}", file=sys.stderr)
    return 0


def _resolve(topic: str) -> tuple[str, str | None]:
    from pipeline import topics

    if any(spec.role == topic for spec in topics.CATALOG):
        return topics.topic_name(topic), topic
    spec = topics.role_of(topic)
    return topic, spec.role if spec else None


def decode_value(role: str | None, value: bytes | None, schema: str | None = None):
    if value is None:
        return None
    if schema is not None:
        from pipeline.codec import TopicCodec

        return _printable(schema, TopicCodec(schema).decode(value))
    if role is None:
        try:
            return json.loads(value)
        except ValueError:
            return value.decode("utf-8", "replace")
    from pipeline.codec import codec_for

    return _printable(codec_for(role).schema,
                      codec_for(role).decode(value))


def _printable(schema: str, record: dict):
    if schema == "dead_letter":
        for field in ("original", "originalKey"):
            if record.get(field) is not None:
                record[field] = record[field].decode("utf-8", "replace")
    return record


def consume_topic(args) -> int:
    from kafka import KafkaConsumer

    from pipeline.kafka_settings import kafka_python_config

    name, role = _resolve(args.topic)
    consumer = KafkaConsumer(name, **kafka_python_config(), group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest" if args.from_beginning else "latest",
                             consumer_timeout_ms=int(args.timeout * 1000))
    count = 0
    try:
        for record in consumer:
            value = decode_value(role, record.value, args.schema)
            print(json.dumps({"partition": record.partition, "offset": record.offset,
                              "key": record.key.decode("utf-8", "replace") if record.key else None,
                              "value": value}, default=str), flush=True)
            count += 1
            if args.max_records and count >= args.max_records:
                break
    finally:
        consumer.close()
    return 0
