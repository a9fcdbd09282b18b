"""A cursor over the pattern text shared by every pattern family.

All parse errors go through :meth:`Scanner.fail`, which raises :class:`FilterPatternError` with
the position, so each message says what is wrong *and* where.
"""

from __future__ import annotations

import re
from typing import NoReturn

from .errors import FilterPatternError

__all__ = ["Scanner", "NUMBER_RE", "BARE_STOP"]

# A number as the filter syntax writes it: signed integer/decimal, optional exponent
# ("+1000", "55.5", "1e-3", "10e3"). Also used to decide whether a field's text is numeric,
# so it is stricter than float() (no "nan", "inf", "1_000", surrounding blanks).
NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")

# Characters that end a bare (unquoted) value or name.
BARE_STOP = frozenset(" \t\r\n()[]{},&|!=<>\"'%")


class Scanner:
    """Position in ``text``; ``end`` limits the scan to a slice (e.g. inside ``{ }``)."""

    __slots__ = ("text", "pos", "end", "regex_count", "wildcard_selectors")

    def __init__(self, text: str, pos: int = 0, end: int | None = None):
        self.text = text
        self.pos = pos
        self.end = len(text) if end is None else end
        # quotas counted while parsing one pattern
        self.regex_count = 0
        self.wildcard_selectors = 0

    # -- errors ---------------------------------------------------------------------------
    def fail(self, reason: str, pos: int | None = None) -> NoReturn:
        raise FilterPatternError(reason, self.text, self.pos if pos is None else pos)

    # -- looking --------------------------------------------------------------------------
    def at_end(self) -> bool:
        return self.pos >= self.end

    def peek(self, offset: int = 0) -> str:
        i = self.pos + offset
        return self.text[i] if i < self.end else ""

    def startswith(self, s: str) -> bool:
        return self.text.startswith(s, self.pos, self.end)

    def skip_ws(self) -> None:
        text, end, i = self.text, self.end, self.pos
        while i < end and text[i] in " \t\r\n":
            i += 1
        self.pos = i

    def expect(self, s: str, what: str | None = None) -> None:
        self.skip_ws()
        if not self.startswith(s):
            self.fail(f"expected {what or repr(s)}")
        self.pos += len(s)

    def read_while(self, allowed) -> str:
        text, end, start = self.text, self.end, self.pos
        i = start
        while i < end and text[i] in allowed:
            i += 1
        self.pos = i
        return text[start:i]

    def read_bare(self) -> str:
        """An unquoted run: up to blank, bracket, operator or quote."""
        text, end, start = self.text, self.end, self.pos
        i = start
        while i < end and text[i] not in BARE_STOP:
            i += 1
        self.pos = i
        return text[start:i]

    def read_quoted(self) -> str:
        """A double-quoted string at the cursor; ``\\"`` and ``\\\\`` are escapes."""
        start = self.pos
        assert self.text[start] == '"'
        text, end = self.text, self.end
        out: list[str] = []
        i = start + 1
        while i < end:
            c = text[i]
            if c == "\\" and i + 1 < end and text[i + 1] in '"\\':
                out.append(text[i + 1])
                i += 2
                continue
            if c == '"':
                self.pos = i + 1
                return "".join(out)
            out.append(c)
            i += 1
        self.fail("unterminated double-quoted string", start)

    def read_regex_source(self) -> tuple[str, int]:
        """The text between ``%`` delimiters at the cursor; returns (source, offset of source).

        ``\\%`` inside stays part of the source (the regex parser reads it as a literal ``%``).
        """
        start = self.pos
        assert self.text[start] == "%"
        text, end = self.text, self.end
        i = start + 1
        while i < end:
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == "%":
                self.pos = i + 1
                return text[start + 1:i], start + 1
            i += 1
        self.fail("regular expression is not closed with '%'", start)

    def check_single_quote(self) -> None:
        if self.peek() == "'":
            self.fail("single-quoted strings are not supported; use double quotes")
