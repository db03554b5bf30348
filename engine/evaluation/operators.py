"""Rule conditions evaluated in plain Python, with the same meaning as the compiled ones.

durable-rules answers only "which rules matched". Static analysis, `explain` and the
performance floor need more (which condition failed, on which value) or less overhead, so
conditions are also interpreted here. tests/evaluation/test_operators.py checks that both agree on a
generated corpus covering the catalogue's whole space.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.catalogue.rule import Compare, When
from engine.catalogue.types import Scalar

_ABSENT = object()


@dataclass(frozen=True)
class Check:
    """One condition of a rule and how it fared on one request."""

    fact: str
    test: str  # the condition as written, e.g. "in [activate, link]"
    actual: Any  # the fact's value; None when absent
    passed: bool


def _equal(actual: Any, expected: Scalar) -> bool:
    # durable-rules compares true == 1; the validator keeps such rules out of the catalogue,
    # and here types must match as well so that a mistake never passes silently.
    return actual is not _ABSENT and type(actual) is type(expected) and actual == expected


def _holds(test: Scalar | list[Scalar] | Compare, actual: Any) -> bool:
    if isinstance(test, list):
        return any(_equal(actual, v) for v in test)
    if not isinstance(test, Compare):
        return _equal(actual, test)
    if test.present is not None:
        return (actual is not _ABSENT) == test.present
    if actual is _ABSENT:
        return False
    if test.not_ is not None:
        return not _equal(actual, test.not_)
    if test.in_ is not None:
        return any(_equal(actual, v) for v in test.in_)
    if test.not_in is not None:
        return not any(_equal(actual, v) for v in test.not_in)
    for operator, compare in (("gt", int.__gt__), ("gte", int.__ge__),
                              ("lt", int.__lt__), ("lte", int.__le__)):
        bound = getattr(test, operator)
        if bound is not None:
            return isinstance(actual, int) and not isinstance(actual, bool) and compare(actual, bound)
    return False


Predicate = Callable[[dict[str, Any]], bool]


def _value_test(test: Scalar | list[Scalar] | Compare) -> Callable[[Any], bool]:
    """A fast check of one fact value; the same meaning as _holds."""
    if isinstance(test, list):
        allowed = {(type(v), v) for v in test}
        return lambda actual: (type(actual), actual) in allowed
    if not isinstance(test, Compare):
        kind, expected = type(test), test
        return lambda actual: type(actual) is kind and actual == expected
    if test.present is not None:
        present = test.present
        return lambda actual: (actual is not _ABSENT) is present
    if test.not_ is not None:
        kind, unwanted = type(test.not_), test.not_
        return lambda actual: actual is not _ABSENT and not (type(actual) is kind
                                                             and actual == unwanted)
    if test.in_ is not None:
        allowed = {(type(v), v) for v in test.in_}
        return lambda actual: (type(actual), actual) in allowed
    if test.not_in is not None:
        excluded = {(type(v), v) for v in test.not_in}
        return lambda actual: actual is not _ABSENT and (type(actual), actual) not in excluded
    return lambda actual: _holds(test, actual)  # gt, gte, lt, lte: rare


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
    if isinstance(test, list):
        return "one of " + ", ".join(map(_word, test))
    if not isinstance(test, Compare):
        return f"= {_word(test)}"
    name, value = next((k, v) for k, v in test.model_dump(by_alias=True).items() if v is not None)
    if name == "present":
        return "present" if value else "absent"
    words = {"not": "not", "in": "one of", "not_in": "none of", "gt": ">", "gte": ">=",
             "lt": "<", "lte": "<="}
    shown = ", ".join(map(_word, value)) if isinstance(value, list) else _word(value)
    return f"{words[name]} {shown}"


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
