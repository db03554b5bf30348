"""Stage 3: compile the catalogue's rules into durable-rules rulesets.

A rule's `when` becomes one durable-rules condition over the request fact. Every condition is
anchored on ``kind == "request"``: durable-rules re-asserts session state as a message after
each action, and a rule made only of negations would match that and fire without end.

Each stage is split into *partitions*, one per (operation, service), holding only the rules
that can match such a request (a rule testing `operation: end` is not in the activate
partition). Partitions with the same rules share one ruleset. A request is then matched
against a few rules instead of all of the stage's, and carries only the facts those rules
read: durable-rules' cost grows with both (measured in benchmarks/).
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from engine.catalogue.catalogue import Catalogue, PlacedRule
from engine.catalogue.rule import When, operator_of
from engine.catalogue.types import Scalar
from engine.evaluation.operators import Predicate, facts_read, predicate

ANCHOR = {"kind": "request"}


@dataclass(frozen=True)
class Partition:
    """The rules of one stage that can match requests of some operation and service."""

    ruleset: str  # the durable-rules ruleset name, unique per catalogue content and rules
    conditions: dict[str, dict[str, Any]]  # rule id -> durable-rules condition
    predicates: tuple[tuple[str, Predicate], ...]  # rule id -> the same condition in Python
    facts: frozenset[str]  # every fact these rules read: all a request needs to carry
    read: tuple[str, ...]  # the same, sorted
    members: tuple[PlacedRule, ...]  # the rules, in catalogue order
    owner: str = ""  # the digest of the catalogue it belongs to ("": made by hand, in tests)

    @cached_property
    def by_id(self) -> dict[str, PlacedRule]:
        """The rules by id (a stage's trace picks the few that fired out of many)."""
        return {placed.rule.id: placed for placed in self.members}


@dataclass(frozen=True, eq=False)
class CompiledStage:
    """One stage's rules, partitioned on first use (a `collab plan` needs a few partitions)."""

    stage: str
    catalogue: Catalogue
    _partitions: dict[tuple[str, str], Partition] = field(default_factory=dict, repr=False)
    _by_rules: dict[tuple[str, ...], Partition] = field(default_factory=dict, repr=False)
    _index: dict[tuple[Scalar | None, Scalar | None], list[PlacedRule]] = field(
        default_factory=dict, repr=False)
    _rules: dict[str, tuple[dict[str, Any], Predicate, set[str]]] = field(
        default_factory=dict, repr=False)

    def _members(self, operation: str, service: str) -> tuple[PlacedRule, ...]:
        """The rules may_match admits, from an index of the stage's rules by the operations
        and services they name (None: any), built on first use."""
        if not self._index:
            self._index[None, None] = []  # built: never empty again
            for placed in self.catalogue.stage_rules(self.stage):
                for key in itertools.product(named_values(placed.rule.when, "operation"),
                                             named_values(placed.rule.when, "service.id")):
                    self._index.setdefault(key, []).append(placed)
        found = (self._index.get(key, []) for key in
                 ((operation, service), (operation, None), (None, service), (None, None)))
        return tuple(heapq.merge(*found, key=lambda placed: placed.order))

    def _partition(self, members: tuple[PlacedRule, ...]) -> Partition:
        """A partition of ``members``, each rule compiled once however many hold it."""
        for placed in members:
            if placed.rule.id not in self._rules:
                self._rules[placed.rule.id] = (rule_condition(placed.rule.when),
                                               predicate(placed.rule.when),
                                               facts_read(placed.rule.when))
        rule_ids = "\0".join(p.rule.id for p in members)
        name = hashlib.sha256(rule_ids.encode()).hexdigest()[:12]
        compiled = [(p.rule.id, *self._rules[p.rule.id]) for p in members]
        read: set[str] = set().union(*(names for *_, names in compiled))
        return Partition(
            ruleset=f"{self.stage}-{name}-{self.catalogue.digest[:16]}",
            conditions={rule_id: condition for rule_id, condition, _, _ in compiled},
            predicates=tuple((rule_id, check) for rule_id, _, check, _ in compiled),
            facts=frozenset(read),
            read=tuple(sorted(read)),
            members=members,
            owner=self.catalogue.digest,
        )

    def partition(self, operation: str, service: str) -> Partition:
        """The rules of this stage that can match a request of ``operation`` and ``service``."""
        found = self._partitions.get((operation, service))
        if found is None:
            members = self._members(operation, service)
            key = tuple(p.rule.id for p in members)
            found = self._by_rules.get(key) or self._partition(members)
            self._by_rules[key] = self._partitions[(operation, service)] = found
        return found


@dataclass(frozen=True)
class CompiledCatalogue:
    catalogue: Catalogue
    stages: tuple[CompiledStage, ...]


def condition(when: When) -> list[dict[str, Any]]:
    """The durable-rules terms for ``when`` (to be joined with $and)."""
    terms: list[dict[str, Any]] = []
    for name, test in when.tests.items():
        operator, operand = operator_of(test)
        terms.append(operator.term(name, operand))
    if when.any:
        terms.append({"$or": [{"$and": [ANCHOR, *condition(alt)]} for alt in when.any]})
    return terms


def rule_condition(when: When) -> dict[str, Any]:
    """The whole durable-rules condition of a rule: the anchor and ``when``."""
    return {"$and": [ANCHOR, *condition(when)]}


def _admits(when: When, fact: str, value: str) -> bool:
    test = when.tests.get(fact)
    if isinstance(test, str):
        return test == value
    if isinstance(test, list):
        return value in test
    return True


def named_values(when: When, fact: str) -> tuple[Scalar | None, ...]:
    """The values ``when`` requires of ``fact`` (as _admits reads it), or (None,): any."""
    test = when.tests.get(fact)
    if isinstance(test, str):
        return (test,)
    if isinstance(test, list):
        return tuple(dict.fromkeys(test))
    return (None,)


def may_match(when: When, operation: str, service: str | None = None) -> bool:
    """False when ``when`` requires another operation (or service): an index, so that most
    rules are skipped without testing them."""
    return _admits(when, "operation", operation) and (
        service is None or _admits(when, "service.id", service))


def compile_catalogue(catalogue: Catalogue) -> CompiledCatalogue:
    return CompiledCatalogue(catalogue, tuple(CompiledStage(stage.id, catalogue)
                                              for stage in catalogue.pipeline.stages))
