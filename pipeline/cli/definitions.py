"""`pipeline apply`, `pipeline delete`, `pipeline list-definitions`: the definitions topic."""

from __future__ import annotations

import time

from pipeline.cli.output import print_json


def register(subparsers) -> None:
    apply = subparsers.add_parser(
        "apply", help="validate definition files (PutMetricFilter, PutMetricAlarm, PutRule, ...) and publish them")
    apply.add_argument("files", nargs="+", metavar="FILE")
    apply.add_argument("--dry-run", action="store_true", help="validate only; publish nothing")
    apply.set_defaults(handler=apply_files)

    delete = subparsers.add_parser("delete", help="delete a definition (publishes a tombstone)")
    delete.add_argument("kind", help="MetricFilter, MetricAlarm, CompositeAlarm, Rule, Targets, ConfigRule, EventBus")
    delete.add_argument("name", help="as listed by list-definitions, e.g. app/errors for a metric filter")
    delete.set_defaults(handler=delete_definition)

    listing = subparsers.add_parser("list-definitions", help="print the current definitions on the topic")
    listing.add_argument("--kind")
    listing.set_defaults(handler=list_definitions)


def apply_files(args) -> int:
    from pipeline.definitions import load_definitions

    definitions = load_definitions(args.files)  # all or nothing: one bad entry publishes none
    if not args.dry_run:
        _check_buses(definitions)
        publish_definitions(definitions)
    verb = "valid" if args.dry_run else "applied"
    for d in definitions:
        print(f"{verb}: {d.key}")
    return 0


def publish_definitions(definitions) -> None:
    """Write validated definitions to the definitions topic, creating the topics they send to."""
    from pipeline import topics
    from pipeline.admin import ensure_topics
    from pipeline.codec import codec_for
    from pipeline.producer import Producer

    # the definitions topic must exist compacted before the first write; target and action
    # topics are created now rather than auto-created by a worker's first send
    ensure_topics(sorted({name for d in definitions for name in topics.referenced_topics(d.kind, d.body)}))
    codec = codec_for("definitions")
    now = int(time.time() * 1000)
    with Producer() as producer:
        for d in definitions:
            value = codec.encode({"kind": d.kind, "name": d.name, "body": d.body, "appliedAt": now})
            producer.send_raw(topics.topic_name("definitions"), value, d.key.encode())


def _check_buses(definitions) -> None:
    """PutRule/PutTargets on a bus that neither this apply nor the definitions topic creates (nor
    PIPELINE_EVENT_BUSES names) are refused as EventBridge refuses them."""
    from pipeline import topics
    from pipeline.cli.cloudwatch import current_definitions
    from pipeline.eventbus.buses import check_rule_buses

    pairs = [(d.kind, d.body) for d in definitions]
    if not any(kind in ("Rule", "Targets") and body.get("EventBusName", "default") != "default"
               for kind, body in pairs):
        return  # nothing to look up: the topic is not read
    known = {d.name for d in definitions if d.kind == "EventBus"}
    known |= {key.partition("/")[2] for key in current_definitions(["EventBus"])}
    known |= set(topics.custom_buses())
    check_rule_buses(pairs, known)


def delete_definition(args) -> int:
    from pipeline import topics
    from pipeline.definitions import KINDS, DefinitionError
    from pipeline.producer import Producer

    from pipeline.admin import ensure_topics

    kinds = {kind for kind, _ in KINDS.values()}
    if args.kind not in kinds:
        raise DefinitionError(f"unknown kind {args.kind!r}; expected one of {', '.join(sorted(kinds))}")
    ensure_topics()
    with Producer() as producer:
        producer.send_raw(topics.topic_name("definitions"), None, f"{args.kind}/{args.name}".encode())
    print(f"deleted: {args.kind}/{args.name}")
    return 0


def list_definitions(args) -> int:
    from pipeline import topics
    from pipeline.cli.reading import latest_by_key, read_topic
    from pipeline.codec import codec_for

    records = latest_by_key(read_topic(topics.topic_name("definitions")))
    current = {key: codec_for("definitions").decode(record.value) for key, record in records.items()}
    shown = [{"Kind": v["kind"], "Name": v["name"], "Definition": v["body"]}
             for k, v in sorted(current.items()) if args.kind in (None, v["kind"])]
    print_json({"Definitions": shown})
    return 0
