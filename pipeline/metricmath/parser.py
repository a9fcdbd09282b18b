"""CloudWatch metric math expressions -> syntax trees (nested tuples).

Grammar, loosest binding first (AWS documents the operators, not their precedence; these are
the usual ones)::

    or      := and (("OR" | "||") and)*
    and     := not (("AND" | "&&") not)*
    not     := ("NOT" | "!") not | compare
    compare := sum (("==" | "!=" | "<=" | ">=" | "<" | ">") sum)?
    sum     := product (("+" | "-") product)*
    product := power (("*" | "/") power)*
    power   := unary ("^" power)?                      -- right-associative
    unary   := "-" unary | primary
    primary := number | id | FUNCTION "(" [or ("," or)*] ")" | "[" or ("," or)* "]"
             | '"' chars '"' | "REPEAT" | "LINEAR" | "(" or ")"

``id`` is a query's Id (a lower-case letter, then letters, digits, ``_``); function names are
upper case. Trees: ``("num", x)``, ``("ref", id)``, ``("str", s)``, ``("kw", word)``,
``("array", items)``, ``("call", NAME, args)``, ``("bin", op, left, right)``, ``("not", x)``,
``("neg", x)``.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.metricmath.errors import MetricMathError

__all__ = ["parse_expression", "references"]

MAX_EXPRESSION_CHARS = 2048  # MetricDataQuery.Expression's length limit
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>"[^"]*"|'[^']*')
  | (?P<op>==|!=|<=|>=|&&|\|\||[-+*/^<>!(),\[\]])
""", re.VERBOSE)
_COMPARE = ("==", "!=", "<=", ">=", "<", ">")
_KEYWORDS = ("REPEAT", "LINEAR")


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise MetricMathError(f"Error in expression at position {position}: unexpected {text[position]!r}")
        kind = match.lastgroup
        if kind != "space":
            out.append((kind, match.group(), position))
        position = match.end()
    out.append(("end", "", len(text)))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.at]

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def accept(self, *values: str) -> str | None:
        kind, value, _ = self.peek()
        if kind in ("op", "word") and value in values:
            self.at += 1
            return value
        return None

    def expect(self, value: str) -> None:
        if self.accept(value) is None:
            kind, found, position = self.peek()
            raise MetricMathError(f"Error in expression at position {position}: expected {value!r}, found "
                                  f"{found!r}" if kind != "end" else
                                  f"Error in expression: expected {value!r} at the end")

    def parse(self) -> Any:
        tree = self.parse_or()
        kind, value, position = self.peek()
        if kind != "end":
            raise MetricMathError(f"Error in expression at position {position}: unexpected {value!r}")
        return tree

    def parse_or(self) -> Any:
        tree = self.parse_and()
        while self.accept("OR", "||"):
            tree = ("bin", "OR", tree, self.parse_and())
        return tree

    def parse_and(self) -> Any:
        tree = self.parse_not()
        while self.accept("AND", "&&"):
            tree = ("bin", "AND", tree, self.parse_not())
        return tree

    def parse_not(self) -> Any:
        if self.accept("NOT", "!"):
            return ("not", self.parse_not())
        return self.parse_compare()

    def parse_compare(self) -> Any:
        tree = self.parse_sum()
        op = self.accept(*_COMPARE)
        return ("bin", op, tree, self.parse_sum()) if op else tree

    def parse_sum(self) -> Any:
        tree = self.parse_product()
        while op := self.accept("+", "-"):
            tree = ("bin", op, tree, self.parse_product())
        return tree

    def parse_product(self) -> Any:
        tree = self.parse_power()
        while op := self.accept("*", "/"):
            tree = ("bin", op, tree, self.parse_power())
        return tree

    def parse_power(self) -> Any:
        base = self.parse_unary()
        return ("bin", "^", base, self.parse_power()) if self.accept("^") else base

    def parse_unary(self) -> Any:
        if self.accept("-"):
            return ("neg", self.parse_unary())
        return self.parse_primary()

    def parse_primary(self) -> Any:
        kind, value, position = self.take()
        if kind == "number":
            return ("num", float(value))
        if kind == "string":
            return ("str", value[1:-1])
        if kind == "op" and value == "(":
            tree = self.parse_or()
            self.expect(")")
            return tree
        if kind == "op" and value == "[":
            items = [self.parse_or()]
            while self.accept(","):
                items.append(self.parse_or())
            self.expect("]")
            return ("array", tuple(items))
        if kind == "word":
            if self.accept("("):
                if not value.isupper():
                    raise MetricMathError(f"Error in expression at position {position}: function names are upper "
                                          f"case: {value.upper()}")
                args = []
                if self.accept(")") is None:
                    args.append(self.parse_or())
                    while self.accept(","):
                        args.append(self.parse_or())
                    self.expect(")")
                return ("call", value, tuple(args))
            if value in _KEYWORDS:
                return ("kw", value)
            if value[0].islower():
                return ("ref", value)
            raise MetricMathError(f"Error in expression at position {position}: unknown name {value!r} (query "
                                  "Ids start with a lower-case letter)")
        if kind == "end":
            raise MetricMathError(f"Error in expression at position {position}: it ends where a value is expected")
        raise MetricMathError(f"Error in expression at position {position}: unexpected {value!r}")


def parse_expression(text: str) -> Any:
    """The syntax tree of ``text``; MetricMathError with the position of the problem."""
    if not isinstance(text, str) or not text.strip():
        raise MetricMathError("The expression is empty.")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise MetricMathError(f"The expression is longer than {MAX_EXPRESSION_CHARS} characters.")
    return _Parser(text).parse()


def references(tree: Any) -> set[str]:
    """The query Ids a tree reads (``METRICS()`` is resolved by the evaluator, not here)."""
    kind = tree[0]
    if kind == "ref":
        return {tree[1]}
    if kind in ("not", "neg"):
        return references(tree[1])
    if kind == "bin":
        return references(tree[2]) | references(tree[3])
    if kind == "array":
        return set().union(*(references(item) for item in tree[1]))
    if kind == "call":
        return set().union(set(), *(references(arg) for arg in tree[2]))
    return set()
