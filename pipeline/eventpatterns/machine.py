"""All rules of a bus in one matcher; built whole, then swapped in.

Contract (as event-ruler's GenericMachine): one writer, many readers. A :class:`Machine` is never
changed after ``__init__``; :class:`RuleSet` builds a new one from an immutable snapshot of the
compiled rules and publishes it with one attribute assignment, so a reader holds either the old
or the new machine, never a half-built one.

How an event is matched:

1. flatten the event once, visiting only paths some rule uses (flatten.py);
2. for each leaf on a key path (step 3), probe the path's :class:`_ValueIndex`, shared by all rules:
   exact strings/numbers/literals and equals-ignore-case are dict lookups; prefixes and suffixes
   are dict lookups of ``value[:n]`` for each distinct pattern length ``n``, longest first, and
   stop at the first hit (each affix maps to its whole chain of shorter affixes, so nested
   prefixes ``M``, ``MI``, ``MIS`` cost one hit, not three); numeric ranges and CIDRs are a
   bisect into sorted interval end points (segment → slots, filled on first use); wildcards
   are filtered by their literal prefix or suffix before the regex runs; anything-but is
   "every anything-but slot of the path minus those the value is excluded by" (so its cost is
   proportional to the anything-but slots on that path — it matches most of them anyway);
3. each branch (an AND of field conditions, one per ``$or`` combination) is indexed under one
   *key slot* only, its most selective condition; branches sharing a key matcher form a
   *group*, and a probe hit yields groups (the groups of one look-up — an affix chain — are
   merged into one at build time). A group holds: the rules whose branch is the key slot
   alone (matched outright, as a sorted tuple); for branches with a second required slot of
   exact strings, a table {second path: {string: (rules complete with it, branches with more
   slots)}} probed with the event's leaves at that path — so rules sharing a key but differing
   in, say, ``ST_TYPE`` cost one dict look-up per group, not one verification each; the other
   branches become candidates;
4. a candidate's other conditions are tested directly against the event's leaves at their paths
   (memoised per event, as identical conditions are shared), then ``exists: false``
   alternatives and, only if some leaf came from an array, array consistency (one element per
   array across the branch's fields) are checked (with arrays in the event, every branch of a
   hit group is verified this way, as the second-level table does not track elements).
   Branches with no required condition (only ``exists: false``) are checked on every event.

Cost per event: flatten (fields some rule uses) + one probe per key-indexed leaf + one visit
per hit group + the second-level look-ups + verification of candidates + the output. It grows
with the number of rules only through the groups and candidates whose conditions hold (i.e.
through output-like quantities), the distinct prefix/suffix lengths on a path, anything-but
slots on a path and unanchored wildcards.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from typing import Any, Callable, Iterable

from pipeline.eventpatterns.compiler import CompiledPattern, Slot, compile_pattern
from pipeline.eventpatterns.flatten import PathFilter, flatten
from pipeline.eventpatterns.operators import (
    AnythingBut,
    Cidr,
    EqualsIgnoreCase,
    Exact,
    Exists,
    Numeric,
    Prefix,
    Suffix,
    Wildcard,
    ip_to_int,
)

__all__ = ["Machine", "RuleSet"]


class _Intervals:
    """Interval stabbing over sorted end points; each segment's answer is cached on first use."""

    __slots__ = ("items", "points", "cache")

    def __init__(self) -> None:
        self.items: list[tuple[Any, tuple[int, ...]]] = []  # (matcher with .test, ids)
        self.points: list[float] = []
        self.cache: dict[tuple[int, bool], tuple[int, ...]] = {}

    def add(self, matcher: Any, low: float, high: float, ids: tuple[int, ...]) -> None:
        self.items.append((matcher, ids))
        self.points.extend(p for p in (low, high) if p not in (float("inf"), float("-inf")))

    def finish(self) -> None:
        self.points = sorted(set(self.points))

    def probe(self, number: Any, test_value: Any) -> tuple[int, ...]:
        points = self.points
        index = bisect_left(points, number)
        key = (index, index < len(points) and points[index] == number)
        found = self.cache.get(key)
        if found is None:
            # every number in this segment (or on this point) gives the same answer
            found = tuple(i for matcher, ids in self.items if matcher.test(test_value) for i in ids)
            self.cache[key] = found
        return found


class _ValueIndex:
    """Every positive matcher on one path, indexed; ``probe`` appends id tuples to ``out``."""

    def __init__(self) -> None:
        self.strings: dict[str, tuple[int, ...]] = {}
        self.numbers: dict[Any, tuple[int, ...]] = {}
        self.literals: dict[Any, tuple[int, ...]] = {}
        self.ignore_case: dict[str, tuple[int, ...]] = {}
        self.affixes: list[tuple[bool, bool, list[int], dict[str, tuple[int, ...]]]] = []
        self._affix_maps: dict[tuple[bool, bool], dict[str, tuple[int, ...]]] = {}
        self.numeric = _Intervals()
        self.cidr = {4: _Intervals(), 6: _Intervals()}
        self.has_cidr = False
        self.wild_prefix: dict[str, list[tuple[Wildcard, tuple[int, ...]]]] = {}
        self.wild_prefix_lengths: list[int] = []
        self.wild_suffix: dict[str, list[tuple[Wildcard, tuple[int, ...]]]] = {}
        self.wild_suffix_lengths: list[int] = []
        self.wild_other: list[tuple[Wildcard, tuple[int, ...]]] = []
        self.wildcards = False
        self.any_value: tuple[int, ...] = ()
        self.string_ops = False

    def add(self, matcher: Any, ids: tuple[int, ...]) -> None:
        kind = type(matcher)
        if kind is Exact:
            value = matcher.value
            if isinstance(value, str):
                self.strings[value] = self.strings.get(value, ()) + ids
            elif value is None or value is True or value is False:
                self.literals[matcher.key] = self.literals.get(matcher.key, ()) + ids
            else:
                self.numbers[value] = self.numbers.get(value, ()) + ids
        elif kind is Wildcard and len(matcher.parts) == 1:
            self.add(Exact(matcher.parts[0]), ids)
        elif kind is Prefix or kind is Suffix:
            self.string_ops = True
            key = (kind is Prefix, matcher.ignore_case)
            table = self._affix_maps.setdefault(key, {})
            text = matcher.text.lower() if matcher.ignore_case else matcher.text
            table[text] = table.get(text, ()) + ids
        elif kind is EqualsIgnoreCase:
            self.string_ops = True
            text = matcher.text.lower()
            self.ignore_case[text] = self.ignore_case.get(text, ()) + ids
        elif kind is Numeric:
            self.numeric.add(matcher, matcher.lower, matcher.upper, ids)
        elif kind is Cidr:
            self.has_cidr = True
            self.cidr[matcher.family].add(_CidrTest(matcher), matcher.low, matcher.high, ids)
        elif kind is Wildcard:
            self.string_ops = True
            prefix, suffix = matcher.literal_prefix, matcher.literal_suffix
            if prefix:
                self.wild_prefix.setdefault(prefix, []).append((matcher, ids))
            elif suffix:
                self.wild_suffix.setdefault(suffix, []).append((matcher, ids))
            else:
                self.wild_other.append((matcher, ids))
        elif kind is Exists:
            self.any_value += ids
        else:  # pragma: no cover - the compiler produces nothing else
            raise TypeError(f"cannot index {matcher!r}")

    def finish(self) -> None:
        for (is_prefix, ignore_case), table in self._affix_maps.items():
            # Longest match first: the affixes a value has are exactly the table's affixes of
            # its longest one, so each text maps to the ids of its whole chain and a probe
            # stops at the first (longest) hit - one hit per value, however many affixes nest.
            lengths = sorted({len(text) for text in table}, reverse=True)
            chains: dict[str, tuple[int, ...]] = {}
            for text, ids in table.items():
                size = len(text)
                chain: list[int] = []
                for length in lengths:
                    if length <= size:
                        found = table.get(text[:length] if is_prefix else text[size - length:])
                        if found:
                            chain.extend(found)
                chains[text] = tuple(dict.fromkeys(chain))
            self.affixes.append((is_prefix, ignore_case, lengths, chains))
        self.numeric.finish()
        for intervals in self.cidr.values():
            intervals.finish()
        self.wildcards = bool(self.wild_prefix or self.wild_suffix or self.wild_other)
        self.wild_prefix_lengths = sorted({len(p) for p in self.wild_prefix})
        self.wild_suffix_lengths = sorted({len(s) for s in self.wild_suffix})

    def remap(self, merge: Callable[[tuple[int, ...]], tuple[int, ...]]) -> None:
        """Replace each id tuple of more than one id found by one look-up with ``merge(ids)``."""
        tables = [self.strings, self.numbers, self.literals, self.ignore_case]
        tables.extend(chains for _, _, _, chains in self.affixes)
        for table in tables:
            for key, ids in table.items():
                if len(ids) > 1:
                    table[key] = merge(ids)

    def probe(self, value: Any, out: list[tuple[int, ...]]) -> int:
        """Append the id tuples ``value`` hits; return the number of look-ups made (work units)."""
        kind = type(value)
        if self.any_value:
            out.append(self.any_value)
        if kind is str:
            work = 1
            found = self.strings.get(value)
            if found:
                out.append(found)
            if self.string_ops:
                lowered = None
                for is_prefix, ignore_case, lengths, table in self.affixes:
                    if ignore_case:
                        if lowered is None:
                            lowered = value.lower()
                        text = lowered
                    else:
                        text = value
                    size = len(text)
                    for length in lengths:  # longest first; the first hit holds the chain
                        if length > size:
                            continue
                        work += 1
                        found = table.get(text[:length] if is_prefix else text[size - length:])
                        if found:
                            out.append(found)
                            break
                if self.ignore_case:
                    work += 1
                    found = self.ignore_case.get(lowered if lowered is not None else value.lower())
                    if found:
                        out.append(found)
                if self.wildcards:
                    work += self._probe_wildcards(value, out)
            if self.has_cidr:
                parsed = ip_to_int(value)
                if parsed is not None:
                    work += 1
                    found = self.cidr[parsed[0]].probe(parsed[1], value)
                    if found:
                        out.append(found)
            return work
        if kind is int or kind is float:
            found = self.numbers.get(value)
            if found:
                out.append(found)
            if self.numeric.items:
                found = self.numeric.probe(value, value)
                if found:
                    out.append(found)
                return 2
            return 1
        if value is None or kind is bool:
            found = self.literals.get(("l", "null" if value is None else ("true" if value else "false")))
            if found:
                out.append(found)
        return 1

    def _probe_wildcards(self, value: str, out: list[tuple[int, ...]]) -> int:
        work = 0
        size = len(value)
        for length in self.wild_prefix_lengths:
            if length > size:
                break
            work += 1
            for wildcard, ids in self.wild_prefix.get(value[:length], ()):
                work += 1
                if wildcard.regex.fullmatch(value) is not None:
                    out.append(ids)
        for length in self.wild_suffix_lengths:
            if length > size:
                break
            work += 1
            for wildcard, ids in self.wild_suffix.get(value[size - length:], ()):
                work += 1
                if wildcard.regex.fullmatch(value) is not None:
                    out.append(ids)
        for wildcard, ids in self.wild_other:
            work += 1
            if wildcard.regex.fullmatch(value) is not None:
                out.append(ids)
        return work


class _CidrTest:
    """Adapter so CIDR ranges reuse _Intervals (which calls ``test`` with the original value)."""

    __slots__ = ("cidr",)

    def __init__(self, cidr: Cidr) -> None:
        self.cidr = cidr

    def test(self, value: Any) -> bool:
        return self.cidr.test(value)


class _PathEntry:
    """Positive index (ids = slots) and anything-but index (ids = anything-but numbers)."""

    __slots__ = ("positive", "negative", "negative_slots")

    def __init__(self) -> None:
        self.positive = _ValueIndex()
        self.negative: _ValueIndex | None = None
        self.negative_slots: list[tuple[int, ...]] = []

    def probe(self, value: Any, out: list[tuple[int, ...]]) -> int:
        work = self.positive.probe(value, out)
        if self.negative is not None:
            excluded: list[tuple[int, ...]] = []
            work += self.negative.probe(value, excluded)
            if excluded:
                skip = {n for ids in excluded for n in ids}
                for number, slots in enumerate(self.negative_slots):
                    if number not in skip:
                        out.append(slots)
            else:
                out.extend(self.negative_slots)
            work += len(self.negative_slots)
        return work


_MERGE_BUDGET = 200_000  # merged-group entries allowed beyond twice the groups' own size


class _GroupMerger:
    """Folds several key groups hit by one look-up (nested prefixes, say) into one group.

    The merged group holds the union of the groups' rules, branches and second-level tables, so
    the event pays one group visit where it would pay one per nested affix. Merges are cached by
    their member set; past a size budget the ids are left unmerged (same answer, more visits).
    """

    def __init__(self, groups: list) -> None:
        self.groups = groups
        self.cache: dict[tuple[int, ...], tuple[int, ...]] = {}
        self.budget = _MERGE_BUDGET + 2 * sum(_group_size(group) for group in groups)

    def __call__(self, ids: tuple[int, ...]) -> tuple[int, ...]:
        members = tuple(sorted(set(ids)))
        if len(members) == 1:
            return members
        found = self.cache.get(members)
        if found is not None:
            return found
        rules: set[int] = set()
        checked: dict[int, None] = {}
        verify: dict[int, None] = {}
        seconds: dict[str, dict[str, tuple[set[int], dict[int, None]]]] = {}
        for member in members:
            member_rules, member_checked, member_verify, member_seconds = self.groups[member]
            rules.update(member_rules)
            checked.update(dict.fromkeys(member_checked))
            verify.update(dict.fromkeys(member_verify))
            for path, table in member_seconds:
                merged_table = seconds.setdefault(path, {})
                for value, (value_rules, value_branches) in table.items():
                    into = merged_table.setdefault(value, (set(), {}))
                    into[0].update(value_rules)
                    into[1].update(dict.fromkeys(value_branches))
        group = (tuple(sorted(rules)), tuple(checked), tuple(verify),
                 tuple((path, {value: (tuple(sorted(r)), tuple(b)) for value, (r, b) in table.items()})
                       for path, table in seconds.items()))
        size = _group_size(group)
        if size > self.budget:
            found = members
        else:
            self.budget -= size
            self.groups.append(group)
            found = (len(self.groups) - 1,)
        self.cache[members] = found
        return found


def _group_size(group: tuple) -> int:
    rules, checked, verify, seconds = group
    return len(rules) + len(checked) + len(verify) + sum(
        1 + len(r) + len(b) for _, table in seconds for r, b in table.values())


# Weights for choosing a branch's key slot: a slot costs (slots sharing its match values) x weight.
# Exact look-ups are cheapest and most selective; ranges and affixes match more values;
# exists and anything-but match almost every value, so they are key only when nothing else is.
_KIND_WEIGHT = {Exact: 1, EqualsIgnoreCase: 1, Prefix: 2, Suffix: 2, Wildcard: 3, Cidr: 4, Numeric: 4,
                Exists: 50, AnythingBut: 50}


class Machine:
    """An immutable matcher for a fixed set of compiled rules (see the module docstring).

    Each branch is indexed under one *key slot* only: the required slot with the lowest
    estimated hit rate (slots sharing its match values x a per-kind weight, _KIND_WEIGHT). A
    branch with a second required slot of exact strings is also filed under that slot's values
    inside its key *group* (all branches sharing one key matcher), so a key hit reaches the
    branches whose second field also holds by one dict look-up per group instead of one
    verification per branch - the event-ruler automaton gets the same effect by walking fields
    in order. Any other slots are then tested against the event's leaves at their paths
    (results memoised per event for slots shared by several branches). So a field that many
    rules mention with the same value (``ST_TYPE = ST``) costs neither a hit nor a check per
    rule on every event.
    """

    def __init__(self, rules: dict[str, CompiledPattern]) -> None:
        self.rule_names: list[str] = list(rules)
        usage: dict[tuple[str, Any], int] = {}
        for compiled in rules.values():
            for branch in compiled.branches:
                for slot in branch:
                    for matcher in slot.matchers:
                        usage[(slot.path, matcher)] = usage.get((slot.path, matcher), 0) + 1

        def cost(slot: Slot) -> int:
            return sum(usage[(slot.path, m)] * _KIND_WEIGHT[type(m)] for m in slot.matchers)

        interned: dict[Slot, int] = {}
        self.slots: list[Slot] = []  # verify-slot number -> slot
        self.branch_rule: list[int] = []
        # per branch, the slots to test besides the key slot: (number, path, matchers, absent_ok)
        self.branch_checks: list[tuple[tuple[int, str, tuple, bool], ...]] = []
        all_paths: list[str] = []
        # key path -> key matcher -> group number; a group is every branch with that key matcher
        positive: dict[str, dict[Any, int]] = {}
        negative: dict[str, dict[AnythingBut, int]] = {}
        group_rules: list[list[int]] = []  # rules of the group's branches that are the key slot only
        group_checked: list[list[int]] = []  # the group's branches with other slots
        group_verify: list[list[int]] = []  # ... of which those without an exact second slot
        # ... and those with one: second path -> string -> ([rules with no third slot], [branches])
        group_second: list[dict[str, dict[str, tuple[list[int], list[int]]]]] = []
        unconditional: list[int] = []
        for rule_number, compiled in enumerate(rules.values()):
            for branch in compiled.branches:
                number = len(self.branch_rule)
                self.branch_rule.append(rule_number)
                required = [slot for slot in branch if not slot.absent_ok]
                key = min(required, key=cost) if required else None
                checks = []
                for slot in branch:
                    all_paths.append(slot.path)
                    if slot is key:
                        continue
                    if slot not in interned:
                        interned[slot] = len(self.slots)
                        self.slots.append(slot)
                    checks.append(interned[slot])
                self.branch_checks.append(tuple(
                    (n, self.slots[n].path, self.slots[n].matchers, self.slots[n].absent_ok) for n in checks))
                if key is None:
                    unconditional.append(number)
                    continue
                exact_strings = [slot for slot in required if slot is not key and all(
                    type(m) is Exact and type(m.value) is str for m in slot.matchers)]
                second = min(exact_strings, key=cost) if exact_strings else None
                for matcher in key.matchers:
                    target = negative if type(matcher) is AnythingBut else positive
                    by_matcher = target.setdefault(key.path, {})
                    group = by_matcher.get(matcher)
                    if group is None:
                        group = by_matcher[matcher] = len(group_rules)
                        group_rules.append([])
                        group_checked.append([])
                        group_verify.append([])
                        group_second.append({})
                    if not checks:
                        group_rules[group].append(rule_number)
                        continue
                    group_checked[group].append(number)
                    if second is None:
                        group_verify[group].append(number)
                        continue
                    table = group_second[group].setdefault(second.path, {})
                    for value_matcher in second.matchers:
                        rules_only, branches = table.setdefault(value_matcher.value, ([], []))
                        if len(checks) == 1:  # the second slot is the branch's only other slot
                            rules_only.append(rule_number)
                        else:
                            branches.append(number)
        self.unconditional = unconditional
        # group -> (rules, checked branches, branches to verify, ((second path, table), ...))
        self.groups: list[tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple]] = [
            (tuple(sorted(set(group_rules[g]))), tuple(dict.fromkeys(group_checked[g])),
             tuple(dict.fromkeys(group_verify[g])),
             tuple((path, {value: (tuple(sorted(set(r))), tuple(dict.fromkeys(b)))
                           for value, (r, b) in table.items()})
                   for path, table in group_second[g].items()))
            for g in range(len(group_rules))]
        self.gate = _text_gate(rules.values(), cost)
        self.needles = None if self.gate is not None else _needles(rules.values())
        self.paths = PathFilter(all_paths)
        self.entries: dict[str, _PathEntry] = {}
        merge = _GroupMerger(self.groups)
        for path in set(positive) | set(negative):
            entry = self.entries[path] = _PathEntry()
            for matcher, group in positive.get(path, {}).items():
                entry.positive.add(matcher, (group,))
            entry.positive.finish()
            entry.positive.remap(merge)
            anything_buts = negative.get(path)
            if anything_buts:
                entry.negative = _ValueIndex()
                for index, (matcher, group) in enumerate(anything_buts.items()):
                    entry.negative_slots.append((group,))
                    for part in matcher.excluded:
                        entry.negative.add(part, (index,))
                entry.negative.finish()
        # the names of each rules tuple, so a single tuple of matches is the answer as it is
        names = self.rule_names
        self.groups = [
            (rules_, checked, verify,
             tuple((path, {value: (r, b, tuple(names[n] for n in r)) for value, (r, b) in table.items()})
                   for path, table in seconds),
             tuple(names[n] for n in rules_))
            for rules_, checked, verify, seconds in self.groups]
        # path -> the probe of its entry (the positive index's own when it has no anything-but)
        self.probes: dict[str, Callable[[Any, list], int]] = {
            path: entry.probe if entry.negative is not None else entry.positive.probe
            for path, entry in self.entries.items()}

    def match(self, event: Any) -> tuple[list[str], int]:
        """(names of matching rules in insertion order, work units spent)."""
        leaves = flatten(event, self.paths)
        probes = self.probes
        group_hits: dict[int, list] = {}  # key group -> trails of the key leaves that hit it
        out: list[tuple[int, ...]] = []
        arrays = False
        work = len(leaves)
        for path, value, trail in leaves:
            if trail:
                arrays = True
            probe = probes.get(path)
            if probe is None:
                continue
            work += probe(value, out)
            if out:
                for ids in out:
                    work += len(ids)
                    for group in ids:
                        found = group_hits.get(group)
                        if found is None:
                            group_hits[group] = [trail]
                        else:
                            found.append(trail)
                out.clear()
        if not group_hits and not self.unconditional:
            return [], work
        by_path: dict[str, list] = {}  # path -> [(value, trail)], for second fields and checks
        for path, value, trail in leaves:
            found = by_path.get(path)
            if found is None:
                by_path[path] = [(value, trail)]
            else:
                found.append((value, trail))
        found_rules: list[tuple[int, ...]] = []  # sorted tuples of matching rule numbers
        found_names: tuple[str, ...] = ()  # the names of the last tuple found
        candidates: dict[int, list] = {}  # branch -> key trails, to verify
        groups = self.groups
        for group, trails in group_hits.items():
            rules_, checked, verify, seconds, rule_names = groups[group]
            if rules_:
                found_rules.append(rules_)
                found_names = rule_names
                work += 1
            if arrays:  # array consistency needs every slot's trails: verify each branch
                for branch in checked:
                    work += 1
                    known = candidates.get(branch)
                    if known is None:
                        candidates[branch] = list(trails)
                    else:
                        known.extend(trails)
                continue
            for branch in verify:
                work += 1
                candidates[branch] = trails
            for path, table in seconds:
                at_path = by_path.get(path)
                if at_path is None:
                    continue
                for value, _ in at_path:
                    work += 1
                    if type(value) is str:
                        found = table.get(value)
                        if found is not None:
                            if found[0]:
                                found_rules.append(found[0])
                                found_names = found[2]
                            for branch in found[1]:
                                work += 1
                                candidates[branch] = trails
        names = self.rule_names
        if not candidates and not self.unconditional and len(found_rules) < 2:
            # one sorted tuple of rules (or none): already the answer, in insertion order
            return list(found_names), work
        matched: set[int] = set().union(*found_rules)  # rule numbers
        branch_rule = self.branch_rule
        memo: dict[int, list] = {}
        for branch, trails in candidates.items():
            if branch_rule[branch] not in matched:
                holds, spent = self._verify(branch, trails, by_path, memo, arrays)
                work += spent
                if holds:
                    matched.add(branch_rule[branch])
        for branch in self.unconditional:
            if branch_rule[branch] not in matched:
                holds, spent = self._verify(branch, None, by_path, memo, arrays)
                work += spent
                if holds:
                    matched.add(branch_rule[branch])
        return [names[r] for r in sorted(matched)], work

    def match_text(self, text: str, loads: Callable[[str], Any]) -> tuple[list[str], int]:
        """``match(loads(text))``, skipping the parse when the text cannot match (see
        _text_gate, then _needles)."""
        if type(text) is not str or "\\" in text:
            return self.match(loads(text))
        gate = self.gate
        if gate is not None:
            if not gate.may_match(text):
                return [], 0
            return self.match(loads(text))
        needles = self.needles
        if needles is not None:
            exact, folded = needles
            for needle in exact:
                if needle in text:
                    break
            else:  # no case-sensitive needle in the text
                if not folded:
                    return [], 0
                if text.isascii():
                    lowered = text.lower()
                    for needle in folded:
                        if needle in lowered:
                            break
                    else:
                        return [], 0
        return self.match(loads(text))

    def _verify(self, branch: int, key_trails: list | None, by_path: dict, memo: dict,
                arrays: bool) -> tuple[bool, int]:
        """Do the branch's other slots hold (and, with arrays, consistently)? (holds, work)."""
        choices = [key_trails] if key_trails is not None else []
        work = 1
        for number, path, matchers, absent_ok in self.branch_checks[branch]:
            leaves = by_path.get(path)
            if leaves is None:
                if absent_ok:
                    continue
                return False, work
            trails = memo.get(number)
            if trails is None:
                if len(matchers) == 1:
                    test = matchers[0].test
                    trails = [trail for value, trail in leaves if test(value)]
                else:
                    trails = [trail for value, trail in leaves if any(m.test(value) for m in matchers)]
                memo[number] = trails
                work += len(leaves)
            if not trails:
                return False, work
            choices.append(trails)
        if not arrays or len(choices) < 2:
            return True, work
        sets = [set(trails) for trails in choices]
        if all(trails == {()} for trails in sets):
            return True, work
        sets.sort(key=len)
        return _consistent(sets, 0, {}), work


_STRING_ONLY = (Prefix, Suffix, EqualsIgnoreCase, Wildcard, Cidr)  # match nothing but strings
_MAX_GATE_PATHS = 4  # one scan of the text per path
_JSON_SPACE = " \t\n\r"


def _gate_key(path: str) -> str | None:
    """The last key of ``path`` if a text scan can find it: not empty, and nothing a JSON text
    would escape or that could sit right after a closing quote."""
    key = path.rsplit(".", 1)[-1]
    if not key or key[0] in _JSON_SPACE + ":,]}" or any(c in '"\\' or c < " " for c in key):
        return None
    return key


def _string_only(slot: Slot) -> bool:
    return not slot.absent_ok and _gate_key(slot.path) is not None and all(
        type(m) in _STRING_ONLY or (type(m) is Exact and type(m.value) is str) for m in slot.matchers)


class _TextGate:
    """"Parse only when a rule could match", decided from the raw values of a few fields.

    Every branch of every rule has a required slot that only string values can satisfy (exact
    string, prefix, suffix, equals-ignore-case, wildcard, cidr); the gate indexes those slots'
    matchers per path. In a JSON text without a backslash every string is written verbatim, so
    each string leaf at path ``a.b.KEY`` appears as ``"KEY": "value"`` or, with a dotted event
    key, ``"b.KEY": ...`` (any key ending in ``.KEY``). ``may_match`` finds every ``KEY"`` in
    the text: after ``"`` and followed by ``:`` and a string, the string is a candidate value
    (a superset of the leaves at the path: the key is matched at any depth); after ``.``, or
    followed by an array, it gives up and answers True (parse). If no candidate value of any
    gate path hits its index, no branch can match and the text need not be parsed.
    """

    __slots__ = ("paths",)

    def __init__(self, paths: list[tuple[str, Callable[[str], bool], frozenset | None]]) -> None:
        self.paths = paths  # (KEY", test of a string value, exact strings if only those)

    def may_match(self, text: str) -> bool:
        space = _JSON_SPACE
        end = len(text)
        for token, test, strings in self.paths:
            start = 0
            size = len(token)
            while True:
                position = text.find(token, start)
                if position < 0:
                    break
                start = position + size
                before = text[position - 1] if position else ""
                if before != '"':
                    if before == ".":
                        return True  # a dotted key ("b.KEY"), or a value ending so: parse
                    continue  # the tail of another key or value
                if text.startswith(':"', start):  # compact JSON: "KEY":"value"
                    at = start + 1
                    first = '"'
                else:
                    at = start
                    while at < end and text[at] in space:
                        at += 1
                    if at >= end or text[at] != ":":
                        continue  # a string value "KEY", not a key
                    at += 1
                    while at < end and text[at] in space:
                        at += 1
                    if at >= end:
                        return True
                    first = text[at]
                if first == '"':
                    close = text.find('"', at + 1)
                    if close < 0:
                        return True
                    value = text[at + 1:close]
                    if strings is not None:
                        if value in strings:
                            return True
                    elif test(value):
                        return True
                    start = close + 1
                elif first == "[":
                    return True  # leaves in an array: parse rather than read them here
                # an object holds deeper paths only; numbers, true/false/null are not strings
        return False


def _pass_rate(matchers: Iterable[Any]) -> float:
    """A rough chance that a random string satisfies one of ``matchers``: 10^-n for n literal
    characters an exact value, affix or wildcard pins down (an exact ``ST`` is likely, a 7-digit
    lot id or a 4-digit prefix is not); an empty prefix or suffix, 1; a CIDR, 1/100."""
    rate = 0.0
    for matcher in matchers:
        kind = type(matcher)
        if kind is Exact:
            pinned = len(matcher.value)
        elif kind is Wildcard:
            pinned = sum(map(len, matcher.parts))
        elif kind is Cidr:
            pinned = 2
        else:
            pinned = len(matcher.text)
        rate += 10.0 ** -pinned
    return min(rate, 1.0)


def _text_gate(rules: Iterable[CompiledPattern], cost: Callable[[Slot], int]) -> _TextGate | None:
    """A :class:`_TextGate` if every branch has a string-only slot and the chosen slots use at
    most _MAX_GATE_PATHS paths; None otherwise (or with no rules). Each branch is gated on its
    string-only slot with the lowest pass rate (_pass_rate, then ``cost``, the machine's
    key-slot estimate); if that needs too many paths, on the slot whose path the most branches
    can use."""
    options: list[list[Slot]] = []
    counts: dict[str, int] = {}
    for compiled in rules:
        for branch in compiled.branches:
            slots = [slot for slot in branch if _string_only(slot)]
            if not slots:
                return None
            options.append(slots)
            for path in {slot.path for slot in slots}:
                counts[path] = counts.get(path, 0) + 1
    if not options:
        return None

    def gate_cost(slot: Slot) -> tuple[float, int]:
        return _pass_rate(slot.matchers), cost(slot)

    for rank in (gate_cost, lambda slot: (-counts[slot.path], gate_cost(slot))):
        chosen: dict[str, list[Any]] = {}
        for slots in options:
            slot = min(slots, key=rank)
            chosen.setdefault(slot.path, []).extend(slot.matchers)
        if len(chosen) <= _MAX_GATE_PATHS:
            break
    else:
        return None
    paths = []
    for path, matchers in chosen.items():
        matchers = list(dict.fromkeys(matchers))
        if sum(type(m) in (Wildcard, Cidr) for m in matchers) > _MAX_TUPLE_AFFIXES:
            return None  # each would be tried in turn: leave it to the needles or the parse
        exact = None
        if all(type(m) is Exact for m in matchers):
            exact = frozenset(m.value for m in matchers)
        paths.append((_pass_rate(matchers), _gate_key(path) + '"', _string_test(matchers), exact))
    # likeliest hit first: a text that passes is usually decided by the first path
    paths.sort(key=lambda item: -item[0])
    return _TextGate([item[1:] for item in paths])


_MAX_TUPLE_AFFIXES = 16  # str.startswith(tuple) tries each; past this, a set per length


def _affix_test(texts: list[str], is_prefix: bool) -> Callable[[str], bool] | None:
    """Does a string start (end) with one of ``texts``? None if ``texts`` is empty."""
    if not texts:
        return None
    if len(texts) <= _MAX_TUPLE_AFFIXES:
        affixes = tuple(texts)
        return (lambda value: value.startswith(affixes)) if is_prefix else (lambda value: value.endswith(affixes))
    known = frozenset(texts)
    lengths = sorted({len(text) for text in known})

    def test(value: str) -> bool:
        size = len(value)
        for length in lengths:
            if length > size:
                return False
            if (value[:length] if is_prefix else value[size - length:]) in known:
                return True
        return False
    return test


def _string_test(matchers: list[Any]) -> Callable[[str], bool]:
    """One function: does a string value satisfy any of ``matchers`` (string-only kinds)?"""
    exact = frozenset(m.value for m in matchers if type(m) is Exact)
    prefix = _affix_test([m.text for m in matchers if type(m) is Prefix and not m.ignore_case], True)
    suffix = _affix_test([m.text for m in matchers if type(m) is Suffix and not m.ignore_case], False)
    folded = frozenset(m.text.lower() for m in matchers if type(m) is EqualsIgnoreCase)
    folded_prefix = _affix_test([m.text.lower() for m in matchers if type(m) is Prefix and m.ignore_case], True)
    folded_suffix = _affix_test([m.text.lower() for m in matchers if type(m) is Suffix and m.ignore_case], False)
    fold = bool(folded or folded_prefix or folded_suffix)
    others = tuple(m.test for m in matchers if type(m) in (Wildcard, Cidr))

    def test(value: str) -> bool:
        if value in exact or (prefix is not None and prefix(value)) or (suffix is not None and suffix(value)):
            return True
        if fold:
            lowered = value.lower()
            if lowered in folded or (folded_prefix is not None and folded_prefix(lowered)) or (
                    folded_suffix is not None and folded_suffix(lowered)):
                return True
        for other in others:
            if other(value):
                return True
        return False
    return test


_MAX_NEEDLES = 16  # beyond this, scanning the text for each needle costs more than it saves


def _slot_needles(slot: Slot) -> tuple[list[str], list[str]] | None:
    """Substrings, one of which the JSON text of any event matching ``slot`` must contain.

    Only for string matchers: a string leaf ``v`` is written ``"v"`` in a JSON text without a
    backslash (no escapes), so exact ``s`` needs ``"s"``, prefix ``"s``, suffix ``s"``, a wildcard
    its literal head or tail. Ignore-case needles are searched in ``text.lower()``, and only in
    ASCII texts (where lower() is per character, as in ``Prefix.test`` and friends).
    """
    if slot.absent_ok:
        return None
    exact: list[str] = []
    folded: list[str] = []
    for matcher in slot.matchers:
        kind = type(matcher)
        if kind is Exact and isinstance(matcher.value, str):
            exact.append(f'"{matcher.value}"')
        elif kind is Prefix and matcher.text:
            (folded if matcher.ignore_case else exact).append(
                f'"{matcher.text.lower()}' if matcher.ignore_case else f'"{matcher.text}')
        elif kind is Suffix and matcher.text:
            (folded if matcher.ignore_case else exact).append(
                f'{matcher.text.lower()}"' if matcher.ignore_case else f'{matcher.text}"')
        elif kind is EqualsIgnoreCase:
            folded.append(f'"{matcher.text.lower()}"')
        elif kind is Wildcard and (matcher.literal_prefix or matcher.literal_suffix):
            exact.append(f'"{matcher.literal_prefix}' if matcher.literal_prefix else f'{matcher.literal_suffix}"')
        else:
            return None
    return exact, folded


def _needles(rules: Iterable[CompiledPattern]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(case-sensitive, lower-case) needles such that a text containing none of them matches no
    rule: each branch contributes the needles of one of its required string slots. None when some
    branch has no such slot (numbers, exists, anything-but, ...) or there are too many needles."""
    exact: set[str] = set()
    folded: set[str] = set()
    for compiled in rules:
        for branch in compiled.branches:
            options = [n for n in map(_slot_needles, branch) if n is not None]
            if not options:
                return None
            best = min(options, key=lambda n: len(n[0]) + 2 * len(n[1]))
            exact.update(best[0])
            folded.update(best[1])
            if len(exact) + len(folded) > _MAX_NEEDLES:
                return None
    if not exact and not folded:
        return None  # no rules: match() is cheap anyway and keeps parse errors
    return tuple(sorted(exact)), tuple(sorted(folded))


def _consistent(choices: list[set], index: int, chosen: dict[int, int]) -> bool:
    """Can one trail per slot be picked so no array is used at two different indices?"""
    if index == len(choices):
        return True
    for trail in choices[index]:
        if all(chosen.get(array, element) == element for array, element in trail):
            if index + 1 == len(choices):
                return True
            extended = dict(chosen)
            extended.update(trail)
            if _consistent(choices, index + 1, extended):
                return True
    return False


class RuleSet:
    """Named rules matched together. ``add`` validates at once; the machine is rebuilt lazily.

    ``add``/``remove`` replace the rule snapshot (copy on write) and mark the machine stale; the
    next ``matching`` call (or ``rebuild``) builds a fresh :class:`Machine` from the snapshot and
    swaps it in, so loading N rules costs one build, and readers never see a partial machine.
    """

    def __init__(self, rules: dict[str, str | dict] | None = None) -> None:
        self._rules: dict[str, CompiledPattern] = {}
        self._machine = Machine({})
        self._stale = False
        self._lock = threading.Lock()
        for name, pattern in (rules or {}).items():
            self.add(name, pattern)

    def add(self, rule_name: str, pattern: str | dict | CompiledPattern) -> None:
        """Add or replace a rule; raises EventPatternError (and changes nothing) if invalid."""
        compiled = pattern if isinstance(pattern, CompiledPattern) else compile_pattern(pattern)
        rules = dict(self._rules)
        rules.pop(rule_name, None)  # a replaced rule moves to the end, like a new one
        rules[rule_name] = compiled
        self._rules = rules
        self._stale = True

    def add_many(self, items: Iterable[tuple[str, str | dict]]) -> None:
        """All or nothing: compile every pattern first, then publish them together."""
        compiled = [(name, compile_pattern(pattern)) for name, pattern in items]
        rules = dict(self._rules)
        for name, pattern in compiled:
            rules.pop(name, None)
            rules[name] = pattern
        self._rules = rules
        self._stale = True

    def remove(self, rule_name: str) -> bool:
        """Remove a rule; returns whether it existed."""
        if rule_name not in self._rules:
            return False
        rules = dict(self._rules)
        del rules[rule_name]
        self._rules = rules
        self._stale = True
        return True

    def __contains__(self, rule_name: object) -> bool:
        return rule_name in self._rules

    def __len__(self) -> int:
        return len(self._rules)

    def names(self) -> list[str]:
        return list(self._rules)

    def rebuild(self) -> Machine:
        """Build a machine from the current snapshot and swap it in (done lazily otherwise)."""
        with self._lock:
            return self._build()

    def _build(self) -> Machine:
        self._stale = False  # before reading the snapshot: a later add() marks it stale again
        machine = Machine(self._rules)
        self._machine = machine
        return machine

    def _current(self) -> Machine:
        if self._stale:
            with self._lock:
                if self._stale:  # another reader may have rebuilt while we waited
                    return self._build()
        return self._machine

    def matching(self, event: dict) -> list[str]:
        """Names of the rules whose pattern matches ``event`` (insertion order)."""
        machine = self._machine if not self._stale else self._current()
        return machine.match(event)[0]

    def matching_text(self, text: str, loads: Callable[[str], Any]) -> list[str]:
        """``matching(loads(text))`` for a JSON text, without parsing texts that cannot match.

        When every rule branch requires a condition only strings can satisfy (exact string,
        prefix, suffix, equals-ignore-case, wildcard, cidr) on at most 4 fields in all, the
        text gate reads those fields' raw values from the text (``"KEY": "value"``) and a text
        where none can match is answered ``[]`` unparsed (texts with a backslash, dotted keys
        or arrays at those fields are parsed). Otherwise, with at most 16 string needles
        (exact, affixes, wildcards with a literal head or tail), a text containing none of them
        is answered ``[]``. A ``str`` text must therefore be valid JSON (an invalid one may get
        ``[]`` instead of ``loads``' error); other types are parsed.
        """
        machine = self._machine if not self._stale else self._current()
        return machine.match_text(text, loads)[0]

    def matching_with_work(self, event: dict) -> tuple[list[str], int]:
        """``matching`` plus the work units spent (look-ups + hits), for cost tests and benches."""
        return self._current().match(event)
