"""Every condition operator means the same in durable-rules and in Python.

Each operator of engine.catalogue.operators gives a durable-rules term and a Python test; both
are asked the same questions: probe rules with every operator over the facts of every stage
of the whole generated corpus, and hypothesis-generated operands and values.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Catalogue, parse_request
from engine.catalogue.operators import ABSENT, OPERATORS, Operator
from engine.evaluation.compile import ANCHOR, Partition, compile_catalogue
from engine.evaluation.evaluate import python_matcher, trace
from engine.evaluation.host import rules_host
from engine.tools.generate import corpus

_names = itertools.count()


def _partition(probes: list[tuple[Operator, str, Any]]) -> Partition:
    """A partition of one probe rule per (operator, fact, operand)."""
    conditions = {str(i): {"$and": [ANCHOR, op.term(name, operand)]}
                  for i, (op, name, operand) in enumerate(probes)}
    tests = [(str(i), name, op.test(operand)) for i, (op, name, operand) in enumerate(probes)]
    read = {name for _, name, _ in probes}
    return Partition(
        ruleset=f"operators-test-{next(_names)}", conditions=conditions,
        predicates=tuple((rule_id, lambda facts, name=name, test=test: test(facts.get(name, ABSENT)))
                         for rule_id, name, test in tests),
        facts=frozenset(read), read=tuple(sorted(read)), members=())


def _agree(partition: Partition, facts: dict[str, Any]) -> None:
    durable = rules_host().matching_rules(partition, facts, memo=False)
    python = {rule_id for rule_id, check in partition.predicates if check(facts)}
    assert durable == python, (facts, sorted(durable ^ python))


def _operands(op: Operator, values: list[Any]) -> list[Any]:
    """Operands for ``op`` made of values a fact takes (numbers around them for comparisons)."""
    if op.name == "present":
        return [True, False]
    if op.name in ("gt", "gte", "lt", "lte"):
        numbers = sorted({v for v in values if type(v) is int})
        return sorted({n + d for n in numbers for d in (-1, 0, 1)})
    if op.name in ("list", "in", "not_in"):
        return [*(list(pair) for pair in itertools.combinations(values, 2)), values[:1]][-7:]
    return values


def test_every_operator_agrees_on_the_facts_of_the_whole_corpus(catalogue: Catalogue) -> None:
    """Every operator, on every fact that a stage of a corpus request sees, with operands made
    of the values the fact takes there, asked of every value it takes (and of its absence)."""
    compiled = compile_catalogue(catalogue)
    seen: dict[str, set[tuple[type, Any]]] = {}
    stages = 0
    for data in corpus(catalogue):
        for stage in trace(compiled, parse_request(data, catalogue), python_matcher).stages:
            stages += 1
            for name, value in stage.facts.items():
                if isinstance(value, str | int | bool):  # texts in several languages: no operand
                    seen.setdefault(name, set()).add((type(value), value))
    asked = set()
    for name, typed in sorted(seen.items()):
        values = [value for _, value in sorted(typed, key=repr)]
        probes = [(op, name, operand) for op in OPERATORS.values()
                  for operand in _operands(op, values[:4])]
        asked |= {op.name for op, _, _ in probes}
        partition = _partition(probes)
        for value in [ABSENT, *values]:
            _agree(partition, {} if value is ABSENT else {name: value})
    assert asked == set(OPERATORS) and stages > 20_000 and len(seen) > 40


SCALARS = {str: st.sampled_from(["a", "b", "eekonomi", ""]), int: st.integers(-3, 3),
           bool: st.booleans()}


@st.composite
def _question(draw: st.DrawFn) -> tuple[Operator, Any, Any]:
    """An operator, an operand and a fact value (or absent) of one type, as the validator
    allows (durable-rules takes true for 1; the catalogue never compares across types)."""
    op = draw(st.sampled_from(list(OPERATORS.values())))
    kind = int if op.name in ("gt", "gte", "lt", "lte") else draw(st.sampled_from([str, int, bool]))
    values = SCALARS[kind]
    if op.name == "present":
        operand: Any = draw(st.booleans())
    elif op.name in ("list", "in", "not_in"):
        operand = draw(st.lists(values, min_size=1, max_size=4, unique=True))
    else:
        operand = draw(values)
    actual = draw(st.one_of(st.just(ABSENT), values))
    return op, operand, actual


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_question(), min_size=1, max_size=6))
def test_every_operator_agrees_on_generated_values(questions: list[tuple[Operator, Any, Any]]) -> None:
    for op, operand, actual in questions:
        partition = _partition([(op, "task.count", operand)])
        _agree(partition, {} if actual is ABSENT else {"task.count": actual})
