"""Pattern JSON → branches of slots (plain data; no automaton here).

A compiled pattern is an OR of *branches* (``$or`` expanded, like event-ruler's
``JsonRuleCompiler``); a branch is an AND of *slots*; a slot is one field path with the OR of
its match values. Example::

    {"source": ["a"], "$or": [{"x": [1]}, {"y": [{"prefix": "p"}]}]}
    → branch 1: source ∈ {Exact("a")} AND x ∈ {Exact(1)}
      branch 2: source ∈ {Exact("a")} AND y ∈ {Prefix("p")}

Paths are keys joined with ``.``, so ``{"a": {"b.c": [..]}}`` and ``{"a.b": {"c": [..]}}`` are
the same field ``a.b.c`` (AWS's dot joining). ``exists: false`` among a slot's values sets
``absent_ok``: the slot also holds when the event has no leaf value at the path.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any

from pipeline.eventpatterns.complexity import MAX_COMPLEXITY, TOO_COMPLEX, wildcard_complexity
from pipeline.eventpatterns.errors import barf
from pipeline.eventpatterns.operators import (
    AnythingBut,
    Cidr,
    EqualsIgnoreCase,
    Exact,
    Exists,
    Numeric,
    Prefix,
    Suffix,
    Wildcard,
    is_number,
    make_wildcard,
)

__all__ = ["Slot", "CompiledPattern", "compile_pattern", "parse_pattern_text", "MAX_OR_COMBINATIONS"]

MAX_OR_COMBINATIONS = 1000  # documented AWS limit on the product of $or alternatives
OPERATORS = frozenset(
    {"prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "cidr", "wildcard"}
)
_NUMERIC_OPS = frozenset({"=", "<", "<=", ">", ">="})
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Slot:
    path: str
    matchers: tuple[Any, ...]  # positive alternatives (incl. AnythingBut and Exists(True))
    absent_ok: bool = False  # an `exists: false` alternative


@dataclass(frozen=True)
class CompiledPattern:
    source: Any  # the pattern as parsed JSON
    branches: tuple[tuple[Slot, ...], ...]

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(slot.path for branch in self.branches for slot in branch)


# ---------------------------------------------------------------------------------------------
# JSON text


def _reject_constant(name: str) -> Any:
    barf(f"Unrecognized token '{name}': was expecting (JSON String, Number, Array, Object or "
         "token 'null', 'true' or 'false')")


def parse_pattern_text(text: str) -> Any:
    """``json.loads`` with Jackson-like reasons (AWS parses patterns with Jackson)."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        position = error.pos
        rest = text[position:]
        if error.msg.startswith("Expecting property name enclosed in double quotes") and rest:
            char = rest[0]
            barf(f"Unexpected character ('{char}' (code {ord(char)})): was expecting double-quote "
                 "to start field name")
        word = re.match(r"[A-Za-z0-9_$]+", rest)
        if error.msg.startswith("Expecting value") and word:
            barf(f"Unrecognized token '{word.group(0)}': was expecting (JSON String, Number, "
                 "Array, Object or token 'null', 'true' or 'false')")
        if not rest.strip():
            barf("Unexpected end-of-input")
        char = rest[0]
        barf(f"Unexpected character ('{char}' (code {ord(char)})): {error.msg.lower()}")


# ---------------------------------------------------------------------------------------------
# structure


def compile_pattern(pattern: str | dict) -> CompiledPattern:
    """Validate and compile one pattern; raises :class:`EventPatternError` with AWS's reason."""
    source = parse_pattern_text(pattern) if isinstance(pattern, str) else pattern
    if not isinstance(source, dict):
        barf("Filter is not an object")
    branches = _compile_object(source, "")
    _check_wildcards(branches)
    return CompiledPattern(source=source, branches=tuple(tuple(b) for b in branches))


def _is_or(value: Any) -> bool:
    # event-ruler: "$or" is a field name unless it holds ≥2 objects that are not match expressions
    return (
        isinstance(value, list)
        and len(value) >= 2
        and all(isinstance(item, dict) and item and not (set(item) & OPERATORS) for item in value)
    )


def _product(left: list[list[Slot]], right: list[list[Slot]]) -> list[list[Slot]]:
    if len(left) * len(right) > MAX_OR_COMBINATIONS:
        barf(f"The pattern has more than {MAX_OR_COMBINATIONS} combinations of $or alternatives")
    return [a + b for a in left for b in right]


def _compile_object(obj: dict, prefix: str) -> list[list[Slot]]:
    if not obj:
        barf("Empty objects are not allowed")
    branches: list[list[Slot]] = [[]]
    for key, value in obj.items():
        path = f"{prefix}.{key}" if prefix else key
        if key == "$or" and _is_or(value):
            alternatives: list[list[Slot]] = []
            for item in value:
                alternatives.extend(_compile_object(item, prefix))
                if len(alternatives) > MAX_OR_COMBINATIONS:
                    barf(f"The pattern has more than {MAX_OR_COMBINATIONS} combinations of $or "
                         "alternatives")
            branches = _product(branches, alternatives)
        elif isinstance(value, dict):
            branches = _product(branches, _compile_object(value, path))
        elif isinstance(value, list):
            slot = _compile_leaf(value, path)
            for branch in branches:
                branch.append(slot)
        else:
            barf(f'"{key}" must be an object or an array')
    return branches


def _compile_leaf(values: list, path: str) -> Slot:
    if not values:
        barf("Empty arrays are not allowed")
    matchers: list[Any] = []
    absent_ok = False
    for value in values:
        if isinstance(value, dict):
            matcher = _compile_operator(value)
            if matcher == Exists(False):
                absent_ok = True
                continue
        elif isinstance(value, list):
            barf("Match value must be String, number, true, false, or null")
        else:
            matcher = Exact(value)
        if matcher not in matchers:
            matchers.append(matcher)
    return Slot(path=path, matchers=tuple(matchers), absent_ok=absent_ok)


def _compile_operator(expression: dict) -> Any:
    if not expression:
        barf("Empty objects are not allowed")
    if len(expression) > 1:
        barf("Only one key allowed in match expression")
    (name, value), = expression.items()
    if name == "prefix":
        return Prefix(*_affix(value, "prefix"))
    if name == "suffix":
        return Suffix(*_affix(value, "suffix"))
    if name == "equals-ignore-case":
        if not isinstance(value, str):
            barf("equals-ignore-case match pattern must be a string")
        return EqualsIgnoreCase(value)
    if name == "wildcard":
        return _wildcard(value)
    if name == "numeric":
        return _numeric(value)
    if name == "exists":
        if value is not True and value is not False:
            barf("exists match pattern must be either true or false.")
        return Exists(value)
    if name == "cidr":
        return _cidr(value)
    if name == "anything-but":
        return _anything_but(value)
    barf(f"Unrecognized match type {name}")


def _affix(value: Any, kind: str) -> tuple[str, bool]:
    if isinstance(value, str):
        return value, False
    if (isinstance(value, dict) and len(value) == 1 and "equals-ignore-case" in value
            and isinstance(value["equals-ignore-case"], str)):
        return value["equals-ignore-case"], True
    barf(f"{kind} match pattern must be a string")


def _wildcard(value: Any) -> Wildcard:
    if not isinstance(value, str):
        barf("wildcard match pattern must be a string")
    parts: list[str] = []
    current: list[str] = []
    previous_star = False
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\\":
            if index + 1 < len(value) and value[index + 1] in "*\\":
                current.append(value[index + 1])
                index += 2
                previous_star = False
                continue
            barf(f"Invalid escape character at pos {index}")
        if char == "*":
            if previous_star:
                barf(f"Consecutive wildcard characters at pos {index}")
            parts.append("".join(current))
            current = []
            previous_star = True
        else:
            current.append(char)
            previous_star = False
        index += 1
    parts.append("".join(current))
    return make_wildcard(value, parts)


def _number(value: Any, operator: str) -> float:
    if not is_number(value):
        barf(f"Value of {operator} must be numeric")
    return value


def _numeric(value: Any) -> Numeric:
    if not isinstance(value, list):
        barf("Value of numeric must be an array.")
    if not value:
        barf("Empty arrays are not allowed")
    first = value[0]
    if not isinstance(first, str) or first not in _NUMERIC_OPS:
        barf(f"Unrecognized numeric range operator: {first}")
    if len(value) < 2:
        barf(f"Value of {first} must be numeric")
    number = _number(value[1], first)
    if first == "=":
        if len(value) > 2:
            barf("Too many elements in numeric expression")
        return Numeric(number, True, number, True)
    if first in ("<", "<="):
        if len(value) > 2:
            barf("Too many elements in numeric expression")
        return Numeric(upper=number, upper_closed=first == "<=")
    lower, lower_closed = number, first == ">="
    if len(value) == 2:
        return Numeric(lower=lower, lower_closed=lower_closed)
    second = value[2]
    if second not in ("<", "<="):
        barf(f"Bad numeric range operator: {second}")
    if len(value) < 4:
        barf(f"Value of {second} must be numeric")
    upper = _number(value[3], second)
    if len(value) > 4:
        barf("Too many elements in numeric expression")
    if upper <= lower:
        barf("Bottom must be less than top")
    return Numeric(lower, lower_closed, upper, second == "<=")


def _cidr(value: Any) -> Cidr:
    if not isinstance(value, str):
        barf("prefix match pattern must be a string")  # sic: AWS's text for a non-string cidr
    if value.count("/") != 1:
        barf("Malformed CIDR, one '/' required")
    address_text, bits_text = value.split("/")
    if not _DIGITS.fullmatch(bits_text):
        barf("Malformed CIDR, mask bits must be an integer")
    try:
        address = ipaddress.ip_address(address_text)
    except ValueError:
        barf(f"Nonstandard IP address: {address_text}")
    bits = int(bits_text)
    if bits > address.max_prefixlen:
        barf(f"Malformed CIDR, mask bits must be between 0 and {address.max_prefixlen}")
    network = ipaddress.ip_network(f"{address}/{bits}", strict=False)
    return Cidr(value, address.version, int(network.network_address), int(network.broadcast_address))


_ANYTHING_BUT_SHAPE = "Value of anything-but must be an array or single string/number value."


def _string_list(value: Any, message: str, allow_empty_string: bool = True) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if isinstance(value, list) and not value:
        barf("Empty arrays are not allowed")
    for item in items:
        if not isinstance(item, str):
            barf(message)
        if not allow_empty_string and item == "":
            barf("Null prefix/suffix not allowed")
    return items


def _anything_but(value: Any) -> AnythingBut:
    if isinstance(value, str) or is_number(value):
        return AnythingBut((Exact(value),))
    if isinstance(value, list):
        if not value:
            barf("Empty arrays are not allowed")
        for item in value:
            if not (isinstance(item, str) or is_number(item)):
                barf("Inside anything but list, start|null|boolean is not supported.")
        return AnythingBut(tuple(dict.fromkeys(Exact(item) for item in value)))
    if not isinstance(value, dict) or len(value) != 1:
        barf(_ANYTHING_BUT_SHAPE)
    (name, inner), = value.items()
    if name in ("prefix", "suffix"):
        if isinstance(inner, dict):
            barf(_ANYTHING_BUT_SHAPE)
        texts = _string_list(inner, "prefix/suffix match pattern must be a string", False)
        kind = Prefix if name == "prefix" else Suffix
        return AnythingBut(tuple(dict.fromkeys(kind(text) for text in texts)))
    if name == "equals-ignore-case":
        texts = _string_list(
            inner, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
        return AnythingBut(tuple(dict.fromkeys(EqualsIgnoreCase(text) for text in texts)))
    if name == "wildcard":
        texts = _string_list(inner, "wildcard match pattern must be a string")
        return AnythingBut(tuple(dict.fromkeys(_wildcard(text) for text in texts)))
    barf(f"Unsupported anything-but pattern: {name}")


def _check_wildcards(branches: list[list[Slot]]) -> None:
    by_path: dict[str, dict[Wildcard, None]] = {}
    for branch in branches:
        for slot in branch:
            for matcher in slot.matchers:
                parts = matcher.excluded if isinstance(matcher, AnythingBut) else (matcher,)
                for part in parts:
                    if isinstance(part, Wildcard) and len(part.parts) > 1:
                        by_path.setdefault(slot.path, {})[part] = None
    for wildcards in by_path.values():
        if wildcard_complexity(wildcards) > MAX_COMPLEXITY:
            barf(TOO_COMPLEX)
