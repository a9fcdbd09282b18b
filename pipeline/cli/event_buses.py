"""`create-event-bus`, `describe-event-bus`, `list-event-buses`, `delete-event-bus`: the event
bus registry on the definitions topic (pipeline.eventbus.buses says what is checked and why)."""

from __future__ import annotations

import argparse
import json


def register(subparsers) -> None:
    create = subparsers.add_parser("create-event-bus", help="create a custom event bus (CreateEventBus)")
    create.add_argument("--name", required=True)
    create.add_argument("--description")
    create.add_argument("--tags", metavar="JSON", help='e.g. [{"Key": "team", "Value": "shop"}]')
    create.set_defaults(handler=create_event_bus)

    describe = subparsers.add_parser("describe-event-bus", help="an event bus (DescribeEventBus)")
    describe.add_argument("--name", default="default")
    describe.set_defaults(handler=describe_event_bus)

    listing = subparsers.add_parser("list-event-buses", help="the event buses (ListEventBuses)")
    listing.add_argument("--name-prefix")
    listing.add_argument("--limit", type=int)
    listing.set_defaults(handler=list_event_buses)

    delete = subparsers.add_parser("delete-event-bus", help="delete a custom event bus (DeleteEventBus)")
    delete.add_argument("--name", required=True)
    delete.set_defaults(handler=delete_event_bus)


def _buses(definitions: dict | None = None) -> dict[str, tuple[dict, int]]:
    """name -> (body, appliedAt ms) of the custom buses: in ``definitions`` (as current_definitions
    returns them), else on the definitions topic."""
    from pipeline.cli.cloudwatch import current_definitions

    if definitions is None:
        definitions = current_definitions(["EventBus"])
    return {record["name"]: (record["body"], record["appliedAt"])
            for record in definitions.values() if record["kind"] == "EventBus"}


def _where() -> dict[str, str]:
    from pipeline.worker.settings import account_id, region

    return {"account": account_id(), "region": region()}


def create_event_bus(args: argparse.Namespace) -> int:
    from pipeline.cli.definitions import publish_definitions
    from pipeline.definitions import validate
    from pipeline.eventbus.buses import ResourceAlreadyExistsException, bus_arn

    body = {"Name": args.name}
    if args.description is not None:
        body["Description"] = args.description
    if args.tags:
        body["Tags"] = json.loads(args.tags)
    definition = validate("CreateEventBus", body)
    if definition.name in _buses():
        raise ResourceAlreadyExistsException(f"Event bus {definition.name} already exists.")
    publish_definitions([definition])
    from pipeline.cli.output import print_json

    print_json({"EventBusArn": bus_arn(definition.name, **_where()),
                **({"Description": args.description} if args.description is not None else {})})
    return 0


def describe_event_bus(args: argparse.Namespace) -> int:
    from pipeline.cli.output import print_json
    from pipeline.eventbus.buses import DEFAULT_BUS, ResourceNotFoundException, describe_bus

    name = args.name.rsplit("event-bus/", 1)[-1] if args.name.startswith("arn:") else args.name
    if name == DEFAULT_BUS:
        print_json(describe_bus(name, None, None, **_where()))
        return 0
    found = _buses().get(name)
    if found is None:
        raise ResourceNotFoundException(f"Event bus {name} does not exist.")
    print_json(describe_bus(name, *found, **_where()))
    return 0


def list_event_buses(args: argparse.Namespace) -> int:
    from pipeline.cli.output import print_json
    from pipeline.eventbus.buses import list_buses

    print_json(list_buses(_buses(), name_prefix=args.name_prefix, limit=args.limit, **_where()))
    return 0


def delete_event_bus(args: argparse.Namespace) -> int:
    """DeleteEventBus: the default bus cannot be deleted; a bus that does not exist is no error
    (the API lists none for it). Our choice where AWS says nothing: a bus that rules still use is
    refused, so no rule is left on a bus that is gone. The bus's topic and its events stay."""
    from pipeline.cli.cloudwatch import current_definitions
    from pipeline.eventbus.buses import DEFAULT_BUS, EventBusError

    if args.name == DEFAULT_BUS:
        raise EventBusError("Cannot delete event bus default.")
    definitions = current_definitions(["EventBus", "Rule"])  # one read of the topic
    if args.name not in _buses(definitions):
        return 0
    rules = sorted(record["name"].partition("/")[2] for record in definitions.values()
                   if record["kind"] == "Rule" and record["body"].get("EventBusName") == args.name)
    if rules:
        raise EventBusError(f"Event bus {args.name} still has rules ({', '.join(rules)}); delete them first "
                            "(pipeline delete Rule <bus>/<rule>).")
    from pipeline import topics
    from pipeline.producer import Producer

    with Producer() as producer:
        producer.send_raw(topics.topic_name("definitions"), None, f"EventBus/{args.name}".encode())
    return 0

