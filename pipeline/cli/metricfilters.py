"""``pipeline test-metric-filter``: the TestMetricFilter API, offline.

Imports the engine inside the handler only; no broker, no faust/kafka import on this path.
"""

from __future__ import annotations

import argparse

from pipeline.errors import PipelineError

MIN_MESSAGES, MAX_MESSAGES = 1, 50  # TestMetricFilter logEventMessages bounds


class TestMetricFilterError(PipelineError):
    """A TestMetricFilter request the API would refuse (``InvalidParameterException``)."""

    __test__ = False  # not a pytest class


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "test-metric-filter",
        help="test a CloudWatch Logs filter pattern against sample messages (no broker needed)",
        description="Print the TestMetricFilter response: the messages that match, numbered "
                    "from 1, with the values a space-delimited pattern extracts. Use "
                    "--filter-pattern=-ERROR (with '=') for patterns that start with '-'.",
    )
    parser.add_argument("--filter-pattern", required=True, metavar="PATTERN")
    parser.add_argument("--log-event-messages", required=True, nargs="+", metavar="MESSAGE",
                        help=f"{MIN_MESSAGES} to {MAX_MESSAGES} log event messages")
    parser.set_defaults(handler=test_metric_filter)


def test_metric_filter(args: argparse.Namespace) -> int:
    from pipeline.cli.output import print_json
    from pipeline.metricfilters import compile_filter_pattern

    messages = list(args.log_event_messages)
    if not MIN_MESSAGES <= len(messages) <= MAX_MESSAGES:
        raise TestMetricFilterError(
            f"1 validation error detected: Value at 'logEventMessages' failed to satisfy "
            f"constraint: Member must have length less than or equal to {MAX_MESSAGES} and "
            f"greater than or equal to {MIN_MESSAGES} (got {len(messages)})")
    pattern = compile_filter_pattern(args.filter_pattern)
    matches = []
    for number, message in enumerate(messages, start=1):
        match = pattern.match(message)
        if match is not None:
            matches.append({"eventNumber": number, "eventMessage": message,
                            "extractedValues": match.extracted_values})
    print_json({"matches": matches})
    return 0


test_metric_filter.__test__ = False  # type: ignore[attr-defined]
