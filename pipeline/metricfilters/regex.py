"""The restricted regular-expression dialect of filter patterns (``%...%``), matched in linear time.

Dialect (AWS "Filter pattern syntax", regex section): ASCII letters and digits, the symbols
``: _ # = @ / ; , -``, the operators ``^ $ ? [ ] { } | \\ * + .``; escapes ``\\d \\D \\s \\S \\w
\\W``, ``\\xhh`` and ``\\`` before an operator. No groups, no other symbols, no multi-byte
characters. Matching is a search: the expression may match anywhere in the text.

Why not Python's ``re``: it backtracks, and ``%a*a*a*a*b%`` against a megabyte of ``a`` would
take hours. The dialect has no groups or back-references, so it maps onto a Thompson NFA. We
simulate it as a lazily built DFA: each DFA state is the set of NFA states alive after some
prefix, its transitions are filled in on first use and cached per character. Every input
character costs one dict lookup (plus, the first time, one NFA step of at most ``len(nfa)``),
so a match is O(len(text) * len(nfa)) in the worst case and O(len(text)) once warm.
The cache is bounded (:data:`_MAX_DFA_STATES`) and dropped when full, which keeps memory flat
for patterns whose DFA would be exponential.
"""

from __future__ import annotations

import string
from typing import Callable

from .lexer import Scanner

__all__ = ["Regex", "compile_regex"]

_MAX_REPEAT = 1000  # largest m or n in {m,n}; AWS states none, 1000 keeps the NFA bounded
_MAX_NFA_STATES = 20_000  # refuse expressions whose expansion (e.g. nested {m,n}) is larger
_MAX_DFA_STATES = 4_096  # cached DFA states per expression before the cache is dropped

_LITERALS = frozenset(string.ascii_letters + string.digits + ":_#=@/;,-")
_OPERATORS = frozenset("^$?[]{}|\\*+.")
_ESCAPABLE = _OPERATORS | frozenset("%") | frozenset(":_#=@/;,-")
_DIGITS = frozenset(string.digits)
_WORD = frozenset(string.ascii_letters + string.digits + "_")
_SPACE = frozenset("\t \n")  # the doc: "\s" = tab, space, newline

# NFA node kinds
_CHAR, _SPLIT, _BOL, _EOL, _MATCH = range(5)


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
            return ("bol",)
        if c == "$":
            return ("eol",)
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


# -- NFA ---------------------------------------------------------------------------------


class _NFA:
    def __init__(self, scanner: Scanner, offset: int, source_len: int):
        self.kind: list[int] = []
        self.arg: list = []
        self.out1: list[int] = []
        self.out2: list[int] = []
        self.scanner = scanner
        self.offset = offset
        self.source_len = source_len

    def add(self, kind: int, arg=None, out1: int = -1, out2: int = -1) -> int:
        if len(self.kind) >= _MAX_NFA_STATES:
            self.scanner.fail("regular expression is too large once repetitions are expanded",
                              self.offset)
        self.kind.append(kind)
        self.arg.append(arg)
        self.out1.append(out1)
        self.out2.append(out2)
        return len(self.kind) - 1

    def build(self, node, nxt: int) -> int:
        tag = node[0]
        if tag == "pred":
            return self.add(_CHAR, node[1], nxt)
        if tag == "bol":
            return self.add(_BOL, None, nxt)
        if tag == "eol":
            return self.add(_EOL, None, nxt)
        if tag == "cat":
            for item in reversed(node[1]):
                nxt = self.build(item, nxt)
            return nxt
        if tag == "alt":
            branches = [self.build(b, nxt) for b in node[1]]
            entry = branches[-1]
            for b in reversed(branches[:-1]):
                entry = self.add(_SPLIT, None, b, entry)
            return entry
        if tag == "rep":
            _, body, lo, hi = node
            if hi is None:
                loop = self.add(_SPLIT, None, -1, nxt)
                self.out1[loop] = self.build(body, loop)
                tail = loop
            else:
                tail = nxt
                for _ in range(hi - lo):
                    tail = self.add(_SPLIT, None, self.build(body, tail), nxt)
            for _ in range(lo):
                tail = self.build(body, tail)
            return tail
        raise AssertionError(tag)  # pragma: no cover


class _State:
    __slots__ = ("nfa", "trans", "accepting", "eol_accepting")

    def __init__(self, nfa: frozenset[int], accepting: bool, eol_accepting: bool):
        self.nfa = nfa
        self.trans: dict[str, _State] = {}
        self.accepting = accepting
        self.eol_accepting = eol_accepting


class Regex:
    """A compiled ``%...%`` expression; :meth:`search` says whether it matches anywhere."""

    def __init__(self, source: str, nfa: _NFA, start: int):
        self.source = source
        self._kind = nfa.kind
        self._arg = nfa.arg
        self._out1 = nfa.out1
        self._out2 = nfa.out2
        self._start = start
        self._restart = self._closure((start,), at_start=False, at_end=False)
        self._states: dict[frozenset[int], _State] = {}
        self._initial = self._make_initial()

    def __repr__(self) -> str:
        return f"Regex(%{self.source}%)"

    def _closure(self, starts, *, at_start: bool, at_end: bool) -> frozenset[int]:
        kind, out1, out2 = self._kind, self._out1, self._out2
        seen: set[int] = set()
        keep: set[int] = set()
        stack = list(starts)
        while stack:
            s = stack.pop()
            if s in seen:
                continue
            seen.add(s)
            k = kind[s]
            if k == _SPLIT:
                stack.append(out1[s])
                stack.append(out2[s])
            elif k == _BOL:
                if at_start:
                    stack.append(out1[s])
            elif k == _EOL:
                if at_end:
                    stack.append(out1[s])
                else:
                    keep.add(s)
            else:  # _CHAR, _MATCH
                keep.add(s)
        return frozenset(keep)

    def _accepts_at_end(self, states: frozenset[int], at_start: bool) -> bool:
        eols = [self._out1[s] for s in states if self._kind[s] == _EOL]
        if not eols:
            return False
        closure = self._closure(eols, at_start=at_start, at_end=True)
        return any(self._kind[s] == _MATCH for s in closure)

    def _intern(self, nfa: frozenset[int]) -> _State:
        state = self._states.get(nfa)
        if state is None:
            if len(self._states) >= _MAX_DFA_STATES:
                for old in self._states.values():
                    old.trans.clear()
                self._states.clear()
            kind = self._kind
            state = _State(nfa, any(kind[s] == _MATCH for s in nfa),
                           self._accepts_at_end(nfa, at_start=False))
            self._states[nfa] = state
        return state

    def _make_initial(self) -> _State:
        nfa = self._closure((self._start,), at_start=True, at_end=False)
        kind = self._kind
        # not interned: its end-of-text answer differs (^ and $ both hold on empty text)
        return _State(nfa, any(kind[s] == _MATCH for s in nfa),
                      self._accepts_at_end(nfa, at_start=True))

    def _step(self, state: _State, ch: str) -> _State:
        kind, arg, out1 = self._kind, self._arg, self._out1
        targets = [out1[s] for s in state.nfa if kind[s] == _CHAR and arg[s](ch)]
        nfa = self._closure(targets, at_start=False, at_end=False) | self._restart
        nxt = self._intern(nfa)
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
            state = nxt
        return state.eol_accepting


def compile_regex(scanner: Scanner, source: str, offset: int) -> Regex:
    """Parse and compile ``source`` (the text between ``%``); errors point into the pattern."""
    tree = _Parser(scanner, source, offset).parse()
    nfa = _NFA(scanner, offset, len(source))
    match = nfa.add(_MATCH)
    start = nfa.build(tree, match)
    return Regex(source, nfa, start)
