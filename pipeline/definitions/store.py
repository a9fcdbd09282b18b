"""The current set of definitions as a worker sees it, with callbacks per kind.

Fed from the compacted definitions topic (key ``Kind/name``, value the definition, ``None`` to
delete). Each definition read from the topic is validated again by its engine, so a definition
that some other producer wrote badly is never loaded.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any, Callable

from pipeline.definitions.kinds import KINDS, Definition, validate

log = logging.getLogger(__name__)

Listener = Callable[[str, dict[str, Any] | None], None]  # (name, body or None when deleted)

_ACTION_OF_KIND = {kind: action for action, (kind, _) in KINDS.items()}


class DefinitionStore:
    def __init__(self) -> None:
        self._current: dict[str, Definition] = {}
        self._listeners: dict[str, list[Listener]] = defaultdict(list)
        self.version = 0  # bumps on every change, so callers can cache per version

    def __len__(self) -> int:
        return len(self._current)

    def subscribe(self, kind: str, listener: Listener) -> None:
        """Call ``listener`` for every current and future definition of ``kind``."""
        self._listeners[kind].append(listener)
        for definition in list(self._current.values()):
            if definition.kind == kind:
                listener(definition.name, definition.body)

    def of_kind(self, kind: str) -> dict[str, dict[str, Any]]:
        return {d.name: d.body for d in self._current.values() if d.kind == kind}

    def apply_record(self, key: str, body_json: str | None) -> None:
        """One record from the topic; raises the engine's error if the definition is invalid."""
        kind, _, name = key.partition("/")
        if body_json is None:
            if self._current.pop(key, None) is not None:
                self.version += 1
                self._notify(kind, name, None)
            return
        if kind not in _ACTION_OF_KIND:
            raise ValueError(f"unknown definition kind {kind!r} in key {key!r}")
        definition = validate(_ACTION_OF_KIND[kind], json.loads(body_json))
        if definition.name != name:
            raise ValueError(f"key {key!r} does not match the definition's name {definition.name!r}")
        self._current[key] = definition
        self.version += 1
        self._notify(kind, name, definition.body)

    def _notify(self, kind: str, name: str, body: dict[str, Any] | None) -> None:
        for listener in self._listeners.get(kind, ()):
            try:
                listener(name, body)
            except Exception:  # one engine's bug must not stop the others from updating
                log.exception("listener for %s/%s failed", kind, name)
