"""Unstructured term patterns: ``ERROR "Access denied" -DEBUG``, ``?ERROR ?WARN``.

* every plain term must occur in the message (case-sensitive substring, any order);
* ``-term`` must not occur;
* ``?term``: at least one must occur — but only when the pattern has nothing except ``?``
  terms. AWS: "If you combine "?" with other filter patterns, all question mark terms will be
  ignored", so ``?ERROR ?WARN REQUEST`` behaves as ``REQUEST``;
* a term with characters other than letters, digits and ``_`` must be double-quoted (doc;
  letters and digits in the Unicode sense);
  ``""`` and ``" "`` (and an empty pattern) match every message.
"""

from __future__ import annotations

from .lexer import Scanner

__all__ = ["TermsPattern", "parse_terms_pattern"]



class TermsPattern:
    __slots__ = ("include", "exclude", "optional")

    def __init__(self, include: tuple[str, ...], exclude: tuple[str, ...],
                 optional: tuple[str, ...]):
        self.include = include
        self.exclude = exclude
        # the documented rule: ? terms mixed with other terms are ignored
        self.optional = optional if not include and not exclude else ()

    def __repr__(self) -> str:
        return f"TermsPattern(include={self.include}, exclude={self.exclude}, " \
               f"optional={self.optional})"

    @property
    def matches_everything(self) -> bool:
        return not (self.include or self.exclude or self.optional)

    def __call__(self, message: str) -> bool:
        for term in self.include:
            if term not in message:
                return False
        for term in self.exclude:
            if term in message:
                return False
        if self.optional:
            for term in self.optional:
                if term in message:
                    return True
            return False
        return True


def _read_term(s: Scanner, prefix: str) -> str:
    if prefix:
        s.skip_ws()
    start = s.pos
    c = s.peek()
    if not c:
        s.fail(f"expected a term after '{prefix}'")
    if c == '"':
        text = s.read_quoted()
        if s.peek() and s.peek() not in " \t\r\n":
            s.fail("expected a blank after a quoted term")
        if prefix and not text.strip():
            s.fail(f"empty term after '{prefix}'", start)
        return text
    if c == "'":
        s.check_single_quote()
    end = start
    text = s.text
    while end < s.end and text[end] not in " \t\r\n":
        end += 1
    word = text[start:end]
    for k, ch in enumerate(word):
        if not (ch.isalnum() or ch == "_"):
            if ch == "'":
                s.fail("single-quoted strings are not supported; use double quotes", start + k)
            s.fail(f"a term containing {ch!r} must be enclosed in double quotes", start + k)
    s.pos = end
    return word


def parse_terms_pattern(s: Scanner) -> TermsPattern:
    include: list[str] = []
    exclude: list[str] = []
    optional: list[str] = []
    while True:
        s.skip_ws()
        if s.at_end():
            break
        c = s.peek()
        if c == "-":
            s.pos += 1
            exclude.append(_read_term(s, "-"))
        elif c == "?":
            s.pos += 1
            optional.append(_read_term(s, "?"))
        else:
            term = _read_term(s, "")
            if term.strip():  # "" and " " match everything
                include.append(term)
    return TermsPattern(tuple(include), tuple(exclude), tuple(optional))
