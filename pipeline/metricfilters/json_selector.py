"""JSON patterns: ``{ $.a.b = "x" && ($.n > 3 || $.c IS NULL) }``.

Parse: selector text -> steps; the boolean expression -> a small tree (``_Or``, ``_And``,
``_Compare``, ``_Test``, ``_InSet``). Match: the message is decoded once (orjson) and the tree is
evaluated on the decoded object. A message that is not a JSON object never matches.

Semantics worth knowing (also in docs/metric-filters.md):
* a selector that lands on an array or object never matches, for ``=`` and ``!=`` alike (doc);
* a missing property matches only ``NOT EXISTS``; ``!=`` on a missing property is false (our
  choice; AWS is silent);
* with a wildcard selector (``[*]``, ``.*``) the comparison holds if it holds for any selected
  element; ``NOT EXISTS`` holds if nothing is selected.
"""

from __future__ import annotations

import json
from typing import Any

from .lexer import Scanner
from .values import EQ, Value, as_text, parse_value, read_operator

try:  # orjson is a project dependency; json is the fallback (and handles ints > 64 bits)
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None

__all__ = ["Selector", "parse_json_pattern", "parse_selector", "decode_json_object", "MISSING"]

_MAX_WILDCARD_SELECTORS = 3  # per compound pattern (doc)
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_KEY, _INDEX, _ANY = range(3)


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def decode_json_object(message: str) -> Any:
    """The decoded message if it is a JSON object, else MISSING. Never raises."""
    stripped = message.lstrip()
    if not stripped.startswith("{"):
        return MISSING
    try:
        doc = _orjson.loads(message) if _orjson is not None else json.loads(message)
    except Exception:  # orjson: invalid JSON, or integers beyond 64 bits
        try:
            doc = json.loads(message)
        except (ValueError, RecursionError):
            return MISSING
    return doc if isinstance(doc, dict) else MISSING


class Selector:
    """``$.a[0].*``-style path; :meth:`resolve` returns the selected values (a list)."""

    __slots__ = ("text", "steps", "wildcard")

    def __init__(self, text: str, steps: tuple[tuple[int, Any], ...]):
        self.text = text
        self.steps = steps
        self.wildcard = any(kind == _ANY for kind, _ in steps)

    def __repr__(self) -> str:
        return self.text

    def resolve_one(self, doc: Any) -> Any:
        """The single selected value, or MISSING (selectors without wildcards)."""
        cur = doc
        for kind, arg in self.steps:
            if kind == _KEY:
                if type(cur) is not dict:
                    return MISSING
                cur = cur.get(arg, MISSING)
                if cur is MISSING:
                    return MISSING
            else:  # _INDEX
                if type(cur) is not list or not 0 <= arg < len(cur):
                    return MISSING
                cur = cur[arg]
        return cur

    def resolve(self, doc: Any) -> list[Any]:
        if not self.wildcard:
            one = self.resolve_one(doc)
            return [] if one is MISSING else [one]
        current = [doc]
        for kind, arg in self.steps:
            nxt = []
            for cur in current:
                if kind == _KEY:
                    if type(cur) is dict and arg in cur:
                        nxt.append(cur[arg])
                elif kind == _INDEX:
                    if type(cur) is list and 0 <= arg < len(cur):
                        nxt.append(cur[arg])
                else:
                    if type(cur) is dict:
                        nxt.extend(cur.values())
                    elif type(cur) is list:
                        nxt.extend(cur)
            current = nxt
        return current


def parse_selector(scanner: Scanner, *, allow_wildcard: bool = True) -> Selector:
    """``$.name``, ``.name``, ``[n]``, ``['a.b']``, ``[*]``, ``.*`` — at most one wildcard."""
    start = scanner.pos
    if not scanner.startswith("$."):
        scanner.fail("a JSON selector must start with '$.'")
    scanner.pos += 1  # at the '.'
    steps: list[tuple[int, Any]] = []
    text = scanner.text
    while not scanner.at_end():
        c = scanner.peek()
        if c == ".":
            scanner.pos += 1
            nc = scanner.peek()
            if nc == "*":
                scanner.pos += 1
                steps.append((_ANY, None))
            elif nc == "[":
                continue  # $.['a.b']
            else:
                name = scanner.read_while(_NAME_CHARS)
                if not name:
                    scanner.fail("expected a property name after '.' (letters, digits, '-' and "
                                 "'_'; use ['name'] for other characters)")
                steps.append((_KEY, name))
        elif c == "[":
            bracket = scanner.pos
            scanner.pos += 1
            nc = scanner.peek()
            if nc == "*":
                scanner.pos += 1
                steps.append((_ANY, None))
            elif nc in ("'", '"'):
                close = text.find(nc + "]", scanner.pos + 1, scanner.end)
                if close < 0:
                    scanner.fail("unterminated ['...'] in selector", bracket)
                name = text[scanner.pos + 1:close]
                if not name:
                    scanner.fail("empty property name in selector", bracket)
                steps.append((_KEY, name))
                scanner.pos = close + 2
                continue
            else:
                digits = scanner.read_while("0123456789")
                if not digits:
                    scanner.fail("expected an array index, '*' or a quoted name after '['")
                steps.append((_INDEX, int(digits)))
            if scanner.peek() != "]":
                scanner.fail("expected ']' in selector")
            scanner.pos += 1
        else:
            break
    if not steps:
        scanner.fail("empty JSON selector", start)
    wildcards = sum(1 for kind, _ in steps if kind == _ANY)
    if wildcards:
        if not allow_wildcard:
            scanner.fail("a wildcard selector is not allowed here", start)
        if wildcards > 1:
            scanner.fail("a selector can contain at most one wildcard ([*] or .*)", start)
        scanner.wildcard_selectors += 1
        if scanner.wildcard_selectors > _MAX_WILDCARD_SELECTORS:
            scanner.fail(f"a filter pattern can contain at most {_MAX_WILDCARD_SELECTORS} "
                         "wildcard selectors", start)
    if scanner.peek() and scanner.peek() not in " \t\r\n=!<>)}&|":
        scanner.fail(f"unexpected character {scanner.peek()!r} in selector")
    return Selector(text[start:scanner.pos], tuple(steps))


# -- expression tree ---------------------------------------------------------------------


class _Compare:
    __slots__ = ("selector", "op", "value")

    def __init__(self, selector: Selector, op: str, value: Value):
        self.selector, self.op, self.value = selector, op, value

    def __repr__(self) -> str:
        return f"({self.selector} {self.op} {self.value!r})"

    def __call__(self, doc: Any) -> bool:
        sel = self.selector
        if not sel.wildcard:
            cand = sel.resolve_one(doc)
            if cand is MISSING or type(cand) is dict or type(cand) is list:
                return False
            return self.value.holds(self.op, cand)
        for cand in sel.resolve(doc):
            if type(cand) is dict or type(cand) is list:
                continue
            if self.value.holds(self.op, cand):
                return True
        return False


class _Test:
    """``IS NULL`` / ``IS TRUE`` / ``IS FALSE`` / ``NOT EXISTS``."""

    __slots__ = ("selector", "test")

    def __init__(self, selector: Selector, test: str):
        self.selector, self.test = selector, test

    def __repr__(self) -> str:
        return f"({self.selector} {self.test})"

    def __call__(self, doc: Any) -> bool:
        found = self.selector.resolve(doc)
        if self.test == "NOT EXISTS":
            return not found
        want = {"IS NULL": None, "IS TRUE": True, "IS FALSE": False}[self.test]
        return any(c is want for c in found)


class _InSet:
    """``$.x = "A" || $.x = "B" || ...`` folded into one lookup (the CIS patterns are this)."""

    __slots__ = ("selector", "literals")

    def __init__(self, selector: Selector, literals: frozenset[str]):
        self.selector, self.literals = selector, literals

    def __repr__(self) -> str:
        return f"({self.selector} IN {sorted(self.literals)})"

    def __call__(self, doc: Any) -> bool:
        cand = self.selector.resolve_one(doc)
        if isinstance(cand, str):
            return cand in self.literals
        if cand is MISSING or type(cand) is dict or type(cand) is list:
            return False
        text = as_text(cand)
        return text is not None and text in self.literals


class _And:
    __slots__ = ("parts",)

    def __init__(self, parts):
        self.parts = tuple(parts)

    def __repr__(self) -> str:
        return "(" + " && ".join(map(repr, self.parts)) + ")"

    def __call__(self, doc: Any) -> bool:
        for part in self.parts:
            if not part(doc):
                return False
        return True


class _Or:
    __slots__ = ("parts",)

    def __init__(self, parts):
        parts = list(parts)
        # fold plain string equalities on the same selector into one set lookup
        by_selector: dict[str, list[_Compare]] = {}
        for p in parts:
            if (isinstance(p, _Compare) and p.op == EQ and not p.selector.wildcard
                    and p.value.literal is not None):
                by_selector.setdefault(p.selector.text, []).append(p)
        folded: list = []
        done: set[str] = set()
        for p in parts:
            key = p.selector.text if isinstance(p, _Compare) else None
            group = by_selector.get(key) if key is not None else None
            if group and len(group) > 1 and p in group:
                if key not in done:
                    done.add(key)
                    folded.append(_InSet(p.selector, frozenset(g.value.literal for g in group)))
                continue
            folded.append(p)
        self.parts = tuple(folded)

    def __repr__(self) -> str:
        return "(" + " || ".join(map(repr, self.parts)) + ")"

    def __call__(self, doc: Any) -> bool:
        for part in self.parts:
            if part(doc):
                return True
        return False


def required_literals(tree) -> tuple[Selector, frozenset[str]] | None:
    """(selector, texts) such that ``tree`` can only hold on a document whose value at the
    selector, compared as text, is one of the texts; None when the pattern has no such condition.
    A filter set uses it to skip filters by one look-up (MetricFilterSet)."""
    if isinstance(tree, _InSet):
        return tree.selector, tree.literals
    if isinstance(tree, _Compare):
        if tree.op == EQ and not tree.selector.wildcard and tree.value.literal is not None:
            return tree.selector, frozenset((tree.value.literal,))
        return None
    if isinstance(tree, _And):
        for part in tree.parts:  # every part must hold: any part's condition is the whole's
            found = required_literals(part)
            if found is not None:
                return found
        return None
    if isinstance(tree, _Or):  # one part must hold: a condition only if all share a selector
        found = [required_literals(part) for part in tree.parts]
        if not found or any(f is None for f in found) or len({f[0].text for f in found}) != 1:
            return None
        return found[0][0], frozenset().union(*(f[1] for f in found))
    return None


def text_at(selector: Selector, doc: Any) -> str | None:
    """The value at a wildcard-free selector compared as text (as _InSet does), or None."""
    cand = selector.resolve_one(doc)
    if type(cand) is str:
        return cand
    if cand is MISSING or type(cand) is dict or type(cand) is list:
        return None
    return as_text(cand)


# -- parser ------------------------------------------------------------------------------


def _parse_or(s: Scanner):
    parts = [_parse_and(s)]
    while True:
        s.skip_ws()
        if s.startswith("||"):
            s.pos += 2
            parts.append(_parse_and(s))
        else:
            break
    if len(parts) == 1:
        return parts[0]
    node = _Or(parts)
    return node.parts[0] if len(node.parts) == 1 else node


def _parse_and(s: Scanner):
    parts = [_parse_primary(s)]
    while True:
        s.skip_ws()
        if s.startswith("&&"):
            s.pos += 2
            parts.append(_parse_primary(s))
        else:
            break
    return parts[0] if len(parts) == 1 else _And(parts)


def _word(s: Scanner) -> str:
    s.skip_ws()
    return s.read_while("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _parse_primary(s: Scanner):
    s.skip_ws()
    c = s.peek()
    if c == "(":
        s.pos += 1
        inner = _parse_or(s)
        s.skip_ws()
        if s.peek() != ")":
            s.fail("expected ')'" if not s.at_end() else "unbalanced '(': missing ')'")
        s.pos += 1
        return inner
    if c == "$":
        selector = parse_selector(s)
        s.skip_ws()
        word_pos = s.pos
        if s.peek().isalpha():
            word = _word(s)
            if word == "IS":
                what_pos = s.pos
                what = _word(s)
                if what == "NOT":
                    s.fail("'IS NOT' is not supported; use '!=' or 'NOT EXISTS'", word_pos)
                if what not in ("NULL", "TRUE", "FALSE"):
                    s.fail("expected NULL, TRUE or FALSE after IS", what_pos)
                return _Test(selector, f"IS {what}")
            if word == "NOT":
                what_pos = s.pos
                if _word(s) != "EXISTS":
                    s.fail("expected EXISTS after NOT", what_pos)
                return _Test(selector, "NOT EXISTS")
            if word == "EXISTS":
                s.fail("'EXISTS' is not supported; use NOT EXISTS, or '= *' for presence",
                       word_pos)
            s.fail(f"unexpected word {word!r} after selector; expected an operator, IS or NOT "
                   "EXISTS", word_pos)
        op = read_operator(s)
        if op is None:
            s.fail("expected an operator (=, !=, <, >, <=, >=), IS or NOT EXISTS after selector")
        return _Compare(selector, op, parse_value(s, op))
    if c == "'":
        s.check_single_quote()
    if not c:
        s.fail("expected a comparison")
    if c == ")":
        s.fail("unbalanced ')'")
    s.fail("expected a selector starting with '$.' or '('")


def parse_json_pattern(s: Scanner):
    """Parse ``{ ... }`` starting at the cursor (the caller checked the braces); returns a
    callable ``doc -> bool``."""
    open_pos = s.pos
    close_pos = s.text.rstrip().rfind("}")
    if not s.text.rstrip().endswith("}"):
        s.fail("If a filter pattern starts with '{' it must end with '}'", len(s.text.rstrip()))
    s.pos = open_pos + 1
    s.end = close_pos
    s.skip_ws()
    if s.at_end():
        s.fail("empty JSON pattern '{ }'", open_pos)
    tree = _parse_or(s)
    s.skip_ws()
    if not s.at_end():
        c = s.peek()
        if c == ")":
            s.fail("unbalanced ')'")
        if c in "}{":
            s.fail(f"unbalanced '{c}'")
        if c == "'":
            s.check_single_quote()
        s.fail("expected '&&', '||' or the end of the pattern")
    return tree
