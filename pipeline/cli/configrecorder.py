"""AWS Config queries over the topics the worker writes (kafka-python, read from the beginning):

    pipeline get-resource-config-history --resource-type T --resource-id I [...]
    pipeline deliver-config-snapshot [--output FILE | --topic NAME]
    pipeline describe-compliance-by-config-rule [--config-rule-names N ...] [--compliance-types ...]
    pipeline get-compliance-details-by-config-rule --config-rule-name N [--compliance-types ...]

History and snapshots come from ``config-history`` (every recorded change); compliance is rebuilt
from ``compliance`` (every evaluation) with the engine's ``apply_evaluation``, the way the worker
keeps its table. The offline commands are in ``configservice.py``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, Callable, Iterator

from pipeline.errors import PipelineError


class NoSuchConfigRuleException(PipelineError):
    """A rule named on the command line is not among the ConfigRule definitions."""


class SnapshotDeliveryError(PipelineError):
    """The snapshot could not be written where it was asked to go."""


def register(subparsers: argparse._SubParsersAction) -> None:
    history = subparsers.add_parser(
        "get-resource-config-history",
        help="the recorded configuration items of one resource (reads config-history)")
    history.add_argument("--resource-type", required=True)
    history.add_argument("--resource-id", required=True)
    history.add_argument("--later-time", help="ISO 8601 or epoch seconds; items captured at or before it")
    history.add_argument("--earlier-time", help="ISO 8601 or epoch seconds; items captured at or after it")
    history.add_argument("--chronological-order", choices=("Reverse", "Forward"), default="Reverse")
    history.add_argument("--limit", type=int, default=0, help="page size, 0 = 10, at most 100")
    history.add_argument("--next-token")
    history.set_defaults(handler=get_resource_config_history)

    snapshot = subparsers.add_parser(
        "deliver-config-snapshot",
        help="a snapshot of the current configuration items (the last recorded item per resource)")
    where = snapshot.add_mutually_exclusive_group()
    where.add_argument("--output", metavar="FILE", help="write the snapshot document to FILE")
    where.add_argument("--topic", metavar="NAME", help="publish it (JSON) to topic NAME (prefixed like targets)")
    snapshot.add_argument("--delivery-channel-name", default="default", help="accepted for AWS compatibility")
    snapshot.set_defaults(handler=deliver_config_snapshot)

    describe = subparsers.add_parser(
        "describe-compliance-by-config-rule",
        help="compliance per config rule (reads the compliance topic)")
    describe.add_argument("--config-rule-names", nargs="+", metavar="NAME",
                          help="default: every ConfigRule definition")
    describe.add_argument("--compliance-types", nargs="+", choices=("COMPLIANT", "NON_COMPLIANT", "INSUFFICIENT_DATA"))
    describe.set_defaults(handler=describe_compliance_by_config_rule)

    details = subparsers.add_parser(
        "get-compliance-details-by-config-rule",
        help="the evaluation result of every resource of one config rule (reads the compliance topic)")
    details.add_argument("--config-rule-name", required=True)
    details.add_argument("--compliance-types", nargs="+", choices=("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"))
    details.add_argument("--limit", type=int, default=0, help="page size, 0 = 100, at most 100")
    details.add_argument("--next-token")
    details.set_defaults(handler=get_compliance_details_by_config_rule)
    register_retention(subparsers)


# ---------------------------------------------------------------- reading topics


def read_topic(role: str, key_filter: Callable[[bytes | None], bool] | None = None) -> Iterator[tuple[Any, Any]]:
    """(key, decoded value) of every record now on a catalog topic, partition by partition in
    offset order; a missing topic reads as empty."""
    from pipeline import topics
    from pipeline.cli.reading import read_topic
    from pipeline.codec import codec_for

    codec = codec_for(role)
    for record in read_topic(topics.topic_name(role)):
        if key_filter is not None and not key_filter(record.key):
            continue
        if record.value is None:
            continue
        yield record.key, codec.decode(record.value)


def _time_argument(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return text


# ---------------------------------------------------------------- history and snapshots


def get_resource_config_history(args) -> int:
    from pipeline.cli.output import print_json
    from pipeline.configitems import get_resource_config_history as history

    wanted = f"{args.resource_type}/{args.resource_id}".encode()
    items = [value for _, value in read_topic("config-history", lambda key: key == wanted)]
    # the current item stays on config-current when config-history's retention deleted it
    # (the last record of its key: compaction has not necessarily dropped the earlier ones yet)
    kept = [value for _, value in read_topic("config-current", lambda key: key == wanted)][-1:]
    seen = {_identity(item) for item in items}
    items += [value for value in kept if _identity(value) not in seen]
    print_json(history(items, args.resource_type, args.resource_id, later_time=_time_argument(args.later_time),
                       earlier_time=_time_argument(args.earlier_time),
                       chronological_order=args.chronological_order, limit=args.limit, next_token=args.next_token))
    return 0


def _identity(item: dict[str, Any]) -> tuple:
    return (item.get("configurationItemCaptureTime"), item.get("configurationStateId"),
            item.get("configurationItemStatus"))


def current_items() -> list[dict[str, Any]]:
    """The last recorded item per resource (deleted ones included; the snapshot leaves them out):
    the newest of config-history and config-current (which keeps it past the history's retention)."""
    import itertools

    from pipeline.configitems import parse_configuration_item, resource_key
    from pipeline.configitems.item import ordering_key

    current: dict[str, dict[str, Any]] = {}
    for _, value in itertools.chain(read_topic("config-history"), read_topic("config-current")):
        item = parse_configuration_item(value)
        key = resource_key(item)
        if key not in current or ordering_key(current[key]) <= ordering_key(item):
            current[key] = item
    return list(current.values())


def deliver_config_snapshot(args) -> int:
    from pipeline.cli.output import print_json
    from pipeline.configitems import config_snapshot

    document = config_snapshot(current_items())
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=2, ensure_ascii=False, default=str)
                handle.write("\n")
        except OSError as error:
            raise SnapshotDeliveryError(f"cannot write {args.output}: {error.strerror}") from None
    elif args.topic:
        from pipeline import topics
        from pipeline.admin import ensure_topics
        from pipeline.producer import Producer

        name = topics.target_topic(args.topic)
        ensure_topics([name])  # brokers may not create topics on first write
        with Producer(encoding="json") as producer:
            producer.send(name, document, key=document["configSnapshotId"])
    else:
        print_json(document)
        return 0
    print_json({"configSnapshotId": document["configSnapshotId"]})
    return 0


# ---------------------------------------------------------------- compliance


def compliance_results() -> dict[str, dict[str, Any]]:
    """The stored result per ``result_key``, rebuilt from every evaluation on the topic."""
    from pipeline.configitems import apply_evaluation, result_key

    results: dict[str, dict[str, Any]] = {}
    for _, record in read_topic("compliance"):
        if record.get("type") == "EvaluationDeleted":  # the rule was deleted
            results.pop(result_key(record["document"]), None)
            continue
        if record.get("type") != "Evaluation":
            continue
        evaluation = record["document"]
        if evaluation.get("Ignored"):
            continue
        key = result_key(evaluation)
        update = apply_evaluation(results.get(key), evaluation,
                                  recorded_time=evaluation.get("ResultRecordedTime") or record["time"])
        if update.result is not None:
            results[key] = update.result
    return results


def config_rule_names() -> list[str]:
    """The names of the ConfigRule definitions now on the definitions topic."""
    return sorted(name.split("/", 1)[1] for name in _live_definition_keys("ConfigRule/"))


def _live_definition_keys(prefix: str) -> list[str]:
    from pipeline import topics
    from pipeline.cli.reading import latest_by_key, read_topic

    current = latest_by_key(read_topic(topics.topic_name("definitions")))
    return sorted(key for key in current if key.startswith(prefix))


def describe_compliance_by_config_rule(args) -> int:
    from pipeline.cli.output import print_json
    from pipeline.configitems import describe_compliance_by_config_rule as describe

    defined = config_rule_names()
    names = args.config_rule_names or defined
    unknown = sorted(set(names) - set(defined))
    if unknown:
        raise NoSuchConfigRuleException(f"The ConfigRule '{unknown[0]}' provided in the request is invalid. "
                                        "Please check the configRule name.")
    print_json(describe(compliance_results().values(), names, args.compliance_types))
    return 0


def get_compliance_details_by_config_rule(args) -> int:
    from pipeline.cli.output import print_json
    from pipeline.configitems import get_compliance_details_by_config_rule as details

    if args.config_rule_name not in config_rule_names():
        raise NoSuchConfigRuleException(f"The ConfigRule '{args.config_rule_name}' provided in the request is "
                                        "invalid. Please check the configRule name.")
    print_json(details(compliance_results().values(), args.config_rule_name, args.compliance_types,
                       args.limit, args.next_token))
    return 0


# ---------------------------------------------------------------- retention


def register_retention(subparsers: argparse._SubParsersAction) -> None:
    put = subparsers.add_parser("put-retention-configuration",
                                help="how long configuration history is kept (the config-history topic's retention)")
    put.add_argument("--retention-period-in-days", type=int, required=True, metavar="DAYS", help="30 to 2557")
    put.set_defaults(handler=put_retention_configuration)
    describe = subparsers.add_parser("describe-retention-configurations",
                                     help="the retention of configuration history")
    describe.add_argument("--retention-configuration-names", nargs="+", metavar="NAME")
    describe.set_defaults(handler=describe_retention_configurations)
    delete = subparsers.add_parser("delete-retention-configuration",
                                   help="back to the default retention (2557 days)")
    delete.add_argument("--retention-configuration-name", required=True, metavar="NAME")
    delete.set_defaults(handler=delete_retention_configuration)


def _history_topic() -> str:
    from pipeline import topics
    from pipeline.admin import ensure_topics

    ensure_topics()  # the catalog topics, config-history with its default retention
    return topics.topic_name("config-history")


def put_retention_configuration(args) -> int:
    from pipeline.admin import set_topic_config
    from pipeline.cli.output import print_json
    from pipeline.configitems.retention import NAME, retention_ms

    ms = retention_ms(args.retention_period_in_days)
    set_topic_config(_history_topic(), "retention.ms", str(ms))
    print_json({"RetentionConfiguration": {"Name": NAME, "RetentionPeriodInDays": args.retention_period_in_days}})
    return 0


def describe_retention_configurations(args) -> int:
    from pipeline.admin import topic_config
    from pipeline.cli.output import print_json
    from pipeline.configitems.retention import NAME, NoSuchRetentionConfigurationException, retention_days

    unknown = [n for n in args.retention_configuration_names or () if n != NAME]
    if unknown:
        raise NoSuchRetentionConfigurationException(f"Cannot find retention configuration with the specified name "
                                                    f"'{unknown[0]}'.")
    days = retention_days(topic_config(_history_topic(), "retention.ms"))
    print_json({"RetentionConfigurations": [] if days is None else [{"Name": NAME, "RetentionPeriodInDays": days}]})
    return 0


def delete_retention_configuration(args) -> int:
    from pipeline.admin import set_topic_config
    from pipeline.configitems.retention import MAX_DAYS, NAME, NoSuchRetentionConfigurationException, retention_ms

    if args.retention_configuration_name != NAME:
        raise NoSuchRetentionConfigurationException(f"Cannot find retention configuration with the specified name "
                                                    f"'{args.retention_configuration_name}'.")
    set_topic_config(_history_topic(), "retention.ms", str(retention_ms(MAX_DAYS)))
    return 0
