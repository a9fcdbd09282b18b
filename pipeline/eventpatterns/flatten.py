"""Event → (path, value, array trail) leaves, visiting only paths some rule uses.

Example, with rules using ``detail.state`` and ``detail.items.id``::

    {"detail": {"state": "on", "items": [{"id": 1}, {"id": 2, "x": 3}], "big": {...}}}
    → ("detail.state", "on", ()),
      ("detail.items.id", 1, ((1, 0),)),
      ("detail.items.id", 2, ((1, 1),))     (in stack order, see ``flatten``)

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

    __slots__ = ("leaves", "inner", "wanted", "children", "root")

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
        self.root = {path: path for path in self.wanted}  # a top-level key is its own path


_MISSING = object()


def flatten(event: Any, paths: PathFilter) -> list[Leaf]:
    """Leaves of ``event`` at paths in ``paths``.

    Iterative (an explicit stack, no nested functions or recursion: about twice as fast as a
    recursive walk in CPython), so the leaves come in stack order, not document order; nothing
    depends on the order (the machine's answers are sorted by rule). Each array gets a serial
    number when it is walked, unique within the event. An object is walked by whichever is
    shorter: its keys (one look-up each in the wanted-children map) or the wanted children
    (one ``get`` each), so a wide object with one wanted field costs one look-up.
    """
    out: list[Leaf] = []
    if type(event) is not dict:
        return out
    leaves = paths.leaves
    children = paths.children
    serial = 0
    stack: list[tuple[Any, Any, tuple]] = [(event, paths.root, ())]  # (object, its kids, trail)
    pop = stack.pop                                                   # or (array, its path, trail)
    push = stack.append
    while stack:
        value, kids, trail = pop()
        if type(value) is list:
            serial += 1
            path = kids
            kids = children.get(path)
            for index, item in enumerate(value):
                kind = type(item)
                if kind is dict:  # objects in an array: their fields are under the array's path
                    if kids is not None:
                        push((item, kids, trail + ((serial, index),)))
                elif kind is list:
                    push((item, path, trail + ((serial, index),)))
                elif path in leaves:
                    out.append((path, item, trail + ((serial, index),)))
            continue
        if len(kids) < len(value):  # fewer wanted keys than keys: look the wanted ones up
            get = value.get
            for key, child_path in kids.items():
                child = get(key, _MISSING)
                if child is _MISSING:
                    continue
                kind = type(child)
                if kind is dict:
                    grandkids = children.get(child_path)
                    if grandkids is not None:
                        push((child, grandkids, trail))
                elif kind is list:
                    push((child, child_path, trail))
                elif child_path in leaves:
                    out.append((child_path, child, trail))
            continue
        for key, child in value.items():
            child_path = kids.get(key)
            if child_path is None:
                continue
            kind = type(child)
            if kind is dict:
                grandkids = children.get(child_path)
                if grandkids is not None:  # an inner path: walk it
                    push((child, grandkids, trail))
            elif kind is list:
                push((child, child_path, trail))
            elif child_path in leaves:
                out.append((child_path, child, trail))
    return out
