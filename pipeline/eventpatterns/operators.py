"""One small class per match type.

Each matcher is a frozen, hashable value (so identical matchers of different rules are shared in
the machine) with ``test(value)``: does this one leaf value of an event satisfy it?  ``test`` is
what the reference oracle uses; the machine indexes the same parameters instead of calling it
(see machine.py), so both must agree on the semantics written here:

* strings are compared byte for byte; the ignore-case variants compare ``str.lower()`` forms
  (event-ruler folds case per character too; Unicode special cases like ``ß`` are not folded);
* numbers compare numerically (``300`` = ``300.0`` = ``3e2``); booleans are never numbers;
* prefix/suffix/equals-ignore-case/wildcard/cidr only ever match strings;
* anything-but is "not (any of its positive parts)", so a value of another type matches it.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Exact",
    "Prefix",
    "Suffix",
    "EqualsIgnoreCase",
    "Wildcard",
    "Numeric",
    "Cidr",
    "Exists",
    "AnythingBut",
    "is_number",
    "ip_to_int",
]

_INF = float("inf")


def is_number(value: Any) -> bool:
    return (type(value) is int or type(value) is float)


def literal_key(value: Any) -> Any:
    """A dict key that keeps ``true``/``1``/``"1"`` apart but makes ``300`` equal ``300.0``."""
    if value is True:
        return ("l", "true")
    if value is False:
        return ("l", "false")
    if value is None:
        return ("l", "null")
    return value


@dataclass(frozen=True)
class Exact:
    """A JSON literal: string, number (numeric equality), true, false or null."""

    value: Any = field(compare=False)
    key: Any = field(init=False, repr=False)  # equality and hash: 300 = 300.0, true != 1

    def __post_init__(self) -> None:
        value = self.value
        key = ("s", value) if isinstance(value, str) else literal_key(value)
        object.__setattr__(self, "key", key)

    def test(self, value: Any) -> bool:
        pattern = self.value
        if isinstance(pattern, str):
            return isinstance(value, str) and value == pattern
        if pattern is None or pattern is True or pattern is False:
            return value is pattern
        return is_number(value) and value == pattern


@dataclass(frozen=True)
class Prefix:
    text: str
    ignore_case: bool = False

    def test(self, value: Any) -> bool:
        if not isinstance(value, str):
            return False
        if self.ignore_case:
            return value.lower().startswith(self.text.lower())
        return value.startswith(self.text)


@dataclass(frozen=True)
class Suffix:
    text: str
    ignore_case: bool = False

    def test(self, value: Any) -> bool:
        if not isinstance(value, str):
            return False
        if self.ignore_case:
            return value.lower().endswith(self.text.lower())
        return value.endswith(self.text)


@dataclass(frozen=True)
class EqualsIgnoreCase:
    text: str

    def test(self, value: Any) -> bool:
        return isinstance(value, str) and value.lower() == self.text.lower()


@dataclass(frozen=True)
class Wildcard:
    """``*`` is zero or more of any character; ``\\*`` a literal star, ``\\\\`` a backslash.

    ``parts`` holds the literal pieces between stars, so ``a*b*`` is ``("a", "b", "")``.
    """

    text: str
    parts: tuple[str, ...] = field(compare=False, hash=False, default=())
    regex: Any = field(compare=False, hash=False, default=None, repr=False)

    @property
    def literal_prefix(self) -> str:
        return self.parts[0]

    @property
    def literal_suffix(self) -> str:
        return self.parts[-1] if len(self.parts) > 1 else ""

    def test(self, value: Any) -> bool:
        return isinstance(value, str) and self.regex.fullmatch(value) is not None


def make_wildcard(text: str, parts: list[str]) -> Wildcard:
    regex = re.compile(".*".join(re.escape(p) for p in parts), re.DOTALL)
    return Wildcard(text=text, parts=tuple(parts), regex=regex)


@dataclass(frozen=True)
class Numeric:
    """``lower < value < upper`` with each bound open or closed; ``=`` is ``[x, x]``."""

    lower: float = -_INF
    lower_closed: bool = False
    upper: float = _INF
    upper_closed: bool = False

    def test(self, value: Any) -> bool:
        if not is_number(value):
            return False
        if value < self.lower or (value == self.lower and not self.lower_closed):
            return False
        if value > self.upper or (value == self.upper and not self.upper_closed):
            return False
        return True


def ip_to_int(text: str) -> tuple[int, int] | None:
    """``(family, integer)`` of an IP address string, None if it is not one."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.version, int(address)


@dataclass(frozen=True)
class Cidr:
    """An address range; host bits in the pattern are ignored (``10.0.0.7/24`` = the /24)."""

    text: str
    family: int
    low: int
    high: int

    def test(self, value: Any) -> bool:
        if not isinstance(value, str):
            return False
        parsed = ip_to_int(value)
        if parsed is None or parsed[0] != self.family:
            return False
        return self.low <= parsed[1] <= self.high


@dataclass(frozen=True)
class Exists:
    """``exists: true`` (a leaf value is present, null counts); false is handled per field."""

    present: bool

    def test(self, value: Any) -> bool:  # only called with a leaf value that is present
        return self.present


@dataclass(frozen=True)
class AnythingBut:
    """Matches a present leaf value that none of ``excluded`` matches."""

    excluded: tuple[Any, ...]

    def test(self, value: Any) -> bool:
        return not any(part.test(value) for part in self.excluded)
