"""Mutation testing of the rules: which rules and conditions the test cases do not pin down.

Rule coverage says a case fired a rule; it does not say a case would notice if the rule were
wrong. Each *mutant* is the catalogue with one small change to one rule (MUT001 delete it,
MUT002 drop a condition, MUT003 give a condition another value its fact can take, MUT004
negate a `present`, MUT005 drop a `then` effect, MUT006 change an `outcome`). A mutant is
*killed* when some case fails against it, and *survives* otherwise. A survivor that no
request of the generated space (engine.tools.generate) plans differently for is
*equivalent over the generated space*: no case drawn from that space could kill it. That
is no proof that a condition is redundant (a request outside the space may tell it apart).
A rule accepts a known survivor with `allow: [MUT002]`; an `allow:` of a kind none of whose
mutants survives any longer is stale, and the run warns (MUT007) rather than let its comment
mislead.

Speed: only the requests on which the changed rule decides differently are evaluated again
(where it matches as before and does the same, the mutant's plan is the original one), with
the plain-Python matcher, which means what the durable-rules conditions mean
(tests/tools/test_mutate.py checks a sample of the verdicts on the shipped suite against
durable-rules evaluating every case in full).
Mutants are shared among forked workers, and the generated space among them for the
equivalence check.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from engine.catalogue.catalogue import Catalogue
from engine.errors import CollabError, Diagnostic, EngineError, InputError, Severity, Verdict
from engine.evaluation.compile import CompiledCatalogue, CompiledStage, compile_catalogue
from engine.evaluation.evaluate import python_matcher, trace
from engine.evaluation.operators import Predicate, predicate
from engine.plan.model import Plan
from engine.processes import can_fork
from engine.request.model import Request
from engine.tools.analyse import summarise
from engine.tools.cases import (
    Expectation,
    TestReport,
    actual,
    case_request,
    load_case,
    mismatches,
    test_catalogue,
)
from engine.tools.generate import corpus
from engine.tools.mutants import WHEN_KINDS, Mutant, mutant_catalogue, mutants

Status = Literal["killed", "survived", "equivalent", "allowed"]
# What the gate (--fail-under) says to do when the score is under it.
SUGGEST_HINT = ("run `collab test --mutate --suggest` to see, for each survivor, a request that "
                "tells it from the catalogue with both plans side by side, then `collab test "
                "--mutate --review` to accept as cases the plans the help pages (or README's "
                "Decisions) back, or add `allow:` to a rule the pages are silent on")


def _never(facts: dict[str, Any]) -> bool:
    """The conditions of a deleted rule."""
    return False


@dataclass(frozen=True)
class MutantResult:
    mutant: Mutant
    status: Status
    killed_by: str = ""  # the first case that failed against it
    example: str = ""  # a generated request it plans differently, in one line
    differs: tuple[str, ...] = ()  # what differs in that request's plan
    request: dict[str, Any] | None = None  # that generated request, as data

    @property
    def hint(self) -> str:
        if self.status == "equivalent":
            return self.mutant.equivalent
        if self.status in ("survived", "allowed"):
            effect = (f"its {', '.join(self.differs)} would differ" if self.differs else
                      "two rules would decide one fact differently")
            return f"{self.mutant.gap}, e.g. {self.example} ({effect})"
        return ""


@dataclass(frozen=True)
class MutationReport:
    """`collab test --mutate`'s result: every mutant's fate (or, when a case does not pass on
    the catalogue as it is, that run of the cases, and no mutants)."""

    results: list[MutantResult]
    cases: int
    rules: int
    fail_under: float | None = None
    tests: TestReport | None = None  # the cases' own run, when one of them does not pass
    stale_allows: tuple[Diagnostic, ...] = ()  # MUT007: an `allow:` nothing survives for

    @property
    def under(self) -> bool:
        return self.fail_under is not None and self.score < self.fail_under

    @property
    def verdict(self) -> Verdict:
        if self.tests is not None:
            return self.tests.verdict
        return Verdict.NEGATIVE if self.under else Verdict.OK

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def score(self) -> float:
        """Killed mutants in percent of those a case could kill (not equivalent, not allowed)."""
        killed, survived = self.count("killed"), self.count("survived")
        return 100.0 * killed / (killed + survived) if killed + survived else 100.0


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
        if self.mutant.code in WHEN_KINDS:
            facts = baseline.stage_facts[self.stage]
            return self.before(facts) != self.after(facts)
        return self.mutant.rule in baseline.matched

    def plan(self, request: Request) -> Plan | None:
        """The mutant's plan; None when its rules conflict (ENG002)."""
        try:
            return trace(self.compiled, request, python_matcher).plan
        except EngineError:
            return None


def compiled_mutant(compiled: CompiledCatalogue, mutant: Mutant) -> CompiledCatalogue:
    """``compiled`` with ``mutant``'s change: the changed rule's stage compiled again (with
    rulesets of its own for durable-rules), the other stages shared."""
    changed = mutant_catalogue(compiled.catalogue, mutant)
    stage = compiled.catalogue.rule(mutant.rule).stage
    return CompiledCatalogue(changed, tuple(CompiledStage(s.stage, changed) if s.stage == stage
                                            else s for s in compiled.stages))


def _probe(compiled: CompiledCatalogue, mutant: Mutant) -> _Probe:
    placed = compiled.catalogue.rule(mutant.rule)
    stage = next(i for i, s in enumerate(compiled.stages) if s.stage == placed.stage)
    after = _never if mutant.when is None else predicate(mutant.when)
    return _Probe(mutant, stage, predicate(placed.rule.when), after,
                  compiled_mutant(compiled, mutant))


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
                        if k not in ("steps_include", "steps_absent") and observed[k] != v)
        if differs:
            return index, differs
    return None


# --------------------------------------------------------------------------- the run

_work: dict[str, Any] = {}  # what forked workers inherit


def _jobs(size: int, at_least: int) -> int:
    if size < at_least or not can_fork():
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
            problems.append(Diagnostic(document.name, 1, 1, "CASE004",
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
        example, differs, request = difference
        allowed = mutant.code in catalogue.rule(mutant.rule).rule.allow
        results.append(MutantResult(mutant, "allowed" if allowed else "survived",
                                    example=example, differs=differs, request=request))
    return MutationReport(results, len(cases), len(catalogue.rules),
                          stale_allows=_stale_allows(catalogue, results))


def _stale_allows(catalogue: Catalogue, results: list[MutantResult]) -> tuple[Diagnostic, ...]:
    """MUT007: a rule accepts a kind of survivor (``allow: [MUT002]``) of which no mutant of
    it survives now (killed by a case since, or equivalent): the `allow:` and the comment that
    explains it would mislead. A warning: the run's verdict does not change."""
    accepted = {(r.mutant.rule, r.mutant.code) for r in results if r.status == "allowed"}
    return tuple(Diagnostic(p.file, p.line, 1, "MUT007",
                            f"rule '{p.rule.id}' allows {code}, but no {code} mutant of it "
                            "survives any longer",
                            f"remove {code} from its `allow:` (and the comment that explains it)",
                            Severity.WARNING)
                 for p in catalogue.rules for code in p.rule.allow
                 if code.startswith("MUT") and (p.rule.id, code) not in accepted)


def _equivalence(compiled: CompiledCatalogue, survivors: list[Mutant]
                 ) -> dict[int, tuple[str, tuple[str, ...], dict[str, Any]]]:
    """For each survivor (by index) that some generated request plans differently: the
    first such request in corpus order, summarised, what differs, and the request."""
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
    return {index: (summarise(space[at]), differs, dict(space[at]))
            for index, (at, differs) in merged.items()}


def mutation_test(catalogue: Catalogue, paths: Iterable[Path],
                  fail_under: float | None = None) -> MutationReport:
    """Run the cases in ``paths`` (files or folders); when every one passes, every mutant of
    the catalogue's rules against them."""
    tests = test_catalogue(catalogue, paths)
    if tests.verdict is not Verdict.OK:
        return MutationReport([], len(tests.results), len(catalogue.rules), fail_under, tests)
    report = mutate(catalogue, [r.path for r in tests.results])
    return dataclasses.replace(report, fail_under=fail_under)
