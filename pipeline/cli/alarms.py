"""``pipeline simulate-alarm``: backtest a PutMetricAlarm definition on recorded metric data.

Offline: imports only the alarm engine (inside the handler), never faust or kafka.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Iterator


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate-alarm",
        help="backtest one metric alarm on metric data (JSON lines), no broker needed",
        description=(
            "Evaluate a PutMetricAlarm definition over MetricDatum JSON lines (Timestamp, Value) and "
            "print one JSON line per evaluation: Timestamp, StateValue, StateReason. The alarm starts "
            "in INSUFFICIENT_DATA; evaluations follow CloudWatch's cadence unless --evaluation-times is given."
        ),
    )
    parser.add_argument("--alarm", required=True, metavar="ALARM.json",
                        help="PutMetricAlarm request body: a path, file://path, or literal JSON")
    parser.add_argument("--metric-data", required=True, metavar="DATA.jsonl",
                        help="JSON lines in the MetricDatum shape ('-' for stdin)")
    parser.add_argument("--start-time", metavar="T", help="ISO 8601 or epoch seconds (default: first datum)")
    parser.add_argument("--end-time", metavar="T", help="ISO 8601 or epoch seconds (default: last datum's period end)")
    parser.add_argument("--evaluation-times", metavar="T1,T2,...",
                        help="evaluate only at these instants, each over the periods that end at or before it")
    parser.set_defaults(handler=_simulate_alarm)


def _read_alarm(text: str) -> Any:
    from pipeline.alarms.errors import AlarmValidationError

    stripped = text.strip()
    try:
        if stripped.startswith("{"):
            body = json.loads(stripped)
        else:
            path = text[len("file://"):] if text.startswith("file://") else text
            with open(path, encoding="utf-8") as handle:
                body = _load_yaml(handle) if path.endswith((".yaml", ".yml")) else json.load(handle)
    except (OSError, ValueError) as error:
        raise AlarmValidationError(f"cannot read the alarm definition {text!r}: {error}") from None
    # a definitions-file entry ({"PutMetricAlarm": {...}}) or a file holding exactly one
    if isinstance(body, list) and len(body) == 1:
        body = body[0]
    if isinstance(body, dict) and list(body) == ["PutMetricAlarm"]:
        body = body["PutMetricAlarm"]
    return body


def _load_yaml(handle: Any) -> Any:
    import yaml

    try:
        return yaml.safe_load(handle)
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from None


def _read_data(path: str) -> Iterator[Any]:
    from pipeline.alarms.errors import MetricDataError

    handle = sys.stdin if path == "-" else open(path, encoding="utf-8")
    try:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except ValueError as error:
                raise MetricDataError(f"{path}:{number}: not JSON: {error}") from None
    finally:
        if handle is not sys.stdin:
            handle.close()


def _simulate_alarm(args: argparse.Namespace) -> int:
    from pipeline.alarms.model import Alarm
    from pipeline.alarms.periods import to_epoch
    from pipeline.alarms.simulate import simulate

    alarm = Alarm.from_dict(_read_alarm(args.alarm))
    times = None
    if args.evaluation_times:
        times = [to_epoch(t) for t in args.evaluation_times.split(",") if t.strip()]
    try:
        data = list(_read_data(args.metric_data))
    except OSError as error:
        from pipeline.alarms.errors import MetricDataError

        raise MetricDataError(f"cannot read metric data {args.metric_data!r}: {error}") from None
    start = to_epoch(args.start_time) if args.start_time else None
    end = to_epoch(args.end_time) if args.end_time else None
    out = sys.stdout
    for line in simulate(alarm, data, start=start, end=end, times=times):
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    out.flush()
    return 0
