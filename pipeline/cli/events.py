"""Kafka-backed EventBridge commands: put-events, create-archive, describe-archive, list-archives,
start-replay, describe-replay (update-archive, delete-archive, list-replays and cancel-replay are
in pipeline.cli.archive_lifecycle).

Archives and replays are not definitions-topic kinds (yet): they are JSON records on a compacted
topic of their own, ``<prefix>eventbridge-archives``, keyed ``Archive/<name>`` and
``Replay/<name>``. Each archive keeps its events on ``<prefix>archive.<name>`` (retention.ms from
RetentionDays). Workers follow the archives topic (pipeline.worker.agents.archives) and write
matching bus events to the archive topics; ``start-replay`` runs here, in the CLI process.

The storage helpers at the top are shared with the worker; they import kafka-python lazily.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from typing import Any, Callable

__all__ = ["register", "archives_topic", "archive_topic", "ensure_archives_topic", "read_archive_records",
           "REPLAY_FILTER_HEADER"]

EXIT_OK = 0
EXIT_ERROR = 1
REPLAY_FILTER_HEADER = "pipeline-replay-filter-arns"  # JSON list of rule ARNs on replayed bus records
MAX_ENTRIES = 10  # PutEvents takes 1 to 10 entries per request; the CLI batches files by 10


# --- storage shared with the worker -------------------------------------------------------------

def archives_topic() -> str:
    from pipeline import topics

    return topics.prefix() + "eventbridge-archives"


def archive_topic(name: str) -> str:
    from pipeline import topics
    from pipeline.eventbus.archive import archive_topic_name

    return archive_topic_name(topics.prefix(), name)


def ensure_archives_topic() -> None:
    from pipeline.admin import ensure_compacted_topic

    ensure_compacted_topic(archives_topic())


def _ensure_archive_topic(name: str, retention_days: int) -> None:
    from pipeline import topics
    from pipeline.admin import create_missing_topics
    from pipeline.eventbus.archive import retention_ms

    create_missing_topics({archive_topic(name): {"num_partitions": topics.partitions(), "replication_factor": 1,
                                                 "configs": {"retention.ms": str(retention_ms(retention_days))}}})


def _current_entries() -> dict[str, dict]:
    """Archive/<name> and Replay/<name> → their current JSON document (tombstones removed)."""
    from pipeline.cli.reading import latest_by_key, read_topic

    return {key: json.loads(record.value) for key, record in latest_by_key(read_topic(archives_topic())).items()}


def _write_entry(key: str, document: dict | None) -> None:
    from pipeline.producer import Producer

    with Producer() as producer:
        producer.send_raw(archives_topic(), None if document is None else json.dumps(document).encode(),
                          key.encode())


def read_archive_records(name: str) -> list[tuple[dict, Any]]:
    """(event, record) for every record on an archive topic, in archive order per partition."""
    from pipeline.cli.reading import read_topic
    from pipeline.codec import codec_for

    codec = codec_for("event-bus")
    records = sorted(read_topic(archive_topic(name)), key=lambda r: (r.timestamp, r.partition, r.offset))
    return [(codec.decode(r.value), r) for r in records if r.value is not None]


# --- commands -----------------------------------------------------------------------------------

def _fail(code: str, operation: str, message: str) -> int:
    print(f"An error occurred ({code}) when calling the {operation} operation: {message}", file=sys.stderr)
    return EXIT_ERROR


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime | str | None) -> str | None:
    if moment is None or isinstance(moment, str):
        return moment
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _load_entries(source: str) -> list[Any]:
    """``file://path`` or a literal: a JSON list, {"Entries": [...]}, one entry, or JSON lines."""
    if source.startswith("file://"):
        source = source[len("file://"):]
        with open(source, encoding="utf-8") as handle:
            text = handle.read()
    elif source.lstrip()[:1] in ("[", "{"):
        text = source
    else:
        with open(source, encoding="utf-8") as handle:  # `pipeline put-events FILE`
            text = handle.read()
    try:
        value = json.loads(text)
    except ValueError:
        lines = [line for line in text.splitlines() if line.strip()]
        try:
            value = [json.loads(line) for line in lines]
        except ValueError as error:
            raise ValueError(f"entries are neither JSON nor JSON lines: {error}") from None
    if isinstance(value, dict):
        value = value["Entries"] if isinstance(value.get("Entries"), list) else [value]
    if not isinstance(value, list):
        raise ValueError("entries must be a JSON list of PutEvents entries")
    return value


def put_entries(entries: list[Any], producer, *, now: datetime) -> list[dict[str, str]]:
    """Publish each valid entry to its bus; the PutEvents result entry of each (in order)."""
    from pipeline import topics
    from pipeline.codec import codec_for
    from pipeline.errors import PipelineError
    from pipeline.eventbus.archive import ArchiveError, bus_from_arn
    from pipeline.eventbus.envelope import event_from_entry
    from pipeline.worker.settings import account_id, region

    codec = codec_for("event-bus")
    results: list[dict[str, str]] = []
    pending = []
    for entry in entries:
        try:
            if not isinstance(entry, dict):
                raise ArchiveError("Parameter Entries is not valid.")
            bus = bus_from_arn(entry.get("EventBusName") or "default", "EventBusName")
            event = event_from_entry(entry, account=account_id(), region=region(), time=now)
            value = codec.encode(event)
        except (PipelineError, TypeError, ValueError) as error:
            code = "MalformedDetail" if "Detail is malformed" in str(error) else "InvalidArgument"
            results.append({"ErrorCode": code, "ErrorMessage": str(error)})
            continue
        pending.append((len(results), producer.send_raw(topics.bus_topic(bus), value, event["id"].encode())))
        results.append({"EventId": event["id"]})
    producer.flush()
    for index, future in pending:
        try:
            future.get(timeout=30)
        except Exception as error:  # the broker refused it: AWS's InternalFailure
            results[index] = {"ErrorCode": "InternalFailure", "ErrorMessage": f"{type(error).__name__}: {error}"}
    return results


def _put_events(args: argparse.Namespace) -> int:
    from pipeline.cli.output import print_json
    from pipeline.producer import Producer

    source = args.entries or args.file
    if source is None:
        return _fail("ValidationException", "PutEvents", "give --entries JSON|file://path or a FILE")
    try:
        entries = _load_entries(source)
    except (OSError, ValueError, KeyError) as error:
        return _fail("ValidationException", "PutEvents", str(error))
    if args.entries and not 1 <= len(entries) <= MAX_ENTRIES:
        return _fail("ValidationException", "PutEvents",
                     "1 validation error detected: Value at 'entries' failed to satisfy constraint: "
                     f"Member must have length between 1 and {MAX_ENTRIES}")
    with Producer() as producer:
        results = put_entries(entries, producer, now=_now())
    failed = sum("ErrorCode" in r for r in results)
    print_json({"FailedEntryCount": failed, "Entries": results})
    return EXIT_OK


def _create_archive(args: argparse.Namespace) -> int:
    from pipeline.cli.output import print_json
    from pipeline.eventbus.archive import ArchiveError, archive_arn, validate_archive
    from pipeline.eventpatterns import EventPatternError
    from pipeline.worker.settings import account_id, region

    body: dict[str, Any] = {"ArchiveName": args.archive_name, "EventSourceArn": args.event_source_arn,
                            "RetentionDays": args.retention_days}
    if args.event_pattern is not None:
        body["EventPattern"] = _text(args.event_pattern)
    if args.description is not None:
        body["Description"] = args.description
    try:
        archive = validate_archive(body)
    except EventPatternError as error:
        return _fail("InvalidEventPatternException", "CreateArchive", str(error))
    except ArchiveError as error:
        return _fail(error.aws_code, "CreateArchive", str(error))
    ensure_archives_topic()
    key = f"Archive/{archive['ArchiveName']}"
    if key in _current_entries():
        return _fail("ResourceAlreadyExistsException", "CreateArchive",
                     f"Archive {archive['ArchiveName']} already exists.")
    arn = archive_arn(archive["ArchiveName"], region=region(), account=account_id())
    archive.update(ArchiveArn=arn, State="ENABLED", CreationTime=_iso(_now()))
    _ensure_archive_topic(archive["ArchiveName"], archive["RetentionDays"])  # before workers write to it
    _write_entry(key, archive)
    print_json({"ArchiveArn": arn, "State": "ENABLED", "CreationTime": archive["CreationTime"]})
    return EXIT_OK


def _describe_archive(args: argparse.Namespace) -> int:
    from pipeline.cli.output import print_json
    from pipeline.eventbus.archive import bus_arn
    from pipeline.worker.settings import account_id, region

    archive = _current_entries().get(f"Archive/{args.archive_name}")
    if archive is None:
        return _fail("ResourceNotFoundException", "DescribeArchive", f"Archive {args.archive_name} does not exist.")
    events = read_archive_records(args.archive_name)
    answer = {"ArchiveArn": archive["ArchiveArn"], "ArchiveName": archive["ArchiveName"],
              "EventSourceArn": bus_arn(archive["EventSourceBus"], region=region(), account=account_id()),
              "State": archive["State"], "RetentionDays": archive["RetentionDays"],
              "SizeBytes": sum(len(r.value) for _, r in events), "EventCount": len(events),
              "CreationTime": archive["CreationTime"]}
    for key in ("EventPattern", "Description"):
        if key in archive:
            answer[key] = archive[key]
    print_json(answer)
    return EXIT_OK


def _list_archives(args: argparse.Namespace) -> int:
    from pipeline.cli.output import print_json

    archives = [v for k, v in sorted(_current_entries().items()) if k.startswith("Archive/")]
    print_json({"Archives": [{"ArchiveName": a["ArchiveName"], "EventSourceArn": a["EventSourceBus"],
                              "State": a["State"], "RetentionDays": a["RetentionDays"],
                              "CreationTime": a["CreationTime"]} for a in archives]})
    return EXIT_OK


def run_replay(replay: dict[str, Any], producer, cancelled: Callable[[], bool] = lambda: False
               ) -> tuple[int, str | None, bool]:
    """Republish the archive's events of the replay's time range onto its bus, one-minute bucket
    after bucket (each acknowledged before the next starts). ``producer`` is a kafka-python
    KafkaProducer; ``cancelled`` is asked before each bucket after the first (CancelReplay).
    Returns (events replayed, event time of the last one, whether it stopped cancelled)."""
    from pipeline import topics
    from pipeline.codec import codec_for
    from pipeline.eventbus.archive import replay_order

    codec = codec_for("event-bus")
    archived = read_archive_records(replay["EventSourceArchive"])
    ordered = replay_order(archived, replay["EventStartTime"], replay["EventEndTime"], event_of=lambda item: item[0])
    headers = []
    if replay["FilterArns"]:
        headers.append((REPLAY_FILTER_HEADER, json.dumps(replay["FilterArns"]).encode()))
    bus_topic = topics.bus_topic(replay["DestinationBus"])
    last = None
    count = 0
    for event, _record in ordered:
        if last is not None and last[:16] != event["time"][:16]:
            producer.flush()  # the previous minute is on the bus before this one starts
            if cancelled():
                return count, last, True
        # the same event id, as AWS replays it, plus replay-name
        replayed = dict(event, **{"replay-name": replay["ReplayName"]})
        producer.send(bus_topic, key=event["id"].encode(), value=codec.encode(replayed), headers=headers)
        last = event["time"]
        count += 1
    producer.flush()
    return count, last, False


def cancellation_check(replay_key: str, every_s: float = 1.0) -> Callable[[], bool]:
    """Whether CancelReplay marked the replay CANCELLING: the archives topic read at most once per
    ``every_s`` seconds (a replay of many minutes would otherwise read it once a minute bucket)."""
    checked = [0.0, False]

    def cancelled() -> bool:
        now = time.monotonic()
        if not checked[1] and now - checked[0] >= every_s:
            checked[0] = now
            checked[1] = (_current_entries().get(replay_key) or {}).get("State") == "CANCELLING"
        return checked[1]

    return cancelled


def _start_replay(args: argparse.Namespace) -> int:
    from pipeline.cli.output import print_json
    from pipeline.eventbus.archive import ArchiveError, archive_from_arn, replay_arn, validate_replay
    from kafka import KafkaProducer

    from pipeline.kafka_settings import kafka_python_config
    from pipeline.worker.settings import account_id, region

    try:
        destination = json.loads(_text(args.destination))
    except ValueError as error:
        return _fail("ValidationException", "StartReplay", f"Destination is not valid JSON: {error}")
    body = {"ReplayName": args.replay_name, "EventSourceArn": args.event_source_arn,
            "EventStartTime": args.event_start_time, "EventEndTime": args.event_end_time,
            "Destination": destination}
    if args.description is not None:
        body["Description"] = args.description
    ensure_archives_topic()
    entries = _current_entries()
    try:
        archive = entries.get(f"Archive/{archive_from_arn(args.event_source_arn)}")
        replay = validate_replay(body, archive)
    except ArchiveError as error:
        return _fail(error.aws_code, "StartReplay", str(error))
    key = f"Replay/{replay['ReplayName']}"
    if key in entries:
        return _fail("ResourceAlreadyExistsException", "StartReplay", f"Replay {replay['ReplayName']} already exists.")
    arn = replay_arn(replay["ReplayName"], region=region(), account=account_id())
    started = _now()
    document = {"ReplayName": replay["ReplayName"], "ReplayArn": arn, "State": "RUNNING",
                "EventSourceArn": archive["ArchiveArn"], "Destination": destination,
                "EventStartTime": _iso(replay["EventStartTime"]), "EventEndTime": _iso(replay["EventEndTime"]),
                "ReplayStartTime": _iso(started)}
    if "Description" in replay:
        document["Description"] = replay["Description"]
    _write_entry(key, document)
    producer = KafkaProducer(**kafka_python_config(), linger_ms=5)
    try:
        count, last, was_cancelled = run_replay(replay, producer, cancellation_check(key))
    except Exception as error:
        document.update(State="FAILED", StateReason=f"{type(error).__name__}: {error}", ReplayEndTime=_iso(_now()))
        _write_entry(key, document)
        print_json({"ReplayArn": arn, "State": "FAILED", "StateReason": document["StateReason"],
                    "ReplayStartTime": document["ReplayStartTime"]})
        return EXIT_ERROR
    finally:
        producer.close()
    state = "CANCELLED" if was_cancelled else "COMPLETED"
    reason = f"Cancelled after {count} events." if was_cancelled else f"Replayed {count} events."
    document.update(State=state, StateReason=reason, EventLastReplayedTime=last, ReplayEndTime=_iso(_now()))
    _write_entry(key, document)
    # StartReplay's response shape; the replay ran synchronously, so the state is final already
    print_json({"ReplayArn": arn, "State": state, "StateReason": reason, "ReplayStartTime": document["ReplayStartTime"]})
    return EXIT_OK


def _describe_replay(args: argparse.Namespace) -> int:
    from pipeline.cli.output import print_json

    replay = _current_entries().get(f"Replay/{args.replay_name}")
    if replay is None:
        return _fail("ResourceNotFoundException", "DescribeReplay", f"Replay {args.replay_name} does not exist.")
    print_json(replay)
    return EXIT_OK


def _text(value: str) -> str:
    if value.startswith("file://"):
        with open(value[len("file://"):], encoding="utf-8") as handle:
            return handle.read()
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("put-events", help="publish PutEvents entries to their event buses")
    parser.add_argument("--entries", help="JSON list of entries, {\"Entries\": [...]} or file://path")
    parser.add_argument("file", nargs="?", help="a JSON or JSON-lines file of entries (any number)")
    parser.set_defaults(handler=_put_events)

    parser = subparsers.add_parser("create-archive", help="archive the events of a bus (CreateArchive)")
    parser.add_argument("--archive-name", required=True)
    parser.add_argument("--event-source-arn", required=True, help="event bus ARN or name")
    parser.add_argument("--event-pattern", help="pattern JSON text or file://path (default: every event)")
    parser.add_argument("--retention-days", type=int, default=0, help="0 keeps events forever")
    parser.add_argument("--description")
    parser.set_defaults(handler=_create_archive)

    parser = subparsers.add_parser("describe-archive", help="an archive and its event count (DescribeArchive)")
    parser.add_argument("--archive-name", required=True)
    parser.set_defaults(handler=_describe_archive)

    parser = subparsers.add_parser("list-archives", help="every archive (ListArchives)")
    parser.set_defaults(handler=_list_archives)

    parser = subparsers.add_parser("start-replay", help="replay archived events onto their bus (StartReplay)")
    parser.add_argument("--replay-name", required=True)
    parser.add_argument("--event-source-arn", required=True, help="archive ARN or name")
    parser.add_argument("--event-start-time", required=True, help="ISO-8601 or epoch seconds (inclusive)")
    parser.add_argument("--event-end-time", required=True, help="ISO-8601 or epoch seconds (exclusive)")
    parser.add_argument("--destination", required=True, help='{"Arn": BUS_ARN, "FilterArns": [RULE_ARN, ...]}')
    parser.add_argument("--description")
    parser.set_defaults(handler=_start_replay)

    parser = subparsers.add_parser("describe-replay", help="state and progress of a replay (DescribeReplay)")
    parser.add_argument("--replay-name", required=True)
    parser.set_defaults(handler=_describe_replay)
