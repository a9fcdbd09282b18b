"""UpdateArchive, ListReplays and CancelReplay as pure functions (DeleteArchive needs none).

* ``UpdateArchive`` changes an archive's Description, EventPattern and RetentionDays; a field
  not given keeps its value, an empty EventPattern text removes the pattern (every event is
  kept again). The name and source bus never change. Events already archived stay as they are.
* ``ListReplays`` filters by name prefix, state and source archive, sorted by name (AWS is
  silent on the order; names are unique).
* ``CancelReplay`` is allowed while a replay is STARTING or RUNNING (AWS's
  IllegalStatusException otherwise); the replay goes to CANCELLING, and the process running it
  stops at its next one-minute bucket and records CANCELLED.

Imports neither faust nor kafka; reads no clock.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from pipeline.eventbus.archive import (_ARCHIVE_NAME, REPLAY_STATES, ArchiveError, _request_name, archive_from_arn,
                                      description, retention_days)

__all__ = ["validate_archive_update", "list_replays", "replay_summary", "cancel_replay", "CANCELLABLE"]

CANCELLABLE = ("STARTING", "RUNNING")
_SUMMARY_FIELDS = ("ReplayName", "EventSourceArn", "State", "StateReason", "EventStartTime", "EventEndTime",
                   "EventLastReplayedTime", "ReplayStartTime", "ReplayEndTime")


def validate_archive_update(body: dict[str, Any], archive: dict[str, Any] | None) -> dict[str, Any]:
    """UpdateArchive body and the archive it names (None if unknown) -> the updated archive."""
    name = _request_name(body, "UpdateArchive", {"ArchiveName", "Description", "EventPattern", "RetentionDays",
                                                 "KmsKeyIdentifier"}, "ArchiveName", _ARCHIVE_NAME)
    if archive is None:
        raise ArchiveError(f"Archive {name} does not exist.", "ResourceNotFoundException")
    updated = dict(archive)
    pattern = body.get("EventPattern")
    if pattern is not None:
        text = pattern if isinstance(pattern, str) else json.dumps(pattern, separators=(",", ":"))
        if text.strip():
            from pipeline.eventpatterns import check_pattern

            check_pattern(text)  # EventPatternError -> InvalidEventPatternException
            updated["EventPattern"] = text
        else:
            updated.pop("EventPattern", None)
    if "RetentionDays" in body:
        updated["RetentionDays"] = retention_days(body["RetentionDays"])
    if body.get("Description") is not None:
        updated["Description"] = description(body["Description"])
    return updated


def replay_summary(replay: dict[str, Any]) -> dict[str, Any]:
    """A ListReplays item: the replay's document without Destination and Description."""
    return {key: replay[key] for key in _SUMMARY_FIELDS if replay.get(key) is not None}


def list_replays(replays: Iterable[dict[str, Any]], *, name_prefix: str | None = None, state: str | None = None,
                 event_source_arn: str | None = None) -> list[dict[str, Any]]:
    if state is not None and state not in REPLAY_STATES:
        raise ArchiveError(f"1 validation error detected: Value '{state}' at 'state' failed to satisfy constraint: "
                           f"Member must satisfy enum value set: [{', '.join(REPLAY_STATES)}]")
    archive = archive_from_arn(event_source_arn) if event_source_arn is not None else None
    chosen = [replay for replay in replays
              if (name_prefix is None or replay["ReplayName"].startswith(name_prefix))
              and (state is None or replay.get("State") == state)
              and (archive is None or archive_from_arn(replay["EventSourceArn"]) == archive)]
    return [replay_summary(replay) for replay in sorted(chosen, key=lambda r: r["ReplayName"])]


def cancel_replay(replay: dict[str, Any] | None, name: str) -> dict[str, Any]:
    """The replay's document once cancelled (State CANCELLING)."""
    if replay is None:
        raise ArchiveError(f"Replay {name} does not exist.", "ResourceNotFoundException")
    if replay.get("State") not in CANCELLABLE:
        raise ArchiveError(f"Replay {name} is not in a valid state for this operation (state {replay.get('State')}).",
                           "IllegalStatusException")
    return dict(replay, State="CANCELLING", StateReason="Replay cancellation requested.")
