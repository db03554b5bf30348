"""Mutation testing of the rules: which rules and conditions the test cases do not pin down.

Rule coverage says a case fired a rule; it does not say a case would notice if the rule were
wrong. Each *mutant* is the catalogue with one small change to one rule (MUT001 delete it,
MUT002 drop a condition, MUT003 give a condition another value its fact can take, MUT004
negate a `present`, MUT005 drop a `then` effect, MUT006 change an `outcome`). A mutant is
*killed* when some case fails against it, and *survives* otherwise. A survivor that no
request of the generated space (engine.tools.generate) plans differently for is *equivalent*: no
case could ever kill it, and for a condition that means the condition is redundant.

Speed: only the requests on which the changed rule decides differently are evaluated again
(where it matches as before and does the same, the mutant's plan is the original one), with
the plain-Python matcher, which means what the durable-rules conditions mean
(tests/test_mutate.py checks a sample of the verdicts on the shipped suite against
durable-rules evaluating every case in full).
Mutants are shared among forked workers, and the generated space among them for the
equivalence check.
"""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

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
from engine.catalogue.rule import Compare, Then, When
from engine.catalogue.types import Operation, Scalar
from engine.errors import CollabError, Diagnostic, EngineError, InputError
from engine.evaluation.compile import CompiledCatalogue, CompiledStage, compile_catalogue
from engine.evaluation.evaluate import python_matcher, trace
from engine.evaluation.operators import Predicate, describe, predicate
from engine.plan.model import Plan
from engine.request.model import Request
from engine.tools.analyse import summarise
from engine.tools.cases import Expectation, actual, case_request, load_case, mismatches
from engine.tools.generate import corpus

OUTCOMES: tuple[str, ...] = ("ready", "awaits_customer", "needs_support")
_WHEN_KINDS = {"MUT002", "MUT003", "MUT004"}


def _never(facts: dict[str, Any]) -> bool:
    """The conditions of a deleted rule."""
    return False


Status = Literal["killed", "survived", "equivalent", "allowed"]


@dataclass(frozen=True)
class Mutant:
    """One small change to one rule."""

    code: str  # MUT001..MUT006
    rule: str  # the rule's id
    file: str
    line: int  # where the changed part is written
    change: str  # what was changed, in words
    gap: str  # what a case that kills it would show (the start of a hint)
    redundant: str  # what it means when no request plans differently
    when: When | None  # the mutated rule's conditions; None when it is deleted
    then: Then


@dataclass(frozen=True)
class MutantResult:
    mutant: Mutant
    status: Status
    killed_by: str = ""  # the first case that failed against it
    example: str = ""  # a generated request it plans differently, in one line
    differs: tuple[str, ...] = ()  # what differs in that request's plan

    @property
    def hint(self) -> str:
        if self.status == "equivalent":
            return self.mutant.redundant
        if self.status in ("survived", "allowed"):
            effect = (f"its {', '.join(self.differs)} would differ" if self.differs else
                      "two rules would decide one fact differently")
            return f"{self.mutant.gap}, e.g. {self.example} ({effect})"
        return ""


@dataclass(frozen=True)
class MutationReport:
    results: list[MutantResult]
    cases: int
    rules: int

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def score(self) -> float:
        """Killed mutants in percent of those a case could kill (not equivalent, not allowed)."""
        killed, survived = self.count("killed"), self.count("survived")
        return 100.0 * killed / (killed + survived) if killed + survived else 100.0


# --------------------------------------------------------------------------- mutants


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


Variant = tuple[str, Position, str, str, str, Any]  # code, position, change, gap, redundant, new


def _when_variants(catalogue: Catalogue, when: When) -> Iterator[Variant]:
    """Every mutant of ``when``: (code, position relative to `when`, change, gap, redundant,
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
                   "the condition may be redundant: no request in the generated space plans "
                   "differently without it", _with_tests(data, scope, rest))
            for code, where, change, gap, redundant, value in _value_mutants(
                    catalogue, when, fact, test, tests[fact], shown):
                yield (code, (*prefix, fact, *where), change, gap, redundant,
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
               "the alternative may be redundant: no request in the generated space plans "
               "differently without it", mutated)


def _with_tests(data: dict[str, Any], scope: int | None, tests: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a `when`) with the tests at ``scope`` (the top, or an alternative) replaced."""
    if scope is None:
        return {**tests, **({"any": data["any"]} if "any" in data else {})}
    alternatives = [*data["any"][:scope], tests, *data["any"][scope + 1:]]
    return {**_tests(data), "any": alternatives}


def _negated(test: Scalar | list[Scalar] | Compare) -> str:
    """The condition turned around, as a person would say it: "is not agency"."""
    if isinstance(test, Compare):
        if test.present is not None:
            return "is absent" if test.present else "is present"
        if test.not_ is not None:
            return f"is {_word(test.not_)}"
        if test.in_ is not None:
            return "is none of " + ", ".join(map(_word, test.in_))
        if test.not_in is not None:
            return "is one of " + ", ".join(map(_word, test.not_in))
        return f"is not {describe(test)}"
    if isinstance(test, list):
        return "is none of " + ", ".join(map(_word, test))
    return f"is not {_word(test)}"


def _tests(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "any"}


def _value_mutants(catalogue: Catalogue, when: When, fact: str,
                   test: Scalar | list[Scalar] | Compare, raw: Any, shown: str
                   ) -> Iterator[Variant]:
    """The test on ``fact`` with another value of its domain (or `present` negated); the
    position is relative to the fact's test, the last item the new test as data."""
    if isinstance(test, Compare) and test.present is not None:
        now = "absent" if test.present else "present"
        yield ("MUT004", (), f"{shown} -> {now}", f"add a case where {fact} is {now}",
               "the condition may be redundant: no request in the generated space plans "
               "differently with it negated", {"present": not test.present})
        return

    def replaced(old: Scalar, value: Scalar, where: Position, new: Any) -> Variant:
        return ("MUT003", where, f"{shown}: {_word(old)} -> {_word(value)}",
                f"add a case where {fact} is {_word(value)} (or {_word(old)})",
                f"the condition may be too narrow or redundant: no request in the generated "
                f"space plans differently with {_word(value)} for {_word(old)}", new)

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
                            "the rule may be redundant: no request in the generated space plans "
                            "differently without it", None, rule.then))
        for code, where, change, gap, redundant, data in _when_variants(catalogue, rule.when):
            found.append(Mutant(code, rule.id, placed.file, line("when", *where), change, gap,
                                redundant, When.model_validate(data), rule.then))
        for code, where, change, gap, redundant, then in _then_variants(rule.then):
            found.append(Mutant(code, rule.id, placed.file, line("then", *where), change, gap,
                                redundant, rule.when, then))
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


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class _Baseline:
    """One request evaluated with the original catalogue."""

    request: Request
    stage_facts: tuple[dict[str, Any], ...]  # what each stage saw
    matched: frozenset[str]
    plan: Plan

    @cached_property
    def observed(self) -> dict[str, Any]:
        """The plan as a case sees it (engine.tools.cases.actual)."""
        return actual(self.plan)


def _baseline(compiled: CompiledCatalogue, request: Request) -> _Baseline:
    evaluation = trace(compiled, request, python_matcher)
    return _Baseline(request, tuple(s.facts for s in evaluation.stages),
                     frozenset(p.rule.id for p in evaluation.matched), evaluation.plan)


@dataclass
class _Probe:
    """A mutant made ready to evaluate: which requests it can change, and how to re-plan them."""

    mutant: Mutant
    stage: int  # the changed rule's stage, by index
    before: Predicate
    after: Predicate
    compiled: CompiledCatalogue

    def touches(self, baseline: _Baseline) -> bool:
        """Whether the mutant's plan for the request can differ from the original one."""
        if self.mutant.code in _WHEN_KINDS:
            facts = baseline.stage_facts[self.stage]
            return self.before(facts) != self.after(facts)
        return self.mutant.rule in baseline.matched

    def plan(self, request: Request) -> Plan | None:
        """The mutant's plan; None when its rules conflict (ENG002)."""
        try:
            return trace(self.compiled, request, self._match).plan
        except EngineError:
            return None

    def _match(self, compiled: CompiledCatalogue, stage: CompiledStage,
               facts: dict[str, Any]) -> set[str]:
        rule = self.mutant.rule
        fired = {r for r, check in stage.partition(facts["operation"], facts["service.id"])
                 .predicates if r != rule and check(facts)}
        if stage is self.compiled.stages[self.stage] and self.after(facts):
            fired.add(rule)
        return fired


def _probe(compiled: CompiledCatalogue, mutant: Mutant) -> _Probe:
    catalogue = compiled.catalogue
    placed = catalogue.rule(mutant.rule)
    stage = next(i for i, s in enumerate(compiled.stages) if s.stage == placed.stage)
    after = _never if mutant.when is None else predicate(mutant.when)
    return _Probe(mutant, stage, predicate(placed.rule.when), after,
                  CompiledCatalogue(mutant_catalogue(catalogue, mutant), compiled.stages))


@dataclass(frozen=True)
class _Case:
    name: str
    expect: Expectation
    baseline: _Baseline


def _kill(probe: _Probe, cases: list[_Case]) -> str:
    """The first case that fails against the mutant, or ''."""
    for case in cases:
        if not probe.touches(case.baseline):
            continue
        plan = probe.plan(case.baseline.request)
        if plan is None or mismatches(case.expect, plan):
            return case.name
    return ""


def _difference(probe: _Probe, baselines: Iterable[tuple[int, _Baseline]]
                ) -> tuple[int, tuple[str, ...]] | None:
    """The first generated request the mutant plans differently, and what differs."""
    for index, baseline in baselines:
        if not probe.touches(baseline):
            continue
        plan = probe.plan(baseline.request)
        if plan is None:
            return index, ()
        observed = actual(plan)
        differs = tuple(k for k, v in baseline.observed.items()
                        if k != "steps_include" and observed[k] != v)
        if differs:
            return index, differs
    return None


# --------------------------------------------------------------------------- the run

_work: dict[str, Any] = {}  # what forked workers inherit


def _jobs(size: int, at_least: int) -> int:
    if size < at_least or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def _share(jobs: int, runner: Callable[[int, int], Any]) -> list[Any]:
    """``runner(share, jobs)`` for every share, in forked workers when there are several."""
    if jobs == 1:
        return [runner(0, 1)]
    _work["runner"] = runner
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            return pool.starmap(_run_share, [(share, jobs) for share in range(jobs)])
    finally:
        _work.clear()


def _run_share(share: int, jobs: int) -> Any:
    return _work["runner"](share, jobs)


def load_cases(paths: list[Path], catalogue: Catalogue, compiled: CompiledCatalogue
               ) -> list[_Case]:
    """The cases, each evaluated with the original catalogue; every one must pass."""
    cases, problems = [], []
    for path in paths:
        try:
            case, document = load_case(path)
            request = case_request(case, document, catalogue)
        except CollabError as error:
            raise InputError(error.diagnostics) from None
        baseline = _baseline(compiled, request)
        if mismatches(case.expect, baseline.plan):
            problems.append(Diagnostic(document.name, 1, 1, "CASE003",
                                       "the case fails on the catalogue as it is",
                                       "mutation testing needs every case passing: run "
                                       "`collab test` and fix it first"))
        cases.append(_Case(document.name, case.expect, baseline))
    if problems:
        raise MutationError(problems)
    return cases


class MutationError(CollabError):
    """A case fails on the unchanged catalogue: mutation testing needs a passing suite."""


def mutate(catalogue: Catalogue, case_paths: list[Path]) -> MutationReport:
    """Every mutant of ``catalogue``'s rules run against the cases in ``case_paths``."""
    compiled = compile_catalogue(catalogue)
    cases = load_cases(case_paths, catalogue, compiled)
    every = mutants(catalogue)

    def kill_share(share: int, jobs: int) -> list[str]:
        return [_kill(_probe(compiled, m), cases) for m in every[share::jobs]]

    jobs = _jobs(len(every) * len(cases), 2000)
    shares = _share(jobs, kill_share)
    killers = [""] * len(every)
    for share, found in enumerate(shares):
        killers[share::jobs] = found
    survivors = [i for i, killer in enumerate(killers) if not killer]
    differences = _equivalence(compiled, [every[i] for i in survivors])
    by_survivor = {index: differences.get(k) for k, index in enumerate(survivors)}
    results = []
    for index, mutant in enumerate(every):
        if killers[index]:
            results.append(MutantResult(mutant, "killed", killed_by=killers[index]))
            continue
        difference = by_survivor[index]
        if difference is None:
            results.append(MutantResult(mutant, "equivalent"))
            continue
        example, differs = difference
        allowed = mutant.code in catalogue.rule(mutant.rule).rule.allow
        results.append(MutantResult(mutant, "allowed" if allowed else "survived",
                                    example=example, differs=differs))
    return MutationReport(results, len(cases), len(catalogue.rules))


def _equivalence(compiled: CompiledCatalogue, survivors: list[Mutant]
                 ) -> dict[int, tuple[str, tuple[str, ...]]]:
    """For each survivor (by index) that some generated request plans differently: the
    first such request in corpus order, summarised, and what differs."""
    if not survivors:
        return {}
    space = list(corpus(compiled.catalogue))

    def scan_share(share: int, jobs: int) -> dict[int, tuple[int, tuple[str, ...]]]:
        baselines = []
        for i in range(share, len(space), jobs):
            try:
                baselines.append((i, _baseline(compiled, Request.model_validate(space[i]))))
            except EngineError:  # rules in conflict on it (ANA001): it cannot tell
                continue
        found = {}
        for index, mutant in enumerate(survivors):
            difference = _difference(_probe(compiled, mutant), baselines)
            if difference is not None:
                found[index] = difference
        return found

    merged: dict[int, tuple[int, tuple[str, ...]]] = {}
    for found in _share(_jobs(len(space), 2000), scan_share):
        for index, difference in found.items():
            if index not in merged or difference[0] < merged[index][0]:
                merged[index] = difference
    return {index: (summarise(space[at]), differs) for index, (at, differs) in merged.items()}


# --------------------------------------------------------------------------- reports


def _entry(result: MutantResult) -> dict[str, Any]:
    m = result.mutant
    return {"file": m.file, "line": m.line, "rule": m.rule, "code": m.code, "change": m.change,
            "status": result.status, "hint": result.hint}


def report_json(report: MutationReport) -> dict[str, Any]:
    return {
        "mutants": len(report.results),
        "killed": report.count("killed"),
        "survived": report.count("survived"),
        "equivalent": report.count("equivalent"),
        "allowed": report.count("allowed"),
        "score": round(report.score, 1),
        "survivors": [_entry(r) for r in report.results if r.status == "survived"],
        "equivalents": [_entry(r) for r in report.results if r.status == "equivalent"],
        "allowed_survivors": [_entry(r) for r in report.results if r.status == "allowed"],
    }


def report_text(report: MutationReport) -> str:
    lines = []
    for status, label in (("survived", "SURVIVED"), ("allowed", "ALLOWED"),
                          ("equivalent", "REDUNDANT")):
        for result in report.results:
            if result.status == status:
                m = result.mutant
                lines.append(f"{label:<9} {m.file}:{m.line}  {m.rule}: {m.change} ({m.code})")
                lines.append(f"          hint: {result.hint}")
    lines.append(f"{len(report.results)} mutant(s) of {report.rules} rules against "
                 f"{report.cases} case(s): {report.count('killed')} killed, "
                 f"{report.count('survived')} survived, {report.count('equivalent')} "
                 f"equivalent (listed as REDUNDANT), {report.count('allowed')} allowed")
    lines.append(f"Mutation score: {report.score:.1f}% of the mutants a case can kill")
    return "\n".join(lines) + "\n"


def report_junit(report: MutationReport) -> str:
    """JUnit XML: one testcase per mutant; a survivor fails, an equivalent one is skipped."""
    suite = ET.Element("testsuite", name="collab.mutate", tests=str(len(report.results)),
                       failures=str(report.count("survived")),
                       skipped=str(report.count("equivalent") + report.count("allowed")))
    for result in report.results:
        m = result.mutant
        case = ET.SubElement(suite, "testcase", classname=f"collab.mutate.{m.rule}",
                             name=f"{m.file}:{m.line} {m.change} ({m.code})")
        if result.status == "survived":
            failure = ET.SubElement(case, "failure", message="the mutant survived")
            failure.text = result.hint
        elif result.status in ("equivalent", "allowed"):
            ET.SubElement(case, "skipped", message=result.hint)
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
