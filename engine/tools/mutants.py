"""The mutants of a catalogue's rules, for mutation testing (engine.tools.mutate).

Each mutant is the catalogue with one small change to one rule, reported at the line of what
was changed: MUT001 delete the rule; MUT002 drop a condition (or an alternative of `any`);
MUT003 give a condition another value its fact can take (from the fact's domain); MUT004
negate a `present`; MUT005 drop a `then` effect (a set, a step, a warning, the rejection, the
outcome); MUT006 change the outcome.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.catalogue.catalogue import Catalogue, PlacedRule
from engine.catalogue.documents import load_document
from engine.catalogue.facts import (
    CHANGES,
    ENDINGS,
    FACTS,
    OPERATIONS,
    PERIODS,
    RECIPIENTS,
    SCENARIOS,
    SERVICES,
    SETTING_PREFIX,
    VARIANTS,
)
from engine.catalogue.rule import Compare, Then, When, operator_of
from engine.catalogue.types import Operation, Scalar
from engine.evaluation.operators import describe

OUTCOMES: tuple[str, ...] = ("ready", "awaits_customer", "needs_support")
WHEN_KINDS = {"MUT002", "MUT003", "MUT004"}  # the changes to a rule's conditions


@dataclass(frozen=True)
class Mutant:
    """One small change to one rule."""

    code: str  # MUT001..MUT006
    rule: str  # the rule's id
    file: str
    line: int  # where the changed part is written
    change: str  # what was changed, in words
    gap: str  # what a case that kills it would show (the start of a hint)
    equivalent: str  # what it means when no request of the generated space plans differently
    when: When | None  # the mutated rule's conditions; None when it is deleted
    then: Then



def _domain(catalogue: Catalogue, fact: str, when: When) -> list[Scalar]:
    """Every value ``fact`` can take where a rule with ``when`` can match, in a fixed order."""
    if fact.startswith(SETTING_PREFIX):
        setting = fact[len(SETTING_PREFIX):]
        return sorted({v for s in catalogue.services.values() for st in s.settings
                       if st.id == setting for v in st.values})
    spec = FACTS.get(fact)
    if spec is None:
        return []
    if spec.type is bool:
        return [False, True]
    services = when.tests.get("service.id")
    service_ids = ([services] if isinstance(services, str) else list(services)
                   if isinstance(services, list) else list(catalogue.services))
    values: dict[str | None, list[Any]] = {
        OPERATIONS: list(Operation.__args__),  # type: ignore[attr-defined]
        SERVICES: list(catalogue.services),
        VARIANTS: [v.id for s in service_ids if s in catalogue.services
                   for v in catalogue.services[str(s)].variants],
        RECIPIENTS: ["agency", "customer"],
        PERIODS: sorted(catalogue.periods),
        SCENARIOS: [s.id for s in catalogue.pipeline.scenarios],
        CHANGES: ["upgrade", "downgrade", "sideways", "same"],
        ENDINGS: ["end", "continue"],
    }
    return list(dict.fromkeys(values.get(spec.domain, [])))


def _word(value: Scalar) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


Position = tuple[str | int, ...]


Variant = tuple[str, Position, str, str, str, Any]  # code, position, change, gap, equivalent, new


def _when_variants(catalogue: Catalogue, when: When) -> Iterator[Variant]:
    """Every mutant of ``when``: (code, position relative to `when`, change, gap, equivalent,
    the mutated `when` as data)."""
    data = when.model_dump(by_alias=True, exclude_none=True)
    alternatives: list[dict[str, Any]] = data.get("any", [])
    for scope in [None, *range(len(alternatives))]:
        tests = _tests(data) if scope is None else alternatives[scope]
        prefix: Position = () if scope is None else ("any", scope)
        for fact, test in When.model_validate(tests).tests.items():
            shown = f"`{fact} {describe(test)}`"
            rest = {k: v for k, v in tests.items() if k != fact}
            yield ("MUT002", (*prefix, fact), f"drop the condition {shown}",
                   f"add a case where {fact} {_negated(test)} and the rest of the rule holds",
                   _equivalent("without the condition"), _with_tests(data, scope, rest))
            for code, where, change, gap, equivalent, value in _value_mutants(
                    catalogue, when, fact, test, tests[fact], shown):
                yield (code, (*prefix, fact, *where), change, gap, equivalent,
                       _with_tests(data, scope, {**rest, fact: value}))
    for j in range(len(alternatives)):
        remaining = [a for k, a in enumerate(alternatives) if k != j]
        top = _tests(data)
        if len(remaining) > 1:
            mutated = {**top, "any": remaining}
        elif set(remaining[0]) & set(top):
            continue  # cannot be written as one `when`
        else:
            mutated = {**top, **remaining[0]}
        yield ("MUT002", ("any", j), f"drop alternative {j + 1} of `any`",
               f"add a case where only alternative {j + 1} of `any` holds",
               _equivalent("without the alternative"), mutated)


def _equivalent(how: str) -> str:
    """What an equivalent mutant means: a fact about the generated space, not about every
    request, so it is never advice to delete the rule or the condition."""
    return (f"equivalent over the generated space: no request of it plans differently {how}; "
            "a request the space does not hold may still, so this alone is no reason to "
            "delete anything")


def _with_tests(data: dict[str, Any], scope: int | None, tests: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a `when`) with the tests at ``scope`` (the top, or an alternative) replaced."""
    if scope is None:
        return {**tests, **({"any": data["any"]} if "any" in data else {})}
    alternatives = [*data["any"][:scope], tests, *data["any"][scope + 1:]]
    return {**_tests(data), "any": alternatives}


def _negated(test: Scalar | list[Scalar] | Compare) -> str:
    """The condition turned around, as a person would say it: "is not agency"."""
    operator, operand = operator_of(test)
    words = {"=": "is not {}", "list": "is none of {}", "in": "is none of {}", "not": "is {}",
             "not_in": "is one of {}"}
    if operator.name == "present":
        return "is absent" if operand else "is present"
    if operator.name in words:
        shown = ", ".join(map(_word, operand)) if isinstance(operand, list) else _word(operand)
        return words[operator.name].format(shown)
    return f"is not {describe(test)}"


def _tests(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "any"}


def _value_mutants(catalogue: Catalogue, when: When, fact: str,
                   test: Scalar | list[Scalar] | Compare, raw: Any, shown: str
                   ) -> Iterator[Variant]:
    """The test on ``fact`` with another value of its domain (or `present` negated); the
    position is relative to the fact's test, the last item the new test as data."""
    operator, operand = operator_of(test)
    if operator.name == "present":
        now = "absent" if operand else "present"
        yield ("MUT004", (), f"{shown} -> {now}", f"add a case where {fact} is {now}",
               _equivalent("with the condition negated"), {"present": not operand})
        return

    def replaced(old: Scalar, value: Scalar, where: Position, new: Any) -> Variant:
        return ("MUT003", where, f"{shown}: {_word(old)} -> {_word(value)}",
                f"add a case where {fact} is {_word(value)} (or {_word(old)})",
                _equivalent(f"with {_word(value)} for {_word(old)}"), new)

    domain = _domain(catalogue, fact, when)
    key = next((k for k in ("in", "not_in", "not", "gt", "gte", "lt", "lte")
                if isinstance(raw, dict) and raw.get(k) is not None), None)
    members = raw if isinstance(raw, list) else raw[key] if key in ("in", "not_in") else None
    if members is not None:  # a list: each member replaced by each value not in it
        for k, old in enumerate(members):
            for value in domain:
                if value not in members and type(value) is type(old):
                    swapped = [*members[:k], value, *members[k + 1:]]
                    yield replaced(old, value, (key, k) if key else (k,),
                                   {key: swapped} if key else swapped)
        return
    old = raw[key] if key else raw
    for value in domain:
        if value != old and type(value) is type(old):
            yield replaced(old, value, (key,) if key else (), {key: value} if key else value)


def _then_variants(then: Then) -> Iterator[Variant]:
    for fact in then.set:
        yield ("MUT005", ("set", fact), f"drop `set: {fact}`",
               f"add a case that checks the {fact} decided",
               "nothing depends on this decision in the generated space",
               then.model_copy(update={"set": {k: v for k, v in then.set.items() if k != fact}}))
    for k, step in enumerate(then.steps):
        yield ("MUT005", ("steps", k), f"drop step {k + 1} ({step.actor})",
               "add a case that lists this step (`steps:` or `steps_include:`)",
               "this step never shows in the generated space",
               then.model_copy(update={"steps": [s for i, s in enumerate(then.steps) if i != k]}))
    for k, warning in enumerate(then.warnings):
        yield ("MUT005", ("warnings", k), f"drop warning {warning.code}",
               f"add a case that checks `warnings:` where {warning.code} is given",
               "this warning never shows in the generated space",
               then.model_copy(update={"warnings": [w for i, w in enumerate(then.warnings)
                                                    if i != k]}))
    for k, _note in enumerate(then.notes):
        yield ("MUT005", ("notes", k), f"drop note {k + 1}",
               "add a case that checks `notes:` where the rule fires",
               "this note never shows in the generated space",
               then.model_copy(update={"notes": [n for i, n in enumerate(then.notes) if i != k]}))
    if then.reject is not None:
        yield ("MUT005", ("reject",), f"drop rejection {then.reject.code}",
               f"add a case that checks `rejections:` where {then.reject.code} is given",
               "another rejection always comes with this one in the generated space",
               then.model_copy(update={"reject": None}))
    if then.outcome is not None:
        yield ("MUT005", ("outcome",), f"drop `outcome: {then.outcome}`",
               "add a case that checks `outcome:` where the rule fires",
               "another rule decides the outcome wherever this one fires",
               then.model_copy(update={"outcome": None}))
        for outcome in OUTCOMES:
            if outcome != then.outcome:
                yield ("MUT006", ("outcome",), f"`outcome: {then.outcome}` -> {outcome}",
                       "add a case that checks `outcome:` where the rule fires",
                       "another rule decides the outcome wherever this one fires",
                       then.model_copy(update={"outcome": outcome}))


def mutants(catalogue: Catalogue) -> list[Mutant]:
    """Every mutant of the catalogue's rules, in catalogue order."""
    found: list[Mutant] = []
    documents: dict[str, Any] = {}
    for placed in catalogue.rules:
        if placed.file not in documents:
            documents[placed.file] = load_document(Path(placed.file))
        document = documents[placed.file]
        index = next(i for i, r in enumerate(document.data["rules"]) if r.get("id") == placed.rule.id)

        def line(*where: str | int, index: int = index, document: Any = document) -> int:
            return int(document.position(("rules", index, *where))[0])

        rule = placed.rule
        found.append(Mutant("MUT001", rule.id, placed.file, placed.line, "delete the rule",
                            f"add a case where '{rule.id}' fires and check what it does",
                            _equivalent("without the rule"), None, rule.then))
        for code, where, change, gap, equivalent, data in _when_variants(catalogue, rule.when):
            found.append(Mutant(code, rule.id, placed.file, line("when", *where), change, gap,
                                equivalent, When.model_validate(data), rule.then))
        for code, where, change, gap, equivalent, then in _then_variants(rule.then):
            found.append(Mutant(code, rule.id, placed.file, line("then", *where), change, gap,
                                equivalent, rule.when, then))
    return found


def mutant_catalogue(catalogue: Catalogue, mutant: Mutant) -> Catalogue:
    """The catalogue with ``mutant``'s change; its own digest, so durable-rules registers its
    rulesets apart from the original's."""
    rules: list[PlacedRule] = []
    for placed in catalogue.rules:
        if placed.rule.id != mutant.rule:
            rules.append(placed)
        elif mutant.when is not None:
            rule = placed.rule.model_copy(update={"when": mutant.when, "then": mutant.then})
            rules.append(dataclasses.replace(placed, rule=rule))
    key = f"{catalogue.digest}\0{mutant.rule}\0{mutant.line}\0{mutant.change}"
    return dataclasses.replace(catalogue, rules=tuple(rules),
                               digest=hashlib.sha256(key.encode()).hexdigest())


