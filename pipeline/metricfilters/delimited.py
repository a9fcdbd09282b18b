"""Space-delimited patterns: ``[ip, user, ..., status_code=4* || status_code=5*, bytes > 1000]``.

A message is split into fields on runs of whitespace; a field that *starts* with ``"`` or ``[``
runs to the matching ``"`` / ``]`` and loses the delimiters (``[10/Oct/2000:13:25:15 -0700]`` is
one field ``10/Oct/2000:13:25:15 -0700``). An opening ``"``/``[`` with no closing one later in the
message is an ordinary character.

A pattern is a list of slots. ``...`` stands for any number (zero or more) of fields. Without
``...`` the message must have exactly as many fields as the pattern has slots. Each slot may
constrain its field with ``=``, ``!=`` (text with ``*`` wildcards, number, or ``%regex%``) and the
numeric operators, combined with ``&&`` / ``||`` / parentheses — all on that slot's own name.

Matching never backtracks: the first and last segments are anchored, each middle segment is
placed leftmost-first after the previous one (leftmost is always safe), found with a
Shift-And scan over the fields. Cost: splitting is linear in the message; placing is at most
O(fields x conditioned slots), O(fields) when field texts repeat.
"""

from __future__ import annotations

import re
from typing import Callable

from .lexer import Scanner
from .values import parse_value, read_operator

__all__ = ["DelimitedPattern", "parse_delimited_pattern", "split_fields"]

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_NONSPACE = re.compile(r"\S")
_SPACE = re.compile(r"\s")

Condition = Callable[[str], bool]


_FINDALL_CHARS = 8192  # below this, scanning the whole message beats stopping at `limit`
_TOKEN = re.compile(r'"([^"]*)"|\[([^\]]*)\]|(\S+)')


def split_fields(message: str, limit: int | None = None) -> list[str]:
    """Fields of ``message``; stops after ``limit`` fields when given.

    Three paths with the same result: ``str.split`` when nothing groups; one ``re`` scan when
    every ``[`` has a ``]`` after it (then no group attempt can fail after scanning far, and
    only the last ``"`` can be unclosed); otherwise a loop that checks for a closer first.
    """
    last_quote = message.rfind('"')
    last_bracket = message.rfind("]")
    if last_quote < 0 and "[" not in message:
        if limit is None:
            return message.split()
        return message.split(None, limit)[:limit]
    if message.find("[", last_bracket + 1) < 0:
        if limit is None or len(message) < _FINDALL_CHARS:
            # one group per match participates; the others are "" (so "or" picks it, or "")
            out = [q or b or p for q, b, p in _TOKEN.findall(message)]
            return out if limit is None else out[:limit]
        out = []
        for m in _TOKEN.finditer(message):
            quoted, bracketed, plain = m.groups()
            out.append(plain if plain is not None else quoted if quoted is not None else bracketed)
            if limit is not None and len(out) >= limit:
                break
        return out
    return _split_slowly(message, limit, last_quote, last_bracket)


def _split_slowly(message: str, limit: int | None, last_quote: int, last_bracket: int) -> list[str]:
    out: list[str] = []
    n = len(message)
    find_nonspace, find_space = _NONSPACE.search, _SPACE.search
    i = 0
    while True:
        m = find_nonspace(message, i)
        if m is None:
            break
        i = m.start()
        c = message[i]
        if c == '"' and last_quote > i:
            j = message.find('"', i + 1)
            out.append(message[i + 1:j])
            i = j + 1
        elif c == "[" and last_bracket > i:
            j = message.find("]", i + 1)
            out.append(message[i + 1:j])
            i = j + 1
        else:
            m = find_space(message, i)
            j = n if m is None else m.start()
            out.append(message[i:j])
            i = j
        if limit is not None and len(out) >= limit:
            break
    return out


class _Slot:
    __slots__ = ("name", "condition", "text", "position")

    def __init__(self, name: str | None, condition: Condition | None, text: str,
                 position: int = 0):
        self.name, self.condition, self.text = name, condition, text
        self.position = position  # where the slot starts in the pattern, for errors

    def __repr__(self) -> str:
        return self.text or "<blank>"


_ELLIPSIS = object()


def _all(parts: list[Condition]) -> Condition:
    parts_t = tuple(parts)
    return lambda field: all(p(field) for p in parts_t)


def _any(parts: list[Condition]) -> Condition:
    parts_t = tuple(parts)
    return lambda field: any(p(field) for p in parts_t)


class _SlotParser:
    """One slot's boolean expression; every condition must name the same field."""

    def __init__(self, s: Scanner):
        self.s = s
        self.names: list[tuple[str, int]] = []
        self.bare = False
        self.conditions = 0

    def parse_or(self) -> Condition | None:
        parts = [self.parse_and()]
        while True:
            self.s.skip_ws()
            if self.s.startswith("||"):
                self.s.pos += 2
                parts.append(self.parse_and())
            else:
                return parts[0] if len(parts) == 1 else _any(parts)

    def parse_and(self) -> Condition | None:
        parts = [self.parse_primary()]
        while True:
            self.s.skip_ws()
            if self.s.startswith("&&"):
                self.s.pos += 2
                parts.append(self.parse_primary())
            else:
                return parts[0] if len(parts) == 1 else _all(parts)

    def parse_primary(self) -> Condition | None:
        s = self.s
        s.skip_ws()
        if s.peek() == "(":
            s.pos += 1
            inner = self.parse_or()
            s.skip_ws()
            if s.peek() != ")":
                s.fail("expected ')'")
            s.pos += 1
            return inner
        s.check_single_quote()
        start = s.pos
        name = s.read_while(_NAME_CHARS)
        if not name:
            if s.peek() in ('"', "%") or (s.peek() and s.peek() in "=!<>"):
                s.fail("expected a field name before the condition (e.g. status=404)")
            s.fail("expected a field name, '...' or ','")
        if name.isdigit():
            s.fail("a field name cannot be only digits ($1, $2, ... are positional)", start)
        self.names.append((name, start))
        op = read_operator(s)
        if op is None:
            self.bare = True
            return None
        self.conditions += 1
        value = parse_value(s, op)
        return lambda field, op=op, value=value: value.holds(op, field)


def _parse_slot(s: Scanner):
    s.skip_ws()
    start = s.pos
    if s.startswith("..."):
        s.pos += 3
        return _ELLIPSIS
    if s.peek() in (",", "]"):
        return _Slot(None, None, "")
    parser = _SlotParser(s)
    condition = parser.parse_or()
    names = {n for n, _ in parser.names}
    if len(names) > 1:
        other = next(p for n, p in parser.names if n != parser.names[0][0])
        s.fail("all conditions in one field must use that field's name; a condition across "
               "two fields is not supported", other)
    if parser.bare and len(parser.names) > 1:
        s.fail("a field name inside '&&'/'||' needs an operator and a value", start)
    return _Slot(parser.names[0][0], condition, s.text[start:s.pos].strip(), start)


def parse_delimited_pattern(s: Scanner) -> "DelimitedPattern":
    open_pos = s.pos
    s.pos += 1
    slots: list = []
    while True:
        slots.append(_parse_slot(s))
        s.skip_ws()
        c = s.peek()
        if c == ",":
            s.pos += 1
            continue
        if c == "]":
            s.pos += 1
            break
        if not c:
            s.fail("unbalanced '[': missing ']'", open_pos)
        if c == "'":
            s.check_single_quote()
        s.fail("expected ',' or ']' after a field")
    s.skip_ws()
    if not s.at_end():
        s.fail("unexpected text after ']'")
    if len(slots) == 1 and isinstance(slots[0], _Slot) and slots[0].name is None:
        s.fail("empty space-delimited pattern '[]'", open_pos)
    seen: set[str] = set()
    for slot in slots:
        if slot is not _ELLIPSIS and slot.name is not None:
            if slot.name in seen:
                s.fail(f"field name {slot.name!r} is used twice", slot.position)
            seen.add(slot.name)
    return DelimitedPattern(slots)


_MEMO_FIELDS = 65_536  # distinct field texts remembered while searching one segment


def _find_segment(segment: list[_Slot], fields: list[str], lo: int, hi: int) -> int:
    """Leftmost start in ``fields[lo:hi]`` where every slot of ``segment`` fits, or -1.

    Shift-And over fields: bit k of ``d`` = "slots 0..k fit the fields ending here". Each field
    is tested once per conditioned slot (memoised by text), whatever the alignment, so the cost
    is O(fields x conditioned slots) at worst instead of O(fields x slots) re-tests.
    """
    length = len(segment)
    free = 0
    conditions = []
    for k, slot in enumerate(segment):
        if slot.condition is None:
            free |= 1 << k
        else:
            conditions.append((1 << k, slot.condition))
    full = 1 << (length - 1)
    memo: dict[str, int] = {}
    d = 0
    for j in range(lo, hi):
        field = fields[j]
        mask = memo.get(field)
        if mask is None:
            mask = free
            for bit, condition in conditions:
                if condition(field):
                    mask |= bit
            if len(memo) < _MEMO_FIELDS:
                memo[field] = mask
        d = ((d << 1) | 1) & mask
        if d & full:
            return j - length + 1
    return -1


class DelimitedPattern:
    """The compiled slot list; :meth:`match` returns ``{name: field index}`` or None."""

    def __init__(self, slots: list):
        self.segments: list[list[_Slot]] = [[]]
        for slot in slots:
            if slot is _ELLIPSIS:
                self.segments.append([])
            else:
                self.segments[-1].append(slot)
        self.has_ellipsis = len(self.segments) > 1
        self.names = tuple(sl.name for seg in self.segments for sl in seg if sl.name)

    @staticmethod
    def _segment_fits(segment: list[_Slot], fields: list[str], at: int) -> bool:
        for k, slot in enumerate(segment):
            cond = slot.condition
            if cond is not None and not cond(fields[at + k]):
                return False
        return True

    def split(self, message: str) -> list[str]:
        if not self.has_ellipsis:
            return split_fields(message, limit=len(self.segments[0]) + 1)
        return split_fields(message)

    def match(self, fields: list[str]) -> dict[str, int] | None:
        """Place the segments on ``fields``; returns the index of each named slot's field."""
        segments = self.segments
        n = len(fields)
        if not self.has_ellipsis:
            only = segments[0]
            if n != len(only) or not self._segment_fits(only, fields, 0):
                return None
            return {sl.name: k for k, sl in enumerate(only) if sl.name}
        first, last = segments[0], segments[-1]
        if len(first) + len(last) > n:
            return None
        placed = [0]
        if not self._segment_fits(first, fields, 0):
            return None
        lo = len(first)
        hi = n - len(last)
        for segment in segments[1:-1]:
            if not segment:
                continue
            at = _find_segment(segment, fields, lo, hi)
            if at < 0:
                return None
            placed.append(at)
            lo = at + len(segment)
        if not self._segment_fits(last, fields, hi):
            return None
        names: dict[str, int] = {}
        starts = [0] + placed[1:] + [hi]
        middle = [seg for seg in segments[1:-1] if seg]
        for seg, at in zip([first] + middle + [last], starts):
            for k, sl in enumerate(seg):
                if sl.name:
                    names[sl.name] = at + k
        return names
