"""Right-hand sides of comparisons, shared by JSON and space-delimited patterns.

Typing rule (AWS does not say how ``{ $.code = 400 }`` treats ``"400"``; see
docs/metric-filters.md):
the *pattern* decides how to compare.

* a bare number (``400``, ``-1.5``, ``1e3``) compares numerically with JSON numbers and with
  strings whose whole text is a number (``"400"``, a space-delimited field ``400``);
* a quoted string or a bare non-number (``"Root"``, ``kms.amazonaws.com``, ``4*``, ``*``) compares
  as text with strings and with the text of JSON numbers (``404`` reads as ``"404"``);
  ``*`` is a wildcard anywhere in the value;
* a regex ``%...%`` searches the same text.

Booleans and null only answer ``IS TRUE`` / ``IS FALSE`` / ``IS NULL``: every ``=``, ``<``, ...
on them is false, and ``!=`` is true.
"""

from __future__ import annotations

from typing import Any

from .lexer import NUMBER_RE, Scanner
from .regex import Regex, compile_regex

__all__ = ["Value", "NumberValue", "TextValue", "RegexValue", "parse_value", "as_number",
           "as_text", "EQ", "NE", "LT", "GT", "LE", "GE", "OPERATORS"]

EQ, NE, LT, GT, LE, GE = "=", "!=", "<", ">", "<=", ">="
OPERATORS = (NE, LE, GE, EQ, LT, GT)  # longest first, for the scanner
_ORDERING = (LT, GT, LE, GE)


def as_number(candidate: Any) -> int | float | None:
    """The number a scalar stands for, or None (booleans are not numbers)."""
    if candidate is True or candidate is False or candidate is None:
        return None
    if isinstance(candidate, (int, float)):
        return candidate
    if isinstance(candidate, str) and NUMBER_RE.fullmatch(candidate):
        return float(candidate) if any(c in candidate for c in ".eE") else int(candidate)
    return None


def as_text(candidate: Any) -> str | None:
    """The text a scalar is compared as, or None for booleans, null, arrays and objects."""
    if isinstance(candidate, str):
        return candidate
    if candidate is True or candidate is False or candidate is None:
        return None
    if isinstance(candidate, int):
        return str(candidate)
    if isinstance(candidate, float):
        if candidate.is_integer() and abs(candidate) < 1e16:
            return str(int(candidate))
        return repr(candidate)
    return None


class Value:
    """One right-hand side; :meth:`holds` applies an operator to one scalar."""

    __slots__ = ()
    literal: str | None = None  # exact text for set-lookups (TextValue without wildcard)

    def equals(self, candidate: Any) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def holds(self, op: str, candidate: Any) -> bool:
        if op == EQ:
            return self.equals(candidate)
        if op == NE:
            return not self.equals(candidate)
        raise AssertionError(op)  # ordering ops exist only on NumberValue


class NumberValue(Value):
    __slots__ = ("number", "text")

    def __init__(self, text: str):
        self.text = text
        self.number = float(text) if any(c in text for c in ".eE") else int(text)

    def __repr__(self) -> str:
        return self.text

    def equals(self, candidate: Any) -> bool:
        n = as_number(candidate)
        return n is not None and n == self.number

    def holds(self, op: str, candidate: Any) -> bool:
        if op == EQ:
            return self.equals(candidate)
        if op == NE:
            return not self.equals(candidate)
        n = as_number(candidate)
        if n is None:
            return False
        if op == LT:
            return n < self.number
        if op == GT:
            return n > self.number
        if op == LE:
            return n <= self.number
        return n >= self.number


class TextValue(Value):
    """A string with optional ``*`` wildcards, matched without backtracking."""

    __slots__ = ("text", "pieces", "literal")

    def __init__(self, text: str):
        self.text = text
        self.pieces = text.split("*") if "*" in text else None
        self.literal = None if self.pieces is not None else text

    def __repr__(self) -> str:
        return repr(self.text)

    def equals(self, candidate: Any) -> bool:
        s = as_text(candidate)
        if s is None:
            return False
        pieces = self.pieces
        if pieces is None:
            return s == self.text
        # glob: first piece is a prefix, last a suffix, the middle ones found left to right;
        # leftmost placement of each middle piece is always safe, so this never backtracks.
        first, last = pieces[0], pieces[-1]
        if len(s) < len(first) + len(last) or not s.startswith(first) or not s.endswith(last):
            return False
        pos, limit = len(first), len(s) - len(last)
        for piece in pieces[1:-1]:
            if not piece:
                continue
            found = s.find(piece, pos, limit)
            if found < 0:
                return False
            pos = found + len(piece)
        return True


class RegexValue(Value):
    __slots__ = ("regex",)

    def __init__(self, regex: Regex):
        self.regex = regex

    def __repr__(self) -> str:
        return f"%{self.regex.source}%"

    def equals(self, candidate: Any) -> bool:
        s = as_text(candidate)
        return s is not None and self.regex.search(s)


def read_operator(scanner: Scanner) -> str | None:
    scanner.skip_ws()
    for op in OPERATORS:
        if scanner.startswith(op):
            scanner.pos += len(op)
            if op == EQ and scanner.peek() == "=":
                scanner.fail("'==' is not an operator; use '='", scanner.pos - 1)
            return op
    return None


def parse_value(scanner: Scanner, op: str) -> Value:
    """The value after ``op``; numeric operators need a number."""
    scanner.skip_ws()
    start = scanner.pos
    c = scanner.peek()
    if c == "'":
        scanner.check_single_quote()
    if c == '"':
        value: Value = TextValue(scanner.read_quoted())
    elif c == "%":
        scanner.regex_count += 1
        if scanner.regex_count > 2:
            scanner.fail("a filter pattern can contain at most 2 regular expressions")
        source, offset = scanner.read_regex_source()
        value = RegexValue(compile_regex(scanner, source, offset))
    else:
        text = scanner.read_bare()
        if not text:
            scanner.fail(f"expected a value after '{op}'")
        if NUMBER_RE.fullmatch(text):
            value = NumberValue(text)
        else:
            value = TextValue(text)
    if op in _ORDERING and not isinstance(value, NumberValue):
        scanner.fail(f"operator '{op}' needs a number", start)
    return value
