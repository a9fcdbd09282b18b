"""Pattern text -> :class:`FilterPattern` (parse once, match many).

The form is chosen by the first non-blank character: ``{`` JSON, ``[`` space-delimited,
``%`` regex, anything else (or nothing) unstructured terms.
"""

from __future__ import annotations

import functools
from typing import Any, Mapping

from .delimited import DelimitedPattern, parse_delimited_pattern
from .errors import FilterPatternError
from .json_selector import (MISSING, Selector, decode_json_object, parse_json_pattern, required_literals,
                            parse_selector)
from .lexer import NUMBER_RE, Scanner
from .regex import compile_regex
from .terms import parse_terms_pattern

__all__ = ["FilterPattern", "Match", "LogMessage", "compile_filter_pattern",
           "MAX_PATTERN_CHARS"]

MAX_PATTERN_CHARS = 1024  # FilterPattern max length (botocore service model)

TERMS, REGEX, JSON, DELIMITED = "terms", "regex", "json", "delimited"


class LogMessage:
    """A message with its JSON decoding and field split done at most once.

    :class:`MetricFilterSet` builds one per log event and hands it to every filter.
    """

    __slots__ = ("text", "_json", "_fields")

    def __init__(self, text: str, document: Any = None):
        """:param document: the message's decoded JSON object when the caller already has it
            (it must equal what decoding ``text`` gives); None: decoded on first use."""
        self.text = text
        self._json: Any = document
        self._fields: list[str] | None = None

    @property
    def json(self) -> Any:
        """The decoded JSON object, or MISSING when the message is not a JSON object."""
        if self._json is None:
            self._json = decode_json_object(self.text)
        return self._json

    def fields(self, pattern: DelimitedPattern) -> list[str]:
        if self._fields is not None:
            return self._fields
        if pattern.has_ellipsis:
            self._fields = pattern.split(self.text)  # the full split; reusable by any pattern
            return self._fields
        return pattern.split(self.text)


class Match:
    """One matching message: what TestMetricFilter reports, and field access for metrics.

    ``extracted_values`` follows AWS: filled for space-delimited patterns only — ``$name`` for
    named fields and ``$N`` (1-based position) for every other field; ``{}`` otherwise.
    :meth:`value` resolves ``$.selector`` (JSON), ``$name`` and ``$N`` (space-delimited).
    """

    __slots__ = ("message", "document", "fields", "names")

    def __init__(self, message: str, document: Any = MISSING, fields: list[str] | None = None,
                 names: Mapping[str, int] | None = None):
        self.message = message
        self.document = document
        self.fields = fields
        self.names = names or {}

    def __repr__(self) -> str:
        return f"Match({self.message[:60]!r})"

    @property
    def extracted_values(self) -> dict[str, str]:
        if self.fields is None:
            return {}
        named_at = {index: name for name, index in self.names.items()}
        out: dict[str, str] = {}
        for index, field in enumerate(self.fields):
            name = named_at.get(index)
            out[f"${name}" if name else f"${index + 1}"] = field
        return out

    def value(self, reference: str) -> Any:
        """The value a ``$...`` reference points at, or MISSING."""
        if reference.startswith("$."):
            if self.document is MISSING:
                return MISSING
            return _reference_selector(reference).resolve_one(self.document)
        if self.fields is None or not reference.startswith("$"):
            return MISSING
        key = reference[1:]
        if key.isdigit():
            index = int(key) - 1
            return self.fields[index] if 0 <= index < len(self.fields) else MISSING
        index = self.names.get(key)
        return MISSING if index is None else self.fields[index]


@functools.lru_cache(maxsize=4096)  # references come from definitions: few and reused
def _reference_selector(reference: str) -> Selector:
    scanner = Scanner(reference)
    selector = parse_selector(scanner, allow_wildcard=False)
    if not scanner.at_end():
        scanner.fail("unexpected text after selector")
    return selector


def parse_reference(reference: str) -> tuple[str, Any]:
    """Check a metricValue / dimension reference; returns (kind, detail).

    kinds: ``"number"`` (detail: float), ``"json"`` (Selector), ``"name"`` (str),
    ``"position"`` (int). Raises FilterPatternError on anything else.
    """
    text = reference.strip()
    if NUMBER_RE.fullmatch(text):
        return "number", float(text)
    if text.startswith("$."):
        return "json", _reference_selector(text)
    if text.startswith("$") and len(text) > 1:
        key = text[1:]
        if key.isdigit() and int(key) >= 1:
            return "position", int(key)
        if key.replace("_", "a").isalnum() and not key.isdigit():
            return "name", key
    raise FilterPatternError(f"invalid reference {reference!r}; expected a number, $.selector, "
                             "$fieldName or $N")


class FilterPattern:
    """A compiled filter pattern. :meth:`match` is pure and never raises on any message."""

    __slots__ = ("text", "form", "regex_count", "_matcher", "_match")

    def __init__(self, text: str, form: str, matcher: Any, regex_count: int):
        self.text = text
        self.form = form  # "terms", "regex", "json" or "delimited"
        self.regex_count = regex_count
        self._matcher = matcher
        self._match = {TERMS: self._match_text, REGEX: self._match_regex,
                       JSON: self._match_json, DELIMITED: self._match_delimited}[form]

    def __repr__(self) -> str:
        return f"FilterPattern({self.text!r})"

    @property
    def supports_dimensions(self) -> bool:
        return self.form in (JSON, DELIMITED)

    @property
    def field_names(self) -> tuple[str, ...]:
        """Named fields of a space-delimited pattern (what ``$name`` may refer to)."""
        return self._matcher.names if self.form == DELIMITED else ()

    @property
    def required_literals(self):
        """For a JSON pattern, (selector, texts) one of which its document must hold there, or
        None (json_selector.required_literals)."""
        return required_literals(self._matcher) if self.form == JSON else None

    @property
    def matches_everything(self) -> bool:
        return self.form == TERMS and self._matcher.matches_everything

    def match(self, message: "str | LogMessage") -> Match | None:
        view = message if isinstance(message, LogMessage) else LogMessage(message)
        return self._match(view)

    def matches(self, message: "str | LogMessage") -> bool:
        """Whether ``message`` matches (no Match object is built for terms and regex)."""
        form = self.form
        if form == TERMS:
            return self._matcher(message if isinstance(message, str) else message.text)
        if form == REGEX:
            return self._matcher.search(message if isinstance(message, str) else message.text)
        return self.match(message) is not None

    def _match_text(self, view: LogMessage) -> Match | None:
        return Match(view.text) if self._matcher(view.text) else None

    def _match_regex(self, view: LogMessage) -> Match | None:
        return Match(view.text) if self._matcher.search(view.text) else None

    def _match_json(self, view: LogMessage) -> Match | None:
        doc = view.json
        if doc is MISSING or not self._matcher(doc):
            return None
        return Match(view.text, document=doc)

    def _match_delimited(self, view: LogMessage) -> Match | None:
        fields = view.fields(self._matcher)
        names = self._matcher.match(fields)
        if names is None:
            return None
        return Match(view.text, fields=fields, names=names)


def compile_filter_pattern(text: str) -> FilterPattern:
    """Parse ``text`` once into a matcher; raises :class:`FilterPatternError` when CloudWatch
    Logs would refuse the pattern.

    :param text: the filterPattern string (0 to 1024 characters; empty matches everything).
    """
    if not isinstance(text, str):
        raise FilterPatternError(f"the filter pattern must be a string, got {type(text).__name__}")
    if len(text) > MAX_PATTERN_CHARS:
        raise FilterPatternError(
            f"1 validation error detected: Value at 'filterPattern' failed to satisfy "
            f"constraint: Member must have length less than or equal to {MAX_PATTERN_CHARS} "
            f"(got {len(text)})")
    scanner = Scanner(text)
    scanner.skip_ws()
    first = scanner.peek()
    if first == "{":
        matcher: Any = parse_json_pattern(scanner)
        form = JSON
    elif first == "[":
        matcher = parse_delimited_pattern(scanner)
        form = DELIMITED
    elif first == "%":
        scanner.regex_count = 1
        source, offset = scanner.read_regex_source()
        matcher = compile_regex(scanner, source, offset)
        scanner.skip_ws()
        if not scanner.at_end():
            scanner.fail("unexpected text after the regular expression; a regex pattern is one "
                         "%...% expression")
        form = REGEX
    else:
        if first in ("}", "]"):
            scanner.fail(f"unbalanced {first!r}")
        matcher = parse_terms_pattern(scanner)
        form = TERMS
    return FilterPattern(text, form, matcher, scanner.regex_count)
