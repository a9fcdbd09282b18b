"""Refuse patterns whose wildcards would make matching slow.

AWS refuses some wildcard patterns with "Rule is too complex ..." but publishes no threshold.
event-ruler's ``MachineComplexityEvaluator`` measures how many wildcard-pattern positions a
worst-case input can keep alive at the same time. We measure the same idea directly: the
wildcards of one rule on one field form an NFA (one state per literal position, stars loop);
we explore its subset automaton over the pattern's own characters plus "any other character"
and take the largest set of simultaneously active states.

Calibration against the AWS recordings (eventbridge.md §1.5): ``*:*:*:*:*:event-bus/*`` is
refused, ``/Users/*/dir/dir/dir/dir/dir/doc.txt`` and ``arn:aws:events:us-east-1:*:event-bus/*``
are accepted. event-ruler scores them 11, 7 and 3; our measure (which also counts the star
state itself) gives 12, 8 and 4 (see tests), so AWS's limit lies in 8..11 on our scale and we
refuse above :data:`MAX_COMPLEXITY` = 10. Exploration stops at
:data:`_MAX_SUBSETS` subsets (pattern length is capped at 4096 chars anyway); a pattern that
reaches the cap is treated as too complex.
"""

from __future__ import annotations

from typing import Iterable

from pipeline.eventpatterns.operators import Wildcard

__all__ = ["MAX_COMPLEXITY", "TOO_COMPLEX", "wildcard_complexity"]

MAX_COMPLEXITY = 10
TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
    "sequences after a wildcard character"
)
_MAX_SUBSETS = 20_000  # subset-automaton states explored before giving up (cost bound, not AWS's)
_STAR = None


def _tokens(wildcard: Wildcard) -> list[str | None]:
    tokens: list[str | None] = []
    for index, part in enumerate(wildcard.parts):
        if index:
            tokens.append(_STAR)
        tokens.extend(part)
    return tokens


def wildcard_complexity(wildcards: Iterable[Wildcard]) -> int:
    """Largest number of NFA states a single input keeps alive (0 for no wildcard)."""
    machines = [_tokens(w) for w in wildcards]
    if not machines:
        return 0
    alphabet = {t for tokens in machines for t in tokens if t is not _STAR}
    alphabet.add("\x00other")

    def closure(states: Iterable[tuple[int, int]]) -> frozenset[tuple[int, int]]:
        result = set()
        stack = list(states)
        while stack:
            m, i = stack.pop()
            if (m, i) in result:
                continue
            result.add((m, i))
            tokens = machines[m]
            if i < len(tokens) and tokens[i] is _STAR:
                stack.append((m, i + 1))
        return frozenset(result)

    def live(states: frozenset[tuple[int, int]]) -> int:
        # states that can still consume input; a finished pattern keeps nothing alive
        return sum(1 for m, i in states if i < len(machines[m]))

    start = closure((m, 0) for m in range(len(machines)))
    seen = {start}
    frontier = [start]
    worst = live(start)
    while frontier:
        states = frontier.pop()
        for char in alphabet:
            moved = []
            for m, i in states:
                tokens = machines[m]
                if i >= len(tokens):
                    continue
                token = tokens[i]
                if token is _STAR:
                    moved.append((m, i))
                elif token == char:
                    moved.append((m, i + 1))
            if not moved:
                continue
            nxt = closure(moved)
            if nxt in seen:
                continue
            seen.add(nxt)
            if len(seen) > _MAX_SUBSETS:
                return MAX_COMPLEXITY + 1_000
            worst = max(worst, live(nxt))
            frontier.append(nxt)
    return worst
