"""Rule conditions evaluated in plain Python, with the same meaning as the compiled ones.

durable-rules answers only "which rules matched". Static analysis, `explain` and the
performance floor need more (which condition failed, on which value) or less overhead, so
conditions are also interpreted here, with each operator's test, words and durable-rules
term taken from one table (engine.catalogue.operators). tests/evaluation/test_operator_table.py
checks that durable-rules and these tests agree for every operator, on the generated corpus
and on generated values; tests/evaluation/test_operators.py, on every rule of a corpus slice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.catalogue.operators import ABSENT
from engine.catalogue.rule import Compare, When, operator_of
from engine.catalogue.types import Scalar

_ABSENT = ABSENT


@dataclass(frozen=True)
class Check:
    """One condition of a rule and how it fared on one request."""

    fact: str
    test: str  # the condition as written, e.g. "in [activate, link]"
    actual: Any  # the fact's value; None when absent
    passed: bool


def _holds(test: Scalar | list[Scalar] | Compare, actual: Any) -> bool:
    operator, operand = operator_of(test)
    return operator.test(operand)(actual)


Predicate = Callable[[dict[str, Any]], bool]


def _value_test(test: Scalar | list[Scalar] | Compare) -> Callable[[Any], bool]:
    """The test of one fact value, made once (engine.catalogue.operators)."""
    operator, operand = operator_of(test)
    return operator.test(operand)


def predicate(when: When) -> Predicate:
    """``when`` compiled once into a function of the facts: holds(), without re-reading it."""
    tests = [(name, _value_test(test)) for name, test in when.tests.items()]
    alternatives = [predicate(alternative) for alternative in when.any or []]

    def check(facts: dict[str, Any]) -> bool:
        for name, test in tests:
            if not test(facts.get(name, _ABSENT)):
                return False
        return not alternatives or any(alternative(facts) for alternative in alternatives)

    return check


def facts_read(when: When) -> set[str]:
    """Every fact ``when`` tests, in its alternatives too."""
    names = set(when.tests)
    for alternative in when.any or []:
        names |= facts_read(alternative)
    return names


def holds(when: When, facts: dict[str, Any]) -> bool:
    """Whether every condition of ``when`` holds for ``facts`` (flat, dotted names)."""
    for name, test in when.tests.items():
        if not _holds(test, facts.get(name, _ABSENT)):
            return False
    return not when.any or any(holds(alternative, facts) for alternative in when.any)


def _word(value: object) -> str:
    """A value as it is written in YAML: true/false in lower case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def describe(test: Scalar | list[Scalar] | Compare) -> str:
    """A condition as a person would say it."""
    operator, operand = operator_of(test)
    if operator.name == "present":
        return "present" if operand else "absent"
    shown = ", ".join(map(_word, operand)) if isinstance(operand, list) else _word(operand)
    return f"{operator.words} {shown}"


def conditions(when: When) -> str:
    """A rule's conditions in words: `operation one of activate, link; task.count = 0`."""
    parts = [f"`{name}` {describe(test)}" for name, test in when.tests.items()]
    if when.any:
        parts.append("any of (" + " | ".join(conditions(a) for a in when.any) + ")")
    return "; ".join(parts) or "always"


def checks(when: When, facts: dict[str, Any]) -> list[Check]:
    """Every top-level condition of ``when`` with its outcome; `any` counts as one."""
    result = [
        Check(name, describe(test), facts.get(name), _holds(test, facts.get(name, _ABSENT)))
        for name, test in when.tests.items()
    ]
    if when.any:
        result.append(Check("any", f"one of {len(when.any)} alternatives", None,
                            any(holds(alternative, facts) for alternative in when.any)))
    return result
