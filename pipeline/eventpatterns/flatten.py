"""Event → (path, value, array trail) leaves, visiting only paths some rule uses.

Example, with rules using ``detail.state`` and ``detail.items.id``::

    {"detail": {"state": "on", "items": [{"id": 1}, {"id": 2, "x": 3}], "big": {...}}}
    → ("detail.state", "on", ()),
      ("detail.items.id", 1, ((1, 0),)),
      ("detail.items.id", 2, ((1, 1),))

``detail.big`` and ``detail.items.x`` are never walked. The trail names, for each array the
value sits in, (array serial number within this event, element index); two leaves whose trails
give the same array different indices come from different elements, which the machine uses for
AWS's array-consistent matching. Objects inside arrays contribute their fields under the
array's path ("crushing"); arrays of arrays get one trail entry per level. Keys are joined with
``.``, so an event key ``"state.status"`` and nested ``state: {status: ..}`` give the same path.
"""

from __future__ import annotations

from typing import Any, Iterable

__all__ = ["PathFilter", "flatten"]

Leaf = tuple[str, Any, tuple[tuple[int, int], ...]]


class PathFilter:
    """The leaf paths rules use and every dot-boundary prefix of them."""

    __slots__ = ("leaves", "inner", "wanted", "children")

    def __init__(self, paths: Iterable[str]) -> None:
        self.leaves = frozenset(paths)
        inner = set()
        for path in self.leaves:
            position = path.find(".")
            while position != -1:
                inner.add(path[:position])
                position = path.find(".", position + 1)
        self.inner = frozenset(inner)
        self.wanted = self.leaves | self.inner
        # inner path -> {event key: child path} for every wanted child path, so walking an
        # object is one dict look-up per key instead of building "path.key" first. A key may
        # itself contain dots ("b.c" under "a" gives "a.b.c"), hence every dot-boundary split.
        children: dict[str, dict[str, str]] = {}
        for path in self.wanted:
            position = path.find(".")
            while position != -1:
                children.setdefault(path[:position], {})[path[position + 1:]] = path
                position = path.find(".", position + 1)
        self.children = children


def flatten(event: Any, paths: PathFilter) -> list[Leaf]:
    """Leaves of ``event`` at paths in ``paths`` (document order)."""
    out: list[Leaf] = []
    if type(event) is not dict:
        return out
    leaves = paths.leaves
    wanted = paths.wanted
    children = paths.children
    serial = 0

    def walk(value: Any, path: str, trail: tuple) -> None:
        nonlocal serial
        kind = type(value)
        if kind is dict:
            kids = children.get(path)
            if kids is None:  # not an inner path
                return
            for key, child in value.items():
                child_path = kids.get(key)
                if child_path is not None:
                    walk(child, child_path, trail)
        elif kind is list:
            serial += 1
            array = serial
            for index, item in enumerate(value):
                walk(item, path, trail + ((array, index),))
        elif path in leaves:
            out.append((path, value, trail))

    for key, child in event.items():
        if key in wanted:
            kind = type(child)
            if kind is dict or kind is list:
                walk(child, key, ())
            elif key in leaves:
                out.append((key, child, ()))
    return out
