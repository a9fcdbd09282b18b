"""update-archive, delete-archive, list-replays, cancel-replay: the rest of an EventBridge
archive's and replay's life, on the archives topic of pipeline.cli.events.

* update-archive rewrites ``Archive/<name>`` (workers follow the topic, so a new pattern applies
  to the next events) and sets the archive topic's retention.ms for a new RetentionDays.
* delete-archive writes a tombstone (workers stop archiving at once) and deletes the archive's
  topic, so its events are gone as in AWS. A worker that still had the old definition may write
  one last event, which would recreate the topic if the broker auto-creates topics.
* cancel-replay marks a STARTING or RUNNING replay CANCELLING; the ``start-replay`` process
  running it checks before each one-minute bucket and records CANCELLED.
"""

from __future__ import annotations

import argparse

from pipeline.cli.events import EXIT_OK, _current_entries, _fail, _text, _write_entry, archive_topic, ensure_archives_topic


def _update_archive(args: argparse.Namespace) -> int:
    from pipeline.admin import set_topic_config
    from pipeline.cli.output import print_json
    from pipeline.eventbus.archive import ArchiveError, retention_ms
    from pipeline.eventbus.archive_lifecycle import validate_archive_update
    from pipeline.eventpatterns import EventPatternError

    body: dict = {"ArchiveName": args.archive_name}
    if args.event_pattern is not None:
        body["EventPattern"] = _text(args.event_pattern)
    if args.retention_days is not None:
        body["RetentionDays"] = args.retention_days
    if args.description is not None:
        body["Description"] = args.description
    ensure_archives_topic()
    key = f"Archive/{args.archive_name}"
    try:
        archive = validate_archive_update(body, _current_entries().get(key))
    except EventPatternError as error:
        return _fail("InvalidEventPatternException", "UpdateArchive", str(error))
    except ArchiveError as error:
        return _fail(error.aws_code, "UpdateArchive", str(error))
    if "RetentionDays" in body:
        set_topic_config(archive_topic(archive["ArchiveName"]), "retention.ms", str(retention_ms(archive["RetentionDays"])))
    _write_entry(key, archive)
    print_json({"ArchiveArn": archive["ArchiveArn"], "State": archive["State"],
                "CreationTime": archive["CreationTime"]})
    return EXIT_OK


def _delete_archive(args: argparse.Namespace) -> int:
    from pipeline.admin import delete_topic
    from pipeline.cli.output import print_json

    ensure_archives_topic()
    key = f"Archive/{args.archive_name}"
    if key not in _current_entries():
        return _fail("ResourceNotFoundException", "DeleteArchive", f"Archive {args.archive_name} does not exist.")
    _write_entry(key, None)
    delete_topic(archive_topic(args.archive_name))
    print_json({})
    return EXIT_OK


def _list_replays(args: argparse.Namespace) -> int:
    from pipeline.cli.output import print_json
    from pipeline.eventbus.archive import ArchiveError
    from pipeline.eventbus.archive_lifecycle import list_replays

    ensure_archives_topic()
    replays = [document for key, document in _current_entries().items() if key.startswith("Replay/")]
    try:
        chosen = list_replays(replays, name_prefix=args.name_prefix, state=args.state,
                              event_source_arn=args.event_source_arn)
    except ArchiveError as error:
        return _fail(error.aws_code, "ListReplays", str(error))
    print_json({"Replays": chosen})
    return EXIT_OK


def _cancel_replay(args: argparse.Namespace) -> int:
    from pipeline.cli.output import print_json
    from pipeline.eventbus.archive import ArchiveError
    from pipeline.eventbus.archive_lifecycle import cancel_replay

    ensure_archives_topic()
    key = f"Replay/{args.replay_name}"
    try:
        document = cancel_replay(_current_entries().get(key), args.replay_name)
    except ArchiveError as error:
        return _fail(error.aws_code, "CancelReplay", str(error))
    _write_entry(key, document)
    print_json({"ReplayArn": document["ReplayArn"], "State": document["State"],
                "StateReason": document["StateReason"]})
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("update-archive", help="change an archive's pattern, retention or description "
                                                          "(UpdateArchive)")
    parser.add_argument("--archive-name", required=True)
    parser.add_argument("--event-pattern", help='pattern JSON text or file://path; "" keeps every event again')
    parser.add_argument("--retention-days", type=int, help="0 keeps events forever")
    parser.add_argument("--description")
    parser.set_defaults(handler=_update_archive)

    parser = subparsers.add_parser("delete-archive", help="delete an archive and its events (DeleteArchive)")
    parser.add_argument("--archive-name", required=True)
    parser.set_defaults(handler=_delete_archive)

    parser = subparsers.add_parser("list-replays", help="replays, filtered by name prefix, state or archive "
                                                        "(ListReplays)")
    parser.add_argument("--name-prefix")
    parser.add_argument("--state", help="STARTING, RUNNING, CANCELLING, COMPLETED, CANCELLED or FAILED")
    parser.add_argument("--event-source-arn", help="archive ARN or name")
    parser.set_defaults(handler=_list_replays)

    parser = subparsers.add_parser("cancel-replay", help="stop a running replay (CancelReplay)")
    parser.add_argument("--replay-name", required=True)
    parser.set_defaults(handler=_cancel_replay)

