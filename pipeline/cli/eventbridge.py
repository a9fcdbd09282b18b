"""Offline EventBridge commands: test-event-pattern, test-input-transformer, next-schedule.

They need no broker; engines are imported inside the handlers so ``pipeline --help`` stays light
and none of these commands imports faust or kafka.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["register"]

EXIT_OK = 0
EXIT_ERROR = 1


def _text_argument(text: str) -> str:
    """AWS CLI style: literal text or ``file://path``."""
    if text.startswith("file://"):
        with open(text[len("file://"):], encoding="utf-8") as handle:
            return handle.read()
    return text


def _fail(code: str, operation: str, message: str) -> int:
    print(f"An error occurred ({code}) when calling the {operation} operation: {message}", file=sys.stderr)
    return EXIT_ERROR


def _test_event_pattern(args: argparse.Namespace) -> int:
    from pipeline.cli.output import print_json
    from pipeline.eventbus.envelope import EventError, check_test_event
    from pipeline.eventpatterns import EventPatternError, check_pattern, matches

    pattern = _text_argument(args.event_pattern)
    if len(pattern) > 4096:
        return _fail("ValidationException", "TestEventPattern",
                     "1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: "
                     "Member must have length less than or equal to 4096")
    try:
        check_pattern(pattern)  # AWS reports a bad pattern before a bad event
        event = check_test_event(_text_argument(args.event))
        result = matches(pattern, event)
    except EventPatternError as error:
        return _fail("InvalidEventPatternException", "TestEventPattern", str(error))
    except EventError as error:
        return _fail("ValidationException", "TestEventPattern", str(error))
    print_json({"Result": result})
    return EXIT_OK


def _test_input_transformer(args: argparse.Namespace) -> int:
    import json

    from pipeline.eventbus.input import InputError, InputRenderError, check_transformer, render_target_input

    try:
        transformer = json.loads(_text_argument(args.input_transformer))
        event = json.loads(_text_argument(args.event))
    except ValueError as error:
        return _fail("ValidationException", "TestInputTransformer", f"not valid JSON: {error}")
    try:
        transformer = check_transformer(transformer, "test")
        body = render_target_input({"InputTransformer": transformer}, event,
                                   rule_name=args.rule_name, rule_arn=args.rule_arn)
    except (InputError, InputRenderError) as error:
        return _fail("ValidationException", "TestInputTransformer", str(error))
    sys.stdout.write(body + "\n")
    return EXIT_OK


def _next_schedule(args: argparse.Namespace) -> int:
    from datetime import datetime

    from pipeline.cli.output import print_json
    from pipeline.eventbus.schedule import ScheduleError, parse_schedule

    try:
        schedule = parse_schedule(args.schedule_expression)
    except ScheduleError as error:
        return _fail("ValidationException", "PutRule", str(error))
    moment = datetime.fromisoformat(args.after.replace("Z", "+00:00"))
    times = []
    for _ in range(args.count):
        moment = schedule.next_after(moment)
        if moment is None:
            break
        times.append(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    print_json({"NextFireTimes": times})
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "test-event-pattern",
        help="does an event pattern match an event (EventBridge TestEventPattern, offline)",
    )
    parser.add_argument("--event-pattern", required=True, help="pattern JSON text or file://path")
    parser.add_argument("--event", required=True, help="event JSON text or file://path")
    parser.set_defaults(handler=_test_event_pattern)

    parser = subparsers.add_parser(
        "test-input-transformer",
        help="render an InputTransformer for an event, as a target would receive it (offline)",
    )
    parser.add_argument("--input-transformer", required=True,
                        help='{"InputPathsMap": {...}, "InputTemplate": "..."} or file://path')
    parser.add_argument("--event", required=True, help="event JSON text or file://path")
    parser.add_argument("--rule-name", default="test-rule")
    parser.add_argument("--rule-arn", default="arn:aws:events:us-east-1:123456789012:rule/test-rule")
    parser.set_defaults(handler=_test_input_transformer)

    parser = subparsers.add_parser(
        "next-schedule", help="next fire times of a rate(...) or cron(...) schedule expression (offline)")
    parser.add_argument("--schedule-expression", required=True)
    parser.add_argument("--after", required=True, help="ISO-8601 time, e.g. 2026-01-01T00:00:00Z")
    parser.add_argument("--count", type=int, default=5)
    parser.set_defaults(handler=_next_schedule)
