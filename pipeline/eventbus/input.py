"""What a target receives: Input, InputPath or InputTransformer, with AWS's quoting rules.

* none of the three → the whole event as JSON;
* ``Input`` → that constant JSON text, unchanged;
* ``InputPath`` → the JSON of the part of the event the path selects (``null`` if nothing);
* ``InputTransformer`` → ``InputPathsMap`` names values by JSONPath, ``InputTemplate`` uses them
  as ``<name>``. Quoting, as recorded against AWS (eventbridge.md §2.1):

  - outside a JSON string a value is inserted as JSON (a string gets quotes, an object stays an
    object); a path that matched nothing inserts ``null`` (our choice; AWS does not document it);
  - inside a JSON string a value is inserted raw, without escaping: strings as they are, numbers
    and booleans as their JSON text, a path that matched nothing as the empty string; objects and
    arrays inside a string make a JSON template invalid (AWS delivers nothing), while in a
    template that is itself one JSON string they are flattened without quotes
    (``{acc_id:0a78,sf_id:baz}``, ``[ACTIVE,INACTIVE]``);
  - predefined variables: ``<aws.events.rule-name>``, ``<aws.events.rule-arn>``,
    ``<aws.events.event.ingestion-time>`` (also accepted as ``<aws.events.ingestion-time>``),
    ``<aws.events.event>`` (the event without ``detail``; AWS spells ``detail-type`` as
    ``detailType`` there) and ``<aws.events.event.json>`` (the whole event); the last two only as
    JSON values, never inside a string.

A rendered JSON template (one that starts with ``{``, ``[`` or ``"``) must parse as JSON, else
:class:`InputRenderError` is raised and the caller drops the delivery (AWS does so silently; we
expect the caller to dead-letter it). Plain-text templates are delivered as they are.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pipeline import jsontext
from pipeline.errors import PipelineError

__all__ = [
    "InputError",
    "InputRenderError",
    "PREDEFINED",
    "parse_json_path",
    "select",
    "placeholders",
    "check_transformer",
    "render_template",
    "render_target_input",
]

PREDEFINED = frozenset({
    "aws.events.rule-name",
    "aws.events.rule-arn",
    "aws.events.event",
    "aws.events.event.json",
    "aws.events.event.ingestion-time",
    "aws.events.ingestion-time",
})
_JSON_ONLY = frozenset({"aws.events.event", "aws.events.event.json"})
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_\-.]+)>")
_NAME = re.compile(r"[A-Za-z0-9_\-]+")
_STEP = re.compile(r"""\.([^.\[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]""")


class InputError(PipelineError):
    """An Input, InputPath or InputTransformer AWS would refuse at PutTargets."""


class InputRenderError(PipelineError):
    """The transformed input is not valid JSON (AWS delivers nothing in that case)."""


def parse_json_path(path: str) -> tuple[str | int, ...]:
    """``$.detail.items[0]['a-b']`` → ``("detail", "items", 0, "a-b")``; the subset AWS accepts."""
    if not isinstance(path, str) or not path.startswith("$"):
        raise InputError(f"Invalid JSONPath: {path!r} must start with $")
    steps: list[str | int] = []
    position = 1
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            raise InputError(f"Invalid JSONPath: {path!r} at position {position}")
        name, index, single, double = match.groups()
        if index is not None:
            steps.append(int(index))
        else:
            steps.append(name if name is not None else (single if single is not None else double))
        position = match.end()
    return tuple(steps)


def select(document: Any, path: str | tuple) -> tuple[bool, Any]:
    """(found, value) of a JSONPath in ``document``."""
    steps = parse_json_path(path) if isinstance(path, str) else path
    value = document
    for step in steps:
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                return False, None
        elif not isinstance(value, dict) or step not in value:
            return False, None
        value = value[step]
    return True, value


def placeholders(template: str) -> list[tuple[str, bool, int, int]]:
    """(name, inside a JSON string?, start, end) for each ``<name>`` in the template."""
    found = []
    inside = False
    position = 0
    while position < len(template):
        char = template[position]
        if char == "\\" and inside:
            position += 2
            continue
        if char == '"':
            inside = not inside
        elif char == "<":
            match = _PLACEHOLDER.match(template, position)
            if match is not None:
                found.append((match.group(1), inside, match.start(), match.end()))
                position = match.end()
                continue
        position += 1
    return found


def check_transformer(transformer: Any, target_id: str = "") -> dict[str, Any]:
    """Validate an InputTransformer as PutTargets does; return it normalised."""
    if not isinstance(transformer, dict):
        raise InputError(f"InputTransformer for target {target_id} must be an object.")
    unknown = set(transformer) - {"InputPathsMap", "InputTemplate"}
    if unknown:
        raise InputError(f"InputTransformer for target {target_id} has unknown keys: {sorted(unknown)}")
    paths = transformer.get("InputPathsMap") or {}
    template = transformer.get("InputTemplate")
    if not isinstance(paths, dict):
        raise InputError(f"InputPathsMap for target {target_id} must be an object.")
    if len(paths) > 100:
        raise InputError(f"InputPathsMap for target {target_id} has more than 100 entries.")
    for key, path in paths.items():
        if not _NAME.fullmatch(key) or len(key) > 256:
            raise InputError(f"InputPathsMap for target {target_id} contains invalid key {key}.")
        if key in PREDEFINED:
            raise InputError(f"InputPathsMap for target {target_id} uses reserved key {key}.")
        if not isinstance(path, str) or len(path) > 256:
            raise InputError(f"InputPathsMap for target {target_id} contains invalid path for {key}.")
        parse_json_path(path)
    if not isinstance(template, str) or not 1 <= len(template) <= 8192:
        raise InputError(f"InputTemplate for target {target_id} must be 1 to 8192 characters.")
    for name, inside, _, _ in placeholders(template):
        if name not in paths and name not in PREDEFINED:
            raise InputError(f"InputTemplate for target {target_id} contains invalid placeholder {name}.")
        if inside and name in _JSON_ONLY:
            raise InputError(f"InputTemplate for target {target_id} uses <{name}> inside a string; "
                             "it may only be a JSON value.")
    return {"InputPathsMap": dict(paths), "InputTemplate": template}


def _flat(value: Any) -> str:
    """AWS's rendering of an object or array inside a string template: no quotes at all."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{key}:{_flat(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_flat(item) for item in value) + "]"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _event_without_detail(event: dict) -> dict:
    result = {}
    for key, value in event.items():
        if key == "detail":
            continue
        result["detailType" if key == "detail-type" else key] = value
    return result


def render_template(template: str, values: dict[str, tuple[bool, Any]]) -> str:
    """Substitute ``values`` (name → (found, value)) into ``template`` with AWS's quoting rules."""
    stripped = template.lstrip()
    json_template = stripped[:1] in ("{", "[")
    string_template = stripped[:1] == '"'
    pieces = []
    last = 0
    for name, inside, start, end in placeholders(template):
        pieces.append(template[last:start])
        last = end
        found, value = values.get(name, (False, None))
        if inside:
            if not found:
                text = ""
            elif isinstance(value, str):
                text = value
            elif isinstance(value, (dict, list)):
                if json_template:
                    raise InputRenderError(f"<{name}> holds an object or array inside a JSON string")
                text = _flat(value)
            else:
                text = json.dumps(value)
        else:
            text = json.dumps(value, ensure_ascii=False) if found else "null"
        pieces.append(text)
    pieces.append(template[last:])
    rendered = "".join(pieces)
    if json_template or string_template:
        try:
            json.loads(rendered)
        except ValueError as error:
            raise InputRenderError(f"transformed input is not valid JSON: {error}") from None
    return rendered


def render_target_input(
    target: dict[str, Any],
    event: dict[str, Any],
    *,
    rule_name: str = "",
    rule_arn: str = "",
    ingestion_time: str | None = None,
) -> str:
    """The body a target receives for ``event``.

    :param rule_name: value of ``<aws.events.rule-name>``.
    :param rule_arn: value of ``<aws.events.rule-arn>``.
    :param ingestion_time: ISO-8601 value of ``<aws.events.event.ingestion-time>``; defaults to
        the event's ``time`` (no clock is read here).
    """
    if target.get("Input") is not None:
        return target["Input"]
    if target.get("InputPath") is not None:
        found, value = select(event, target["InputPath"])
        return jsontext.dumps(value if found else None)
    transformer = target.get("InputTransformer")
    if transformer is None:
        return jsontext.dumps(event)  # compact, as EventBridge delivers it
    values: dict[str, tuple[bool, Any]] = {}
    for key, path in (transformer.get("InputPathsMap") or {}).items():
        values[key] = select(event, path)
    ingestion = ingestion_time if ingestion_time is not None else event.get("time", "")
    values.update({
        "aws.events.rule-name": (True, rule_name),
        "aws.events.rule-arn": (True, rule_arn),
        "aws.events.event.ingestion-time": (True, ingestion),
        "aws.events.ingestion-time": (True, ingestion),
        "aws.events.event": (True, _event_without_detail(event)),
        "aws.events.event.json": (True, event),
    })
    return render_template(transformer["InputTemplate"], values)
