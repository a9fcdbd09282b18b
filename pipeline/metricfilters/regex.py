"""The restricted regular-expression dialect of filter patterns (``%...%``), matched in linear time.

Dialect (AWS "Filter pattern syntax", regex section): ASCII letters and digits, the symbols
``: _ # = @ / ; , -``, the operators ``^ $ ? [ ] { } | \\ * + .``; escapes ``\\d \\D \\s \\S \\w
\\W``, ``\\xhh`` and ``\\`` before an operator. No groups, no other symbols, no multi-byte
characters. Matching is a search: the expression may match anywhere in the text.

Why not Python's ``re``: it backtracks, and ``%a*a*a*a*b%`` against a megabyte of ``a`` would
take hours. The dialect has no groups, so every quantifier applies to one character predicate
and the expression is a set of alternatives, each a sequence of positions that are plain,
optional and/or repeatable — exactly what the extended Shift-And algorithm simulates with a
constant number of big-integer operations per character (see :class:`Regex`). On top of it the
bit vectors are cached as states of a lazily built DFA (one dict lookup per character once
warm). The cache is bounded (:data:`_MAX_DFA_STATES`); when it overflows it is dropped and the
bit-parallel step runs again, so the worst case stays linear in the text: O(len(text) x
positions / machine word) with no backtracking anywhere.

The cache makes a compiled pattern mutable; it is meant for one thread (an asyncio worker).

Choices where AWS is silent: ``.`` does not match a newline; ``^``/``$`` are the start/end of
the whole text (or value) and may only start/end an alternative; {m,n} counts are at most 1000
and an expression expands to at most 4096 positions.
"""

from __future__ import annotations

import string
from typing import Callable

from .lexer import Scanner

__all__ = ["Regex", "compile_regex"]

_MAX_REPEAT = 1000  # largest m or n in {m,n}; AWS states none, 1000 keeps the vectors small
_MAX_POSITIONS = 4_096  # character positions after expanding {m,n}; bounds the bit vectors
_MAX_DFA_STATES = 4_096  # cached DFA states per expression before the cache is dropped
_MAX_TRANSITIONS = 512  # cached non-ASCII transitions per state (CJK text has thousands)

_LITERALS = frozenset(string.ascii_letters + string.digits + ":_#=@/;,-")
_OPERATORS = frozenset("^$?[]{}|\\*+.")
_ESCAPABLE = _OPERATORS | frozenset("%") | frozenset(":_#=@/;,-")
_DIGITS = frozenset(string.digits)
_WORD = frozenset(string.ascii_letters + string.digits + "_")
_SPACE = frozenset("\t \n")  # the doc: "\s" = tab, space, newline



# -- syntax tree -------------------------------------------------------------------------
# ("pred", fn) | ("bol",) | ("eol",) | ("cat", [..]) | ("alt", [..]) | ("rep", node, m, n|None)


def _named_class(letter: str) -> Callable[[str], bool]:
    base = {"d": _DIGITS, "s": _SPACE, "w": _WORD}[letter.lower()]
    if letter.islower():
        return base.__contains__
    return lambda c: c not in base


class _Parser:
    def __init__(self, scanner: Scanner, source: str, offset: int):
        self.scanner = scanner
        self.src = source
        self.offset = offset  # position of source[0] in the whole pattern
        self.i = 0

    def fail(self, reason: str, i: int | None = None):
        self.scanner.fail(reason, self.offset + (self.i if i is None else i))

    def peek(self) -> str:
        return self.src[self.i] if self.i < len(self.src) else ""

    def parse(self):
        if not self.src:
            self.fail("empty regular expression")
        for k, c in enumerate(self.src):
            if ord(c) > 127:
                self.fail("multi-byte characters are not allowed in a regular expression", k)
        node = self.alternation()
        if self.i < len(self.src):  # pragma: no cover - alternation consumes everything
            self.fail("unexpected character in regular expression")
        return node

    def alternation(self):
        branches = [self.concat()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.concat())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def concat(self):
        start = self.i
        items = []
        while self.i < len(self.src) and self.peek() != "|":
            items.append(self.repeat())
        if not items:
            self.fail("empty alternative in regular expression", start)
        return items[0] if len(items) == 1 else ("cat", items)

    def repeat(self):
        node = self.atom()
        c = self.peek()
        if c and c in "*+?{":
            if node[0] in ("bol", "eol"):
                self.fail("an anchor cannot be repeated")
            if c == "*":
                self.i += 1
                node = ("rep", node, 0, None)
            elif c == "+":
                self.i += 1
                node = ("rep", node, 1, None)
            elif c == "?":
                self.i += 1
                node = ("rep", node, 0, 1)
            else:
                node = ("rep", node, *self.braces())
            if self.peek() and self.peek() in "*+?{":
                self.fail("a quantifier cannot follow another quantifier (no groups, no lazy "
                          "quantifiers)", self.i)
        return node

    def braces(self):
        start = self.i
        end = self.src.find("}", start)
        if end == -1:
            self.fail("'{' without '}' in regular expression")
        body = self.src[start + 1:end]
        parts = body.split(",")
        if len(parts) > 2 or not all(p.isdigit() or p == "" for p in parts) or body in ("", ","):
            self.fail("invalid repetition {" + body + "}; use {m}, {m,}, {,n} or {m,n}")
        lo = int(parts[0]) if parts[0] else 0
        if len(parts) == 1:
            hi: int | None = lo
        else:
            hi = int(parts[1]) if parts[1] else None
        if lo > _MAX_REPEAT or (hi is not None and hi > _MAX_REPEAT):
            self.fail(f"repetition count above {_MAX_REPEAT}")
        if hi is not None and hi < lo:
            self.fail("invalid repetition {" + body + "}: maximum below minimum")
        self.i = end + 1
        return lo, hi

    def escape(self, in_class: bool):
        """At a backslash; returns a predicate (or a literal character)."""
        start = self.i
        self.i += 1
        if self.i >= len(self.src):
            self.fail("trailing backslash in regular expression", start)
        c = self.src[self.i]
        self.i += 1
        if c in "dDsSwW":
            return _named_class(c)
        if c == "x":
            hexdigits = self.src[self.i:self.i + 2]
            if len(hexdigits) != 2 or any(h not in string.hexdigits for h in hexdigits):
                self.fail("\\x must be followed by two hexadecimal digits", start)
            self.i += 2
            return chr(int(hexdigits, 16))
        if c in _ESCAPABLE:
            return c
        self.fail(f"unsupported escape \\{c} in regular expression", start)

    def literal_char(self, c: str, pos: int):
        if c in "()":
            self.fail("groups are not supported in a regular expression; use \\x28 and \\x29 "
                      "to match '(' and ')'", pos)
        self.fail(f"character {c!r} is not allowed in a regular expression; use "
                  f"\\x{ord(c):02x} to match it", pos)

    def atom(self):
        c = self.peek()
        pos = self.i
        if c == "\\":
            p = self.escape(False)
            return ("pred", (p.__eq__ if isinstance(p, str) else p))
        if c == "[":
            return ("pred", self.char_class())
        self.i += 1
        if c == ".":
            return ("pred", lambda ch: ch != "\n")
        if c == "^":
            return ("bol", pos)
        if c == "$":
            return ("eol", pos)
        if c in _LITERALS:
            return ("pred", c.__eq__)
        if c in "*+?{":
            self.fail(f"nothing to repeat before {c!r}", pos)
        if c in "]}":
            self.fail(f"unbalanced {c!r} in regular expression", pos)
        self.literal_char(c, pos)

    def char_class(self):
        start = self.i
        self.i += 1
        negate = self.peek() == "^"
        if negate:
            self.i += 1
        chars: set[str] = set()
        ranges: list[tuple[str, str]] = []
        preds: list[Callable[[str], bool]] = []
        first = True
        while True:
            if self.i >= len(self.src):
                self.fail("'[' without ']' in regular expression", start)
            c = self.src[self.i]
            if c == "]" and not first:
                self.i += 1
                break
            first = False
            if c == "\\":
                item = self.escape(True)
                if not isinstance(item, str):
                    preds.append(item)
                    continue
            else:
                if c == "]":
                    self.fail("empty character class", start)
                if c not in _LITERALS and c not in _OPERATORS:
                    self.literal_char(c, self.i)
                if c == "[":
                    self.fail("nested '[' in a character class; escape it as \\[", self.i)
                item = c
                self.i += 1
            # a range a-z ?
            if self.peek() == "-" and self.i + 1 < len(self.src) and self.src[self.i + 1] != "]":
                self.i += 1
                hi_pos = self.i
                hc = self.src[self.i]
                if hc == "\\":
                    hi = self.escape(True)
                    if not isinstance(hi, str):
                        self.fail("a class escape cannot end a range", hi_pos)
                else:
                    if hc not in _LITERALS and hc not in _OPERATORS:
                        self.literal_char(hc, hi_pos)
                    hi = hc
                    self.i += 1
                if hi < item:
                    self.fail(f"invalid range {item}-{hi} in character class", hi_pos)
                ranges.append((item, hi))
            else:
                chars.add(item)
        frozen = frozenset(chars)
        rng = tuple(ranges)
        extra = tuple(preds)

        def member(ch: str) -> bool:
            if ch in frozen:
                return True
            for lo, hi in rng:
                if lo <= ch <= hi:
                    return True
            for p in extra:
                if p(ch):
                    return True
            return False

        if negate:
            return lambda ch: not member(ch)
        return member


# -- position automaton, simulated bit-parallel ------------------------------------------


class _State:
    __slots__ = ("d", "trans", "accepting", "eol_accepting", "dead")

    def __init__(self, d: int, accepting: bool, eol_accepting: bool, dead: bool):
        self.d = d
        self.trans: dict[str, _State] = {}
        self.accepting = accepting
        self.eol_accepting = eol_accepting
        self.dead = dead  # nothing alive and nothing restarts: no match is possible any more


class Regex:
    """A compiled ``%...%`` expression; :meth:`search` says whether it matches anywhere.

    Layout: every alternative gets a *base* bit (the empty prefix) followed by one bit per
    position (a character predicate after expanding ``{m,n}``). Bit j set = "the alternative's
    first j positions match a suffix of the text read so far". One step per character is the
    extended Shift-And of Navarro & Raffinot (Flexible Pattern Matching in Strings, 4.3):
    shift-and for plain positions, a self-loop for repeatable ones (``+ *``), and a carry trick
    that fills blocks of optional positions (``? * {m,n}``) in constant big-int operations.
    """

    def __init__(self, source: str, branches: list):
        self.source = source
        preds: list = []  # predicate per bit (None for base bits)
        restart = initial = accept = eol_accept = repeat = optional = block_low = block_top = 0
        bit = 0
        for anchored_start, items, anchored_end in branches:
            base = bit
            preds.append(None)
            bit += 1
            initial |= 1 << base
            if not anchored_start:
                restart |= 1 << base
            in_block = False
            for pred, lo, hi in items:
                copies = [(False, False)] * lo
                if hi is None:
                    if lo:
                        copies[-1] = (False, True)
                    else:
                        copies = [(True, True)]
                else:
                    copies += [(True, False)] * (hi - lo)
                for is_optional, is_repeat in copies:
                    if bit >= _MAX_POSITIONS:
                        raise _TooLarge
                    preds.append(pred)
                    if is_repeat:
                        repeat |= 1 << bit
                    if is_optional:
                        optional |= 1 << bit
                        if not in_block:
                            block_low |= 1 << (bit - 1)
                            in_block = True
                    elif in_block:
                        block_top |= 1 << (bit - 1)
                        in_block = False
                    bit += 1
            if in_block:
                block_top |= 1 << (bit - 1)
            top = 1 << (bit - 1)
            if anchored_end:
                eol_accept |= top
            else:
                accept |= top
        self._preds = preds
        self._restart = restart
        self._accept = accept
        self._eol = accept | eol_accept
        self._repeat = repeat
        self._optional = optional
        self._low = block_low
        self._top = block_top
        self._masks: dict[str, int] = {}
        self._states: dict[int, _State] = {}
        self._initial = self._intern(self._fill(initial))

    def __repr__(self) -> str:
        return f"Regex(%{self.source}%)"

    def _fill(self, d: int) -> int:
        """Skip optional positions: inside each block, every bit above an active one (or above
        the bit just below the block) becomes active. ``top`` stops the borrow at the block."""
        if not self._optional:
            return d
        df = d | self._top
        return d | (self._optional & (~(df - self._low) ^ df))

    def _mask(self, ch: str) -> int:
        # every construct of the dialect is ASCII, so all other characters behave alike
        key = ch if ord(ch) < 128 else "\x80"
        mask = self._masks.get(key)
        if mask is None:
            mask = 0
            for j, pred in enumerate(self._preds):
                if pred is not None and pred(key):
                    mask |= 1 << j
            self._masks[key] = mask
        return mask

    def _intern(self, d: int) -> _State:
        state = self._states.get(d)
        if state is None:
            if len(self._states) >= _MAX_DFA_STATES:
                for old in self._states.values():
                    old.trans.clear()
                self._states.clear()
            state = _State(d, bool(d & self._accept), bool(d & self._eol),
                           d == 0 and self._restart == 0)
            self._states[d] = state
        return state

    def _step(self, state: _State, ch: str) -> _State:
        b = self._mask(ch)
        d = state.d
        nd = self._fill(((d << 1) & b) | (d & b & self._repeat) | self._restart)
        nxt = self._intern(nd)
        if len(state.trans) < _MAX_TRANSITIONS or ch < "\x80":
            state.trans[ch] = nxt
        return nxt

    def search(self, text: str) -> bool:
        state = self._initial
        if state.accepting:
            return True
        step = self._step
        for ch in text:
            nxt = state.trans.get(ch)
            if nxt is None:
                nxt = step(state, ch)
            if nxt.accepting:
                return True
            if nxt.dead:
                return False
            state = nxt
        return state.eol_accepting


class _TooLarge(Exception):
    pass


def _branches(parser: "_Parser", tree) -> list:
    """The tree as alternatives of (anchored_start, [(pred, lo, hi)], anchored_end).

    Without groups, quantifiers apply to one character predicate, and an anchor can only be
    meaningful at the ends of an alternative; anywhere else it is refused.
    """
    alternatives = tree[1] if tree[0] == "alt" else [tree]
    out = []
    for alternative in alternatives:
        items = alternative[1] if alternative[0] == "cat" else [alternative]
        start = bool(items) and items[0][0] == "bol"
        end = len(items) > int(start) and items[-1][0] == "eol"
        body = items[int(start):len(items) - int(end)]
        preds = []
        for item in body:
            if item[0] in ("bol", "eol"):
                parser.fail("'^' and '$' can only start or end an alternative", item[1])
            if item[0] == "rep":
                preds.append((item[1][1], item[2], item[3]))
            else:
                preds.append((item[1], 1, 1))
        out.append((start, preds, end))
    return out


def compile_regex(scanner: Scanner, source: str, offset: int) -> Regex:
    """Parse and compile ``source`` (the text between ``%``); errors point into the pattern."""
    parser = _Parser(scanner, source, offset)
    tree = parser.parse()
    try:
        return Regex(source, _branches(parser, tree))
    except _TooLarge:
        scanner.fail(f"regular expression is too large once repetitions are expanded (more than "
                     f"{_MAX_POSITIONS} positions)", offset)
