"""CloudWatch commands backed by the pipeline's topics: describe-alarms, describe-alarm-history,
get-metric-statistics, put-metric-data.

The read commands read their topics from the beginning with kafka-python (``read_topic``, the
one reading helper of this module) and answer in the AWS CLI's JSON shape; nothing is asked of
a running worker. Imports of kafka and of the engines stay inside the handlers.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any, Iterable, NamedTuple

from pipeline.errors import PipelineError

ALARM_TYPES = ("MetricAlarm", "CompositeAlarm")
STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")
HISTORY_TYPES = ("ConfigurationUpdate", "StateUpdate", "Action")
INITIAL_REASON = "Unchecked: Initial alarm creation"
MAX_DATA_PER_REQUEST = 1000  # PutMetricData: at most 1,000 metrics per request


class CloudWatchInputError(PipelineError):
    """A command argument CloudWatch would refuse (bad JSON, dimension, timestamp, datum)."""


# ---- reading topics ------------------------------------------------------------------------


class TopicRecord(NamedTuple):
    key: bytes | None
    value: bytes | None
    timestamp_ms: int  # the Kafka record's timestamp
    partition: int
    offset: int


def read_topic(role: str, timeout_s: float = 30.0) -> list[TopicRecord]:
    """Every record of a catalog topic (see pipeline.cli.reading)."""
    from pipeline import topics
    from pipeline.cli.reading import read_topic as read_records

    return [TopicRecord(r.key, r.value, r.timestamp, r.partition, r.offset)
            for r in read_records(topics.topic_name(role), timeout_s)]


def decoded_records(role: str, records: Iterable[TopicRecord]):
    """(record, decoded value) for each record that decodes; others are skipped, as workers skip them."""
    from pipeline.codec import DecodeError, codec_for

    codec = codec_for(role)
    for record in records:
        if record.value is None:
            continue
        try:
            yield record, codec.decode(record.value, record_time_ms=record.timestamp_ms)
        except DecodeError:
            continue


# ---- shared argument parsing ---------------------------------------------------------------


def epoch_argument(text: str, option: str) -> float:
    from pipeline.alarms.errors import MetricDataError
    from pipeline.alarms.periods import to_epoch

    try:
        return to_epoch(text)
    except (MetricDataError, ValueError) as error:
        raise CloudWatchInputError(f"Invalid value for {option}: {text!r} ({error})") from None


def json_argument(text: str, option: str) -> Any:
    from pipeline.cli.output import read_json_argument

    try:
        return read_json_argument(text)
    except (OSError, ValueError) as error:
        raise CloudWatchInputError(f"Invalid value for {option}: {error}") from None


def parse_dimensions(items: list[str] | None, option: str = "--dimensions") -> list[dict[str, str]]:
    """AWS CLI forms: ``Name=X,Value=Y`` per item, ``X=Y[,Z=W]`` (put-metric-data shorthand), or JSON."""
    dimensions: list[dict[str, str]] = []
    for item in items or []:
        text = item.strip()
        if text.startswith(("[", "{")):
            value = json_argument(text, option)
            for d in value if isinstance(value, list) else [value]:
                if not (isinstance(d, dict) and isinstance(d.get("Name"), str) and isinstance(d.get("Value"), str)):
                    raise CloudWatchInputError(f"Invalid value for {option}: expected {{\"Name\": ..., \"Value\": ...}}")
                dimensions.append({"Name": d["Name"], "Value": d["Value"]})
            continue
        pairs = [part.split("=", 1) for part in text.split(",")]
        if not text or any(len(pair) != 2 or not pair[0].strip() for pair in pairs):
            raise CloudWatchInputError(f"Invalid value for {option}: {item!r}; expected Name=X,Value=Y")
        parts = {name.strip(): value for name, value in pairs}
        if set(parts) == {"Name", "Value"}:
            dimensions.append({"Name": parts["Name"], "Value": parts["Value"]})
        elif len(parts) == len(pairs) and not {"Name", "Value"} & set(parts):
            dimensions.extend({"Name": n, "Value": v} for n, v in parts.items())  # put-metric-data shorthand
        else:
            raise CloudWatchInputError(f"Invalid value for {option}: {item!r}; expected Name=X,Value=Y")
    names = [d["Name"] for d in dimensions]
    if len(set(names)) != len(names):
        raise CloudWatchInputError(f"Invalid value for {option}: a dimension name is given twice")
    if len(dimensions) > 30:
        raise CloudWatchInputError(f"Invalid value for {option}: at most 30 dimensions")
    return dimensions


# ---- describe-alarms -----------------------------------------------------------------------


def _arn(name: str) -> str:
    from pipeline.worker.settings import account_id, region

    return f"arn:aws:cloudwatch:{region()}:{account_id()}:alarm:{name}"


def current_definitions(kinds: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``Kind/name`` -> definitions record (kind, name, body, appliedAt), tombstones applied."""
    from pipeline.codec import codec_for

    kinds = set(kinds)
    current: dict[str, dict[str, Any]] = {}
    for record in read_topic("definitions"):
        if record.key is None:
            continue
        key = record.key.decode("utf-8", "replace")
        if key.partition("/")[0] not in kinds:
            continue
        if record.value is None:
            current.pop(key, None)
            continue
        try:
            value = codec_for("definitions").decode(record.value)
        except PipelineError:
            continue
        value.setdefault("appliedAt", record.timestamp_ms)
        current[key] = value
    return current


def latest_states() -> dict[str, dict[str, Any]]:
    """AlarmName -> its newest alarm-state-changes record (by StateChangeTime, then offset)."""
    latest: dict[str, dict[str, Any]] = {}
    for _, change in decoded_records("alarm-state-changes", read_topic("alarm-state-changes")):
        known = latest.get(change["AlarmName"])
        if known is None or known["StateChangeTime"] <= change["StateChangeTime"]:
            latest[change["AlarmName"]] = change
    return latest


def describe(definition: dict[str, Any], state: dict[str, Any] | None) -> dict[str, Any]:
    """One DescribeAlarms entry: the definition's fields plus state and timestamps."""
    from pipeline.alarms.periods import iso_timestamp

    body = {k: v for k, v in (definition.get("body") or {}).items() if k != "Tags"}
    name = definition["name"]
    configured = iso_timestamp((definition.get("appliedAt") or 0) / 1000)
    entry: dict[str, Any] = {"AlarmName": name, "AlarmArn": _arn(name)}
    entry.update(body)
    entry["AlarmConfigurationUpdatedTimestamp"] = configured
    if state is None:
        entry.update(StateValue="INSUFFICIENT_DATA", StateReason=INITIAL_REASON,
                     StateUpdatedTimestamp=configured, StateTransitionedTimestamp=configured)
    else:
        changed = iso_timestamp(state["StateChangeTime"] / 1000)
        entry.update(StateValue=state["NewStateValue"], StateReason=state["NewStateReason"])
        if state.get("StateReasonData") is not None:
            entry["StateReasonData"] = json.dumps(state["StateReasonData"], separators=(",", ":"))
        entry.update(StateUpdatedTimestamp=changed, StateTransitionedTimestamp=changed)
    return entry


def describe_alarms(args: argparse.Namespace) -> int:
    from pipeline.cli.output import print_json

    types = args.alarm_types or ["MetricAlarm"]
    definitions = current_definitions(types)
    states = latest_states()
    answer: dict[str, list] = {"MetricAlarms": [], "CompositeAlarms": []}
    for key in sorted(definitions, key=lambda k: (definitions[k]["name"], k)):
        definition = definitions[key]
        name = definition["name"]
        if args.alarm_names and name not in args.alarm_names:
            continue
        if args.alarm_name_prefix and not name.startswith(args.alarm_name_prefix):
            continue
        entry = describe(definition, states.get(name))
        if args.state_value and entry["StateValue"] != args.state_value:
            continue
        if args.action_prefix and not any(
                a.startswith(args.action_prefix) for field in ("AlarmActions", "OKActions", "InsufficientDataActions")
                for a in entry.get(field) or ()):
            continue
        answer["MetricAlarms" if definition["kind"] == "MetricAlarm" else "CompositeAlarms"].append(entry)
    if args.max_records:
        answer = {k: v[:args.max_records] for k, v in answer.items()}
    print_json(answer)
    return 0


# ---- describe-alarm-history ----------------------------------------------------------------


def describe_alarm_history(args: argparse.Namespace) -> int:
    from pipeline.alarms.periods import to_epoch
    from pipeline.cli.output import print_json

    types = set(args.alarm_types or ["MetricAlarm"])
    start = epoch_argument(args.start_date, "--start-date") if args.start_date else None
    end = epoch_argument(args.end_date, "--end-date") if args.end_date else None
    items = []
    for record, value in decoded_records("alarm-history", read_topic("alarm-history")):
        item = value.get("document")
        if not isinstance(item, dict) or "HistoryItemType" not in item:
            continue
        if args.alarm_name and item.get("AlarmName") != args.alarm_name:
            continue
        if item.get("AlarmType", "MetricAlarm") not in types:
            continue
        if args.history_item_type and item["HistoryItemType"] != args.history_item_type:
            continue
        try:
            moment = to_epoch(item["Timestamp"])
        except Exception:
            moment = record.timestamp_ms / 1000
        if (start is not None and moment < start) or (end is not None and moment > end):
            continue
        items.append((moment, record.partition, record.offset, item))
    items.sort(key=lambda entry: entry[:3], reverse=args.scan_by != "TimestampAscending")
    shown = [item for *_, item in items]
    if args.max_records:
        shown = shown[:args.max_records]
    print_json({"AlarmHistoryItems": shown})
    return 0


# ---- get-metric-statistics -----------------------------------------------------------------


def get_metric_statistics(args: argparse.Namespace) -> int:
    from pipeline.alarms import add_value, get_metric_statistics as compute, new_bucket, period_start
    from pipeline.alarms.model import metric_key
    from pipeline.cli.output import print_json
    from pipeline.metric_data import samples_of

    if args.period <= 0:
        raise CloudWatchInputError("Invalid value for --period: it must be a positive number of seconds.")
    start, end = epoch_argument(args.start_time, "--start-time"), epoch_argument(args.end_time, "--end-time")
    if end <= start:
        raise CloudWatchInputError("The parameter StartTime must be less than the parameter EndTime.")
    wanted = metric_key(args.namespace, args.metric_name, parse_dimensions(args.dimensions))
    buckets: dict[int, dict] = {}
    units: set[str] = set()
    first = math.floor(start / args.period) * args.period
    for _, datum in decoded_records("metric-data", read_topic("metric-data")):
        if metric_key(datum["Namespace"], datum["MetricName"], datum.get("Dimensions")) != wanted:
            continue
        unit = datum.get("Unit") or "None"
        if args.unit and unit != args.unit:
            continue
        moment = datum["Timestamp"] / 1000
        if not first <= moment < end + args.period:
            continue
        units.add(unit)
        begin = period_start(moment, args.period)
        bucket = buckets.setdefault(begin, new_bucket())
        for value, count in samples_of(datum):
            add_value(bucket, value, count)
    unit = args.unit or (units.pop() if len(units) == 1 else "None")
    print_json(compute(buckets, start, end, args.period, args.statistics or (), args.extended_statistics or (),
                       label=args.metric_name, unit=unit))
    return 0


# ---- put-metric-data -----------------------------------------------------------------------


def _metric_data(args: argparse.Namespace) -> list[dict[str, Any]]:
    if args.metric_data is not None:
        if args.metric_name or args.value is not None:
            raise CloudWatchInputError("--metric-data cannot be combined with --metric-name/--value.")
        data = json_argument(args.metric_data, "--metric-data")
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
            raise CloudWatchInputError("Invalid value for --metric-data: expected a list of MetricDatum objects.")
        return data
    if not args.metric_name or args.value is None:
        raise CloudWatchInputError("Either --metric-data or --metric-name with --value must be given.")
    datum: dict[str, Any] = {"MetricName": args.metric_name, "Value": args.value,
                             "Dimensions": parse_dimensions(args.dimensions)}
    if args.unit:
        datum["Unit"] = args.unit
    if args.timestamp:
        datum["Timestamp"] = args.timestamp
    return [datum]


def expand_datum(namespace: str, datum: dict[str, Any], number: int, now: float) -> list[dict[str, Any]]:
    """One MetricDatum as metric-data records (one per value); raises CloudWatchInputError."""
    from pipeline.alarms.periods import check_datum_time

    where = f"MetricData member {number}"
    name = datum.get("MetricName")
    if not isinstance(name, str) or not name:
        raise CloudWatchInputError(f"{where}: MetricName is required.")
    if "StatisticValues" in datum:
        raise CloudWatchInputError(f"{where}: StatisticValues is not supported (metric-data records carry the "
                                   "values themselves, from which alarms compute every statistic); send Values/Counts.")
    if "Value" in datum and "Values" in datum:
        raise CloudWatchInputError(f"{where}: give Value or Values, not both.")
    if "Values" in datum:
        values = datum["Values"]
        counts = datum.get("Counts") or [1] * len(values if isinstance(values, list) else [])
        if not isinstance(values, list) or not isinstance(counts, list) or len(values) != len(counts):
            raise CloudWatchInputError(f"{where}: Values and Counts must be lists of the same length.")
        if len(values) > 150:
            raise CloudWatchInputError(f"{where}: at most 150 Values.")
        samples = []
        for value, count in zip(values, counts):
            if isinstance(count, bool) or not isinstance(count, (int, float)) or count < 0 or count != int(count):
                raise CloudWatchInputError(f"{where}: Counts must be whole numbers here (each sample is a record).")
            samples.extend([value] * int(count))
    elif "Value" in datum:
        samples = [datum["Value"]]
    else:
        raise CloudWatchInputError(f"{where}: one of Value, Values is required.")
    for value in samples:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise CloudWatchInputError(f"{where}: the value {value!r} is not a finite number.")
        if value != 0 and not 2 ** -360 <= abs(value) <= 2 ** 360:
            raise CloudWatchInputError(f"{where}: the value {value!r} is outside the range CloudWatch accepts.")
    stamp = datum.get("Timestamp")
    moment = now if stamp is None else epoch_argument(stamp, f"{where} Timestamp")
    problem = check_datum_time(moment, now)
    if problem:
        raise CloudWatchInputError(f"{where}: {problem}")
    dimensions = datum.get("Dimensions") or []
    if not isinstance(dimensions, list):
        raise CloudWatchInputError(f"{where}: Dimensions must be a list of {{Name, Value}}.")
    record = {"Namespace": namespace, "MetricName": name, "Dimensions": dimensions,
              "Timestamp": int(round(moment * 1000)), "Unit": datum.get("Unit") or "None"}
    return [dict(record, Value=float(value)) for value in samples]


def put_metric_data(args: argparse.Namespace) -> int:
    from pipeline.codec import DecodeError, codec_for
    from pipeline.producer import Producer

    if not args.namespace or args.namespace.startswith("AWS/"):
        raise CloudWatchInputError("Invalid value for --namespace: it must be given and must not start with AWS/.")
    data = _metric_data(args)
    if len(data) > MAX_DATA_PER_REQUEST:
        raise CloudWatchInputError(f"At most {MAX_DATA_PER_REQUEST} MetricData members per request.")
    now = time.time()
    records = []
    codec = codec_for("metric-data")
    for number, datum in enumerate(data, start=1):
        for record in expand_datum(args.namespace, datum, number, now):
            try:  # the topic's own validation, before anything is sent
                codec.decode(json.dumps(record).encode())
            except DecodeError as error:
                raise CloudWatchInputError(f"MetricData member {number}: {error}") from None
            records.append(record)
    with Producer() as producer:
        producer.send_all("metric-data", records)
    print(f"put {len(records)} datapoints to {args.namespace}", file=sys.stderr)
    return 0


# ---- registration --------------------------------------------------------------------------


def register(subparsers) -> None:
    alarms = subparsers.add_parser(
        "describe-alarms", help="alarms with their current state (definitions + alarm-state-changes topics)",
        description="DescribeAlarms: every alarm on the definitions topic with StateValue, StateReason, "
                    "StateReasonData and StateUpdatedTimestamp from its newest alarm-state-changes record "
                    "(INSUFFICIENT_DATA, 'Unchecked: Initial alarm creation' if it never transitioned). As in "
                    "AWS, only metric alarms are returned unless --alarm-types says otherwise.")
    alarms.add_argument("--alarm-names", nargs="+", metavar="NAME")
    alarms.add_argument("--alarm-name-prefix", metavar="PREFIX")
    alarms.add_argument("--alarm-types", nargs="+", choices=ALARM_TYPES, metavar="TYPE",
                        help="MetricAlarm and/or CompositeAlarm (default: MetricAlarm, as in AWS)")
    alarms.add_argument("--state-value", choices=STATES)
    alarms.add_argument("--action-prefix", metavar="PREFIX")
    alarms.add_argument("--max-records", type=int, metavar="N", help="at most N alarms of each type")
    alarms.set_defaults(handler=describe_alarms)

    history = subparsers.add_parser(
        "describe-alarm-history", help="alarm history items from the alarm-history topic, newest first",
        description="DescribeAlarmHistory over the alarm-history topic. As in AWS, only metric alarms' items "
                    "are returned unless --alarm-types says otherwise.")
    history.add_argument("--alarm-name", metavar="NAME")
    history.add_argument("--alarm-types", nargs="+", choices=ALARM_TYPES, metavar="TYPE",
                         help="MetricAlarm and/or CompositeAlarm (default: MetricAlarm, as in AWS)")
    history.add_argument("--history-item-type", choices=HISTORY_TYPES)
    history.add_argument("--start-date", metavar="T", help="ISO 8601 or epoch seconds (inclusive)")
    history.add_argument("--end-date", metavar="T", help="ISO 8601 or epoch seconds (inclusive)")
    history.add_argument("--max-records", type=int, metavar="N")
    history.add_argument("--scan-by", choices=("TimestampDescending", "TimestampAscending"),
                         default="TimestampDescending")
    history.set_defaults(handler=describe_alarm_history)

    stats = subparsers.add_parser(
        "get-metric-statistics", help="statistics of a metric, computed from the metric-data topic",
        description="GetMetricStatistics computed by reading the whole metric-data topic (the source of truth: "
                    "workers keep buckets only for metrics that alarms read, and only for their evaluation "
                    "range). Dimensions must match exactly, as in AWS. Slow on a large topic.")
    stats.add_argument("--namespace", required=True)
    stats.add_argument("--metric-name", required=True)
    stats.add_argument("--dimensions", nargs="+", metavar="Name=X,Value=Y")
    stats.add_argument("--start-time", required=True, metavar="T", help="ISO 8601 or epoch seconds (inclusive)")
    stats.add_argument("--end-time", required=True, metavar="T", help="ISO 8601 or epoch seconds (exclusive)")
    stats.add_argument("--period", required=True, type=int, metavar="SECONDS")
    stats.add_argument("--statistics", nargs="+", metavar="STAT",
                       help="SampleCount Average Sum Minimum Maximum")
    stats.add_argument("--extended-statistics", nargs="+", metavar="STAT", help="e.g. p99 tm90")
    stats.add_argument("--unit", help="only data with this unit")
    stats.set_defaults(handler=get_metric_statistics)

    put = subparsers.add_parser(
        "put-metric-data", help="publish metric data (PutMetricData) to the metric-data topic",
        description="PutMetricData: --metric-data takes a list of MetricDatum (MetricName, Dimensions, "
                    "Timestamp, Value or Values/Counts, Unit) as JSON or file://path; or give one datum with "
                    "--metric-name/--value. Everything is validated before anything is sent.")
    put.add_argument("--namespace", required=True)
    put.add_argument("--metric-data", metavar="JSON|file://PATH")
    put.add_argument("--metric-name")
    put.add_argument("--value", type=float)
    put.add_argument("--unit")
    put.add_argument("--timestamp", metavar="T")
    put.add_argument("--dimensions", nargs="+", metavar="Name=Value[,Name=Value]")
    put.set_defaults(handler=put_metric_data)
