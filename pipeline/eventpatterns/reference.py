"""Brute-force matcher for one pattern and one event: the oracle for differential tests.

No indexes, no path filter, no counting: every leaf of the event is listed, every slot of every
branch tests every leaf at its path with the matchers' own ``test``, and array consistency is
checked over the full product of candidate leaves. Slow on purpose and easy to read.
"""

from __future__ import annotations

import itertools
from typing import Any

from pipeline.eventpatterns.compiler import CompiledPattern, compile_pattern

__all__ = ["reference_matches", "all_leaves"]


def all_leaves(event: Any) -> list[tuple[str, Any, dict[int, int]]]:
    """Every (dotted path, leaf value, {id(array): index}) of the event."""
    result: list[tuple[str, Any, dict[int, int]]] = []

    def walk(value: Any, path: str, trail: dict[int, int]) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                walk(child, f"{path}.{key}" if path else key, trail)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, path, {**trail, id(value): index})
        else:
            result.append((path, value, trail))

    if isinstance(event, dict):
        walk(event, "", {})
    return result


def _compatible(trails: tuple[dict[int, int], ...]) -> bool:
    for first, second in itertools.combinations(trails, 2):
        for array, index in first.items():
            if second.get(array, index) != index:
                return False
    return True


def reference_matches(pattern: str | dict | CompiledPattern, event: Any) -> bool:
    compiled = pattern if isinstance(pattern, CompiledPattern) else compile_pattern(pattern)
    leaves = all_leaves(event)
    for branch in compiled.branches:
        candidate_lists = []
        holds = True
        for slot in branch:
            at_path = [leaf for leaf in leaves if leaf[0] == slot.path]
            if slot.absent_ok and not at_path:
                continue
            candidates = [trail for _, value, trail in at_path
                          if any(matcher.test(value) for matcher in slot.matchers)]
            if not candidates:
                holds = False
                break
            candidate_lists.append(candidates)
        if not holds:
            continue
        if any(_compatible(choice) for choice in itertools.product(*candidate_lists)):
            return True
    return False
