"""The condition operators of a rule's `when`, each defined once.

An operator is everything the tool knows about one way of testing a fact: its field in the
`Compare` model (hence its JSON Schema fragment), the values `collab validate` checks against
the fact's type and values, its durable-rules term, its Python test and its words for
`explain` and the docs. Adding an operator is one entry in OPERATORS.

The bare forms are operators too: a value (`=`) and a list (one of). `any` (alternatives
of whole condition sets) is the one structural operator: its term and test recurse over
conditions (engine.evaluation.compile.condition, engine.evaluation.operators.predicate).

Every test is strict about types, as durable-rules is not (it takes true for 1): the
validator keeps a value of another type than the fact's out of the catalogue (CAT029), so
both always agree; tests/test_operators.py checks each operator against durable-rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.catalogue.types import Scalar

ABSENT: Any = object()  # the value of a fact the request does not carry

ValueTest = Callable[[Any], bool]  # a fact's value (or ABSENT) -> whether the test holds


def _typed(values: list[Scalar]) -> set[tuple[type, Scalar]]:
    return {(type(v), v) for v in values}


def _equals(expected: Scalar) -> ValueTest:
    kind = type(expected)
    return lambda actual: type(actual) is kind and actual == expected


def _one_of(allowed: list[Scalar]) -> ValueTest:
    typed = _typed(allowed)
    return lambda actual: (type(actual), actual) in typed


def _none_of(excluded: list[Scalar]) -> ValueTest:
    typed = _typed(excluded)
    return lambda actual: actual is not ABSENT and (type(actual), actual) not in typed


def _differs(unwanted: Scalar) -> ValueTest:
    same = _equals(unwanted)
    return lambda actual: actual is not ABSENT and not same(actual)


def _present(present: bool) -> ValueTest:
    return lambda actual: (actual is not ABSENT) is present


def _number(compare: Callable[[int, int], bool]) -> Callable[[int], ValueTest]:
    def test(bound: int) -> ValueTest:
        return lambda actual: type(actual) is int and compare(actual, bound)

    return test


def _term_one_of(name: str, values: list[Scalar]) -> dict[str, Any]:
    if len(values) == 1:
        return {name: values[0]}
    return {"$or": [{name: v} for v in values]}


@dataclass(frozen=True)
class Field:
    """An operator's field in the Compare model: its JSON Schema fragment."""

    operand: Any  # the operand's type, e.g. int
    description: str
    example: Any

    @property
    def kind(self) -> str:
        """How the schema types the operand: as the fact ("value"), a list of such values,
        or a boolean or an integer whatever the fact."""
        kinds = {Scalar: "value", list[Scalar]: "values", bool: "boolean", int: "integer"}
        return kinds[self.operand]


@dataclass(frozen=True)
class Operator:
    name: str  # as written in YAML: a key of a comparison, or "=" and "list" for bare forms
    words: str  # explain, docs: "one of", ">", ...
    term: Callable[[str, Any], dict[str, Any]]  # durable-rules: (fact, operand) -> condition
    test: Callable[[Any], ValueTest]  # Python: operand -> test of the fact's value
    values: Callable[[Any], list[Scalar]]  # validation: the operand's values of the fact
    field: Field | None = None  # None: a bare form, not a field of Compare


def _single(value: Scalar) -> list[Scalar]:
    return [value]


def _no_values(operand: Any) -> list[Scalar]:
    return []


OPERATORS: dict[str, Operator] = {op.name: op for op in [
    Operator("=", "=", lambda name, v: {name: v}, _equals, _single),
    Operator("list", "one of", _term_one_of, _one_of, list),
    Operator("not", "not", lambda name, v: {"$neq": {name: v}}, _differs, _single,
             Field(Scalar, "The fact is present and differs from this value.", "eekonomi")),
    Operator("in", "one of", _term_one_of, _one_of, list,
             Field(list[Scalar], "The fact equals one of these.", ["activate", "link"])),
    Operator("not_in", "none of",
             lambda name, vs: {"$and": [{"$ex": {name: 1}}, *({"$neq": {name: v}} for v in vs)]},
             _none_of, list,
             Field(list[Scalar], "The fact is present and equals none of these.", ["smart", "pro"])),
    Operator("present", "present",
             lambda name, present: {"$ex" if present else "$nex": {name: 1}}, _present, _no_values,
             Field(bool, "true: the fact is present; false: it is absent.", False)),
    Operator("gt", ">", lambda name, b: {"$gt": {name: b}}, _number(int.__gt__), _single,
             Field(int, "The fact is a number greater than this.", 0)),
    Operator("gte", ">=", lambda name, b: {"$gte": {name: b}}, _number(int.__ge__), _single,
             Field(int, "The fact is a number of at least this.", 1)),
    Operator("lt", "<", lambda name, b: {"$lt": {name: b}}, _number(int.__lt__), _single,
             Field(int, "The fact is a number less than this.", 12)),
    Operator("lte", "<=", lambda name, b: {"$lte": {name: b}}, _number(int.__le__), _single,
             Field(int, "The fact is a number of at most this.", 3)),
]}

COMPARISONS = {name: op for name, op in OPERATORS.items() if op.field is not None}
