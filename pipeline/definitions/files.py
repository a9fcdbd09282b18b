"""Reading definition files (YAML or JSON) into validated definitions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.definitions.kinds import Definition, DefinitionError, validate


def _load_document(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise DefinitionError(f"{path}: not valid JSON: {error}") from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise DefinitionError(f"{path}: not valid YAML: {error}") from None


def entries(document: Any, source: str) -> list[tuple[str, Any]]:
    """The (action, body) entries of a document: a list of one-key mappings, or one of them."""
    items = document if isinstance(document, list) else [document]
    result = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict) or len(item) != 1:
            raise DefinitionError(
                f"{source}: entry {index} must be a mapping with one key naming the action, "
                f"e.g. PutMetricFilter"
            )
        (action, body), = item.items()
        result.append((action, body))
    return result


def load_definitions(paths: list[str]) -> list[Definition]:
    """Every definition in the files, all validated; the first error stops with its location."""
    definitions: list[Definition] = []
    seen: dict[str, str] = {}
    for name in paths:
        path = Path(name)
        if not path.is_file():
            raise DefinitionError(f"{path}: no such file")
        for index, (action, body) in enumerate(entries(_load_document(path), str(path)), start=1):
            try:
                definition = validate(action, body)
            except DefinitionError:
                raise
            except Exception as error:  # engine errors carry their own type name
                raise DefinitionError(f"{path}: entry {index} ({action}): {type(error).__name__}: {error}") from None
            if definition.key in seen:
                raise DefinitionError(f"{path}: entry {index}: {definition.key} is defined twice "
                                      f"(also in {seen[definition.key]})")
            seen[definition.key] = str(path)
            definitions.append(definition)
    return definitions
