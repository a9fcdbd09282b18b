"""Offline AWS Config tools: ``diff-configuration-items`` and ``test-config-rule``.

Both run the engine in ``pipeline.configitems`` directly (imported inside the handlers) and need
no broker.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from pipeline.errors import PipelineError


class ConfigInputError(PipelineError):
    """An input file of an offline Config command that cannot be read as JSON."""


def register(subparsers: argparse._SubParsersAction) -> None:
    diff = subparsers.add_parser(
        "diff-configuration-items",
        help="print the configurationItemDiff between two configuration items (offline)",
        description="Print the configurationItemDiff AWS Config would put in the change notification. "
        "Without --previous the current item is a new resource (CREATE).",
    )
    diff.add_argument("--previous", metavar="PREV.json", help="the previous configuration item (either spelling)")
    diff.add_argument("--current", metavar="CUR.json", required=True, help="the current configuration item")
    diff.set_defaults(handler=_diff)

    test = subparsers.add_parser(
        "test-config-rule",
        help="evaluate a config rule against one configuration item (offline)",
        description="Evaluate a config rule (PutConfigRule shape, with or without the ConfigRule wrapper) "
        "against one configuration item and print {ComplianceType, Annotation}.",
    )
    test.add_argument("--config-rule", metavar="RULE.json", required=True)
    test.add_argument("--configuration-item", metavar="CI.json", required=True)
    test.add_argument("--resources", metavar="ITEMS.json",
                      help="other current items (a JSON list or JSON lines) for rules that look at them, "
                      "e.g. flow logs for VPC_FLOW_LOGS_ENABLED or trails for CLOUD_TRAIL_ENABLED")
    test.set_defaults(handler=_test_rule)


def _read(path: str, what: str) -> Any:
    """A file path (or file://path, or literal JSON starting with { or [)."""
    text: str
    stripped = path.strip()
    if stripped.startswith(("{", "[")):
        text = stripped
    else:
        if path.startswith("file://"):
            path = path[len("file://"):]
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as error:
            raise ConfigInputError(f"cannot read {what} {path}: {error.strerror}") from None
    try:
        return json.loads(text)
    except ValueError:
        pass
    # JSON lines (history dumps, config_items.jsonl)
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError as error:
        raise ConfigInputError(f"{what} {path} is not JSON: {error}") from None


def _diff(args: argparse.Namespace) -> int:
    from pipeline.cli.output import print_json
    from pipeline.configitems.diff import diff_configuration_items
    from pipeline.configitems.item import parse_configuration_item

    previous = None
    if args.previous:
        previous = parse_configuration_item(_read(args.previous, "previous item"))
    current = parse_configuration_item(_read(args.current, "current item"))
    if previous is not None and (previous["resourceType"], previous["resourceId"]) != (
        current["resourceType"], current["resourceId"]
    ):
        from pipeline.configitems.errors import ConfigItemError

        raise ConfigItemError(
            f"the items describe different resources: {previous['resourceType']}/{previous['resourceId']} "
            f"and {current['resourceType']}/{current['resourceId']}"
        )
    print_json(diff_configuration_items(previous, current))
    return 0


def _test_rule(args: argparse.Namespace) -> int:
    from pipeline.cli.output import print_json
    from pipeline.configitems.definitions import compile_config_rule
    from pipeline.configitems.item import parse_configuration_item
    from pipeline.configitems.rules.evaluate import evaluate_change, evaluate_periodic

    rule = compile_config_rule(_read(args.config_rule, "config rule"))
    item = parse_configuration_item(_read(args.configuration_item, "configuration item"))
    others: list[Any] = []
    if args.resources:
        loaded = _read(args.resources, "resources")
        others = loaded if isinstance(loaded, list) else [loaded]
    if rule.account_level:
        current = [parse_configuration_item(o) for o in others] + [item]
        ordering = item["configurationItemCaptureTime"] or "1970-01-01T00:00:00Z"
        evaluations = evaluate_periodic(rule, current, ordering_timestamp=ordering, region=item.get("awsRegion"),
                                        account_ids=[item["accountId"]] if item.get("accountId") else None)
        evaluation = evaluations[0] if evaluations else {"ComplianceType": "INSUFFICIENT_DATA", "Annotation": None}
    else:
        evaluation = evaluate_change(rule, item, current_items=others + [item])
    print_json({"ComplianceType": evaluation["ComplianceType"], "Annotation": evaluation.get("Annotation")})
    return 0
