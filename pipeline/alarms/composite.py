"""Composite alarms: the AlarmRule language, its evaluation, and the actions suppressor.

Grammar (AWS gives no precedence; we use the usual NOT > AND > OR, parentheses to override)::

    rule    := or
    or      := and ("OR" and)*
    and     := unary ("AND" unary)*
    unary   := "NOT" unary | primary
    primary := "(" rule ")" | "TRUE" | "FALSE" | STATE "(" name ")"
             | "AT_LEAST" "(" M "," ["NOT"] STATE "," "(" name ("," name)* ")" ")"
    M       := count | percent "%"               -- 1..number of names, or 1..100
    STATE   := "ALARM" | "OK" | "INSUFFICIENT_DATA"
    name    := '"' chars '"' | chars up to ")"   -- an alarm name or its ARN (in AT_LEAST's
                                                    list: up to "," or ")")

``AT_LEAST(2, ALARM, (a, b, c))`` holds when at least 2 of a, b, c are in ALARM;
``AT_LEAST(60%, NOT OK, (a, b, c))`` when at least 60 % of them are not OK (count * 100 >=
60 * 3, no rounding). The string form is the one AWS's CDK renders (``AlarmRule.atLeast*``,
aws-cdk-lib/aws-cloudwatch/lib/alarm-rule.ts), with its bounds on M; the AWS API text we have
does not describe the function.

Keywords are upper case, as in every AWS example. A child given by ARN is looked up by the
name after ``:alarm:``; a child with no known state counts as INSUFFICIENT_DATA. Limits are
AWS's: 10,240 characters, 100 children, 500 elements (children, constants, parentheses).
Parsed rules are nested tuples, so they pickle and compare by value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

from pipeline.alarms.errors import AlarmRuleError
from pipeline.alarms.model import AlarmState, StateChange, actions_for_state
from pipeline.alarms.periods import reason_data_timestamp

__all__ = [
    "AlarmRule",
    "CompositeAlarm",
    "parse_alarm_rule",
    "evaluate_composite",
    "find_cycle",
    "new_suppression",
    "suppression_step",
]

MAX_RULE_CHARS = 10240
MAX_CHILDREN = 100
MAX_ELEMENTS = 500
MAX_DEPTH = 200  # nesting of parentheses / NOT; keeps the recursive parser off Python's limit
_STATES = ("ALARM", "OK", "INSUFFICIENT_DATA")
_KEYWORDS = ("AND", "OR", "NOT", "TRUE", "FALSE", "AT_LEAST") + _STATES


def alarm_name_of(reference: str) -> str:
    """``arn:aws:cloudwatch:region:account:alarm:Name`` -> ``Name``; a plain name unchanged."""
    if reference.startswith("arn:") and ":alarm:" in reference:
        return reference.split(":alarm:", 1)[1]
    return reference


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.elements = 0
        self.depth = 0
        self.children: list[str] = []

    def fail(self, message: str, position: int | None = None) -> AlarmRuleError:
        return AlarmRuleError(message, self.pos if position is None else position)

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek_word(self) -> str:
        self.skip()
        end = self.pos
        while end < len(self.text) and (self.text[end].isalnum() or self.text[end] == "_"):
            end += 1
        return self.text[self.pos:end]

    def expect(self, char: str) -> None:
        self.skip()
        if self.pos >= len(self.text) or self.text[self.pos] != char:
            found = repr(self.text[self.pos]) if self.pos < len(self.text) else "end of rule"
            raise self.fail(f"expected {char!r}, found {found}")
        self.pos += 1

    def parse(self) -> Any:
        node = self.parse_or()
        self.skip()
        if self.pos < len(self.text):
            raise self.fail(f"unexpected {self.text[self.pos:self.pos + 20]!r}; expected AND, OR or end of rule")
        return node

    def parse_or(self) -> Any:
        parts = [self.parse_and()]
        while self.peek_word() == "OR":
            self.pos += 2
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else ("OR", tuple(parts))

    def parse_and(self) -> Any:
        parts = [self.parse_unary()]
        while self.peek_word() == "AND":
            self.pos += 3
            parts.append(self.parse_unary())
        return parts[0] if len(parts) == 1 else ("AND", tuple(parts))

    def parse_unary(self) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"the alarm rule is nested more than {MAX_DEPTH} levels deep")
        if self.elements > MAX_ELEMENTS:
            raise self.fail(f"the alarm rule has more than {MAX_ELEMENTS} elements; at most {MAX_ELEMENTS} are allowed")
        if self.peek_word() == "NOT":
            self.pos += 3
            node = ("NOT", self.parse_unary())
        else:
            node = self.parse_primary()
        self.depth -= 1
        return node

    def parse_primary(self) -> Any:
        self.skip()
        if self.pos >= len(self.text):
            raise self.fail("unexpected end of rule; expected ALARM(...), OK(...), INSUFFICIENT_DATA(...), "
                            "TRUE, FALSE, NOT or '('")
        if self.text[self.pos] == "(":
            self.pos += 1
            self.elements += 1
            node = self.parse_or()
            self.expect(")")
            return node
        start = self.pos
        word = self.peek_word()
        if word in ("TRUE", "FALSE"):
            self.pos += len(word)
            self.elements += 1
            return ("CONST", word == "TRUE")
        if word == "AT_LEAST":
            self.pos += len(word)
            return self.parse_at_least(start)
        if word in _STATES:
            self.pos += len(word)
            self.expect("(")
            name = self.parse_name()
            self.expect(")")
            self.elements += 1
            self.children.append(name)
            return ("STATE", word, name)
        if word.upper() in _KEYWORDS:
            raise self.fail(f"{word!r} must be written in upper case: {word.upper()}", start)
        shown = word or self.text[self.pos:self.pos + 1]
        raise self.fail(f"unexpected {shown!r}; expected ALARM(...), OK(...), INSUFFICIENT_DATA(...), "
                        "TRUE, FALSE, NOT or '('", start)

    def parse_at_least(self, start: int) -> Any:
        """After ``AT_LEAST``: ``("AT_LEAST", count, percent, negated, state, names)``, one of
        count and percent set."""
        self.expect("(")
        self.skip()
        digits_at = self.pos
        while self.pos < len(self.text) and self.text[self.pos].isdigit():
            self.pos += 1
        if self.pos == digits_at:
            raise self.fail("AT_LEAST needs a whole number or a percentage (such as 2 or 50%) first")
        number = int(self.text[digits_at:self.pos])
        percent = self.pos < len(self.text) and self.text[self.pos] == "%"
        if percent:
            self.pos += 1
        self.expect(",")
        negated = self.peek_word() == "NOT"
        if negated:
            self.pos += 3
        state = self.peek_word()
        if state not in _STATES:
            raise self.fail(f"AT_LEAST needs ALARM, OK or INSUFFICIENT_DATA (or NOT and one of them), "
                            f"found {state or self.text[self.pos:self.pos + 1]!r}")
        self.pos += len(state)
        self.expect(",")
        self.expect("(")
        names = [self.parse_name(list_item=True)]
        self.skip()
        while self.pos < len(self.text) and self.text[self.pos] == ",":
            self.pos += 1
            names.append(self.parse_name(list_item=True))
            self.skip()
        self.expect(")")
        self.expect(")")
        if percent and not 1 <= number <= 100:
            raise self.fail(f"the AT_LEAST percentage must be between 1 and 100, got {number}%", digits_at)
        if not percent and not 1 <= number <= len(names):
            raise self.fail(f"the AT_LEAST count must be between 1 and the number of alarms listed "
                            f"({len(names)}), got {number}", digits_at)
        self.elements += 2 + len(names)  # the function's parentheses, its list's, and each child
        self.children.extend(names)
        return ("AT_LEAST", None if percent else number, number if percent else None, negated, state,
                tuple(names))

    def parse_name(self, list_item: bool = False) -> str:
        self.skip()
        start = self.pos
        if self.pos < len(self.text) and self.text[self.pos] == '"':
            end = self.text.find('"', self.pos + 1)
            if end < 0:
                raise self.fail("unterminated quoted alarm name", start)
            name = self.text[self.pos + 1:end]
            self.pos = end + 1
        else:
            ends = [at for at in (self.text.find(")", self.pos),
                                  self.text.find(",", self.pos) if list_item else -1) if at >= 0]
            if not ends:
                raise self.fail("expected ')' after the alarm name", start)
            end = min(ends)
            name = self.text[self.pos:end].strip()
            self.pos = end
        if not name:
            raise self.fail("empty alarm name", start)
        return alarm_name_of(name)


@dataclass(frozen=True)
class AlarmRule:
    """A parsed AlarmRule: ``tree`` (nested tuples) and the child alarm names it reads."""

    text: str
    tree: Any
    alarm_names: tuple[str, ...]

    def evaluate(self, states: Mapping[str, Any]) -> bool:
        """True when the rule holds for ``states`` (alarm name -> state, see :func:`_state_of`)."""
        return _eval(self.tree, states)

    def true_children(self, states: Mapping[str, Any]) -> list[str]:
        """Children whose ``STATE(name)`` function is currently true (the triggering alarms)."""
        return [name for kind, name in _functions(self.tree) if _state_of(states, name) == kind]


def _functions(tree: Any):
    if tree[0] == "STATE":
        yield tree[1], tree[2]
    elif tree[0] == "AT_LEAST":
        for name in tree[5]:
            yield tree[4], name
    elif tree[0] == "NOT":
        yield from _functions(tree[1])
    elif tree[0] in ("AND", "OR"):
        for part in tree[1]:
            yield from _functions(part)


def _state_of(states: Mapping[str, Any], name: str) -> str:
    value = states.get(name)
    if isinstance(value, Mapping):
        value = value.get("StateValue")
    return AlarmState.of(value).value if value is not None else "INSUFFICIENT_DATA"


def _eval(tree: Any, states: Mapping[str, Any]) -> bool:
    kind = tree[0]
    if kind == "STATE":
        return _state_of(states, tree[2]) == tree[1]
    if kind == "CONST":
        return tree[1]
    if kind == "NOT":
        return not _eval(tree[1], states)
    if kind == "AT_LEAST":
        _, count, percent, negated, state, names = tree
        holding = sum((_state_of(states, name) == state) != negated for name in names)
        return holding >= count if count is not None else holding * 100 >= percent * len(names)
    if kind == "AND":
        return all(_eval(part, states) for part in tree[1])
    return any(_eval(part, states) for part in tree[1])


def parse_alarm_rule(text: str) -> AlarmRule:
    """Parse an AlarmRule; raises :class:`AlarmRuleError` with the position of the problem."""
    if not isinstance(text, str) or not text.strip():
        raise AlarmRuleError("the alarm rule is empty", 0)
    if len(text) > MAX_RULE_CHARS:
        raise AlarmRuleError(f"the alarm rule is longer than {MAX_RULE_CHARS} characters", MAX_RULE_CHARS)
    parser = _Parser(text)
    tree = parser.parse()
    names = tuple(dict.fromkeys(parser.children))
    if len(names) > MAX_CHILDREN:
        raise AlarmRuleError(f"the alarm rule names {len(names)} alarms; at most {MAX_CHILDREN} are allowed", 0)
    if parser.elements > MAX_ELEMENTS:
        raise AlarmRuleError(f"the alarm rule has {parser.elements} elements; at most {MAX_ELEMENTS} are allowed", 0)
    return AlarmRule(text=text, tree=tree, alarm_names=names)


@dataclass(frozen=True)
class CompositeAlarm:
    """A PutCompositeAlarm definition, built from a validated body."""

    name: str
    rule: AlarmRule
    actions_enabled: bool = True
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()
    actions_suppressor: str | None = None
    actions_suppressor_wait_period: int = 0
    actions_suppressor_extension_period: int = 0
    body: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> "CompositeAlarm":
        from pipeline.alarms.definitions import validate_composite_alarm

        _, normalised = validate_composite_alarm(dict(body))
        return cls(
            name=normalised["AlarmName"],
            rule=parse_alarm_rule(normalised["AlarmRule"]),
            actions_enabled=normalised["ActionsEnabled"],
            alarm_actions=tuple(normalised["AlarmActions"]),
            ok_actions=tuple(normalised["OKActions"]),
            insufficient_data_actions=tuple(normalised["InsufficientDataActions"]),
            actions_suppressor=normalised.get("ActionsSuppressor"),
            actions_suppressor_wait_period=normalised.get("ActionsSuppressorWaitPeriod", 0),
            actions_suppressor_extension_period=normalised.get("ActionsSuppressorExtensionPeriod", 0),
            body=normalised,
        )

    def actions_for(self, state: AlarmState | str) -> tuple[str, ...]:
        return actions_for_state(self, state)


def _long_time(timestamp: float) -> str:
    """``Friday 22 July, 2022 15:57:45 UTC`` as in composite StateReason texts."""
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return f"{moment:%A} {moment.day} {moment:%B, %Y %H:%M:%S} UTC"


def _timestamp_of(states: Mapping[str, Any], name: str, default: float) -> float:
    value = states.get(name)
    if isinstance(value, Mapping) and value.get("Timestamp") is not None:
        return float(value["Timestamp"])
    return default


def evaluate_composite(
    composite: CompositeAlarm,
    child_states: Mapping[str, Any],
    at: float,
    previous_state: AlarmState | str | None = None,
    *,
    previous_reason: str = "",
) -> StateChange | None:
    """Evaluate the rule; return a StateChange only when the state changes.

    ``child_states`` maps alarm name -> state (``"ALARM"`` or ``AlarmState``) or a dict
    ``{"StateValue": ..., "Timestamp": epoch seconds of its last transition}``. A composite is in
    INSUFFICIENT_DATA only before its first evaluation, then ALARM when the rule holds, else OK.
    """
    previous = AlarmState.of(previous_state)
    state = AlarmState.ALARM if composite.rule.evaluate(child_states) else AlarmState.OK
    if state is previous:
        return None
    if state is AlarmState.ALARM:
        candidates = composite.rule.true_children(child_states)
    else:
        candidates = list(composite.rule.alarm_names)
    candidates = [name for name in candidates if name in child_states] or candidates
    trigger = max(candidates, key=lambda name: _timestamp_of(child_states, name, 0.0)) if candidates else None
    if previous is AlarmState.INSUFFICIENT_DATA or trigger is None:
        reason = f"{composite.name} was created and its alarm rule evaluates to {state.value}"
    else:
        when = _timestamp_of(child_states, trigger, at)
        reason = f"{trigger} transitioned to {_state_of(child_states, trigger)} at {_long_time(when)}"
    triggering = [
        {
            "arn": name,
            "state": {
                "value": _state_of(child_states, name),
                "timestamp": reason_data_timestamp(_timestamp_of(child_states, name, at)),
            },
        }
        for name in ([trigger] if trigger else [])
    ]
    return StateChange(
        alarm_name=composite.name,
        previous_state=previous,
        state=state,
        reason=reason,
        reason_data={"triggeringAlarms": triggering},
        timestamp=at,
        previous_reason=previous_reason,
        alarm_type="CompositeAlarm",
    )


def find_cycle(rules: Mapping[str, AlarmRule]) -> list[str] | None:
    """A cycle of composite names (first name repeated at the end), or None.

    AWS lets a cycle be created but stops evaluating it; the caller should skip those alarms.
    """
    colour: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        colour[name] = 1
        stack.append(name)
        for child in rules[name].alarm_names:
            if child not in rules:
                continue
            if colour.get(child) == 1:
                return stack[stack.index(child):] + [child]
            if child not in colour:
                found = visit(child)
                if found:
                    return found
        stack.pop()
        colour[name] = 2
        return None

    for name in rules:
        if name not in colour:
            found = visit(name)
            if found:
                return found
    return None


# ---- actions suppressor -------------------------------------------------------------------
#
# Suppression state is a plain dict: {"SuppressedBy": None | "WaitPeriod" | "ExtensionPeriod" |
# "Alarm", "Until": epoch seconds or None, "Pending": bool}. "Pending" means the composite's last
# transition has not had its actions run (nor been dropped) yet.


def new_suppression() -> dict[str, Any]:
    return {"SuppressedBy": None, "Until": None, "Pending": False}


def suppression_step(
    composite: CompositeAlarm,
    suppression: Mapping[str, Any],
    at: float,
    *,
    suppressor_state: AlarmState | str | None,
    composite_changed: bool = False,
) -> tuple[dict[str, Any], bool]:
    """Advance the suppressor state machine; return (new state, run the current state's actions now).

    Call it when the composite transitions (``composite_changed=True``), when the suppressor
    alarm changes state, and on timer ticks (so a Wait/Extension period can end). Semantics
    (AWS guide, examples 1-6): a transition starts a WaitPeriod (or, if the suppressor is in
    ALARM already, is suppressed by the Alarm) and discards any running period; the suppressor
    reaching ALARM during the wait suppresses; the suppressor leaving ALARM starts an
    ExtensionPeriod; when a Wait/Extension period ends, the actions of the composite's *current*
    state run. Without a suppressor, actions run at once.
    """
    new = dict(suppression)
    if composite.actions_suppressor is None:
        run = composite_changed or bool(new.get("Pending"))
        return new_suppression(), run
    in_alarm = AlarmState.of(suppressor_state) is AlarmState.ALARM
    if composite_changed:
        new["Pending"] = True
        if in_alarm:
            new["SuppressedBy"], new["Until"] = "Alarm", None
        else:
            new["SuppressedBy"], new["Until"] = "WaitPeriod", at + composite.actions_suppressor_wait_period
    if not new.get("Pending"):
        return new_suppression(), False
    by = new.get("SuppressedBy")
    if by in ("WaitPeriod", "ExtensionPeriod"):
        if in_alarm:
            new["SuppressedBy"], new["Until"] = "Alarm", None
        elif at >= new["Until"]:
            return new_suppression(), True
    elif by == "Alarm":
        if not in_alarm:
            new["SuppressedBy"] = "ExtensionPeriod"
            new["Until"] = at + composite.actions_suppressor_extension_period
            if at >= new["Until"]:
                return new_suppression(), True
    return new, False
