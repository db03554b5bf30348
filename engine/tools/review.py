"""Reviewed plans become cases: the approval-testing pattern of `insta review` and ApprovalTests.

A *proposal* is a plan offered to a person as a case's expected plan: the plan a case gets
now where it expects another (`changed`), or, for a mutant no case kills, a generated request
that tells the mutant from the catalogue, with the catalogue's plan (`suggested`). Only a
person's choice writes a case (`collab test --review`, one proposal at a time, or
`collab test --accept CASE`), and the case records who reviewed it and why (`review:`);
nothing here accepts in bulk, and CI never calls it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from engine.catalogue.catalogue import Catalogue
from engine.errors import Diagnostic, EngineError, InputError, Verdict
from engine.evaluation.compile import compile_catalogue
from engine.evaluation.evaluate import python_matcher, trace
from engine.plan.model import Plan
from engine.request.model import Request
from engine.tools.analyse import summarise
from engine.tools.cases import actual, case_files, load_case, run_case
from engine.tools.diff import DiffReport
from engine.tools.mutate import MutationReport, compiled_mutant

Kind = Literal["changed", "suggested", "diff"]
EXPECT_KEYS = ("outcome", "scenario", "decisions", "steps", "warnings", "notes", "rejections")


@dataclass(frozen=True)
class Proposal:
    """A plan a person may accept as the expected plan of a case."""

    name: str  # the case's name: its file's stem
    path: Path  # the file accepting writes
    kind: Kind
    description: str
    summary: str  # the request in one line
    plan: Plan  # the catalogue's plan: what accepting expects
    expected: dict[str, Any]  # what the case expects now (a changed case), as `expect:` reads
    other: Plan | None = None  # the plan shown beside: a suggestion's mutant's, a diff's old one
    mutants: tuple[str, ...] = ()  # the survivors a suggested case would kill
    data: dict[str, Any] = field(default_factory=dict)  # the case file as it is (changed)
    request: dict[str, Any] | None = None  # a suggestion's (or a diff's) request
    count: int = 1  # a diff's: the requests whose plans change the same way


@dataclass(frozen=True)
class Suggestions:
    """`collab test --mutate --suggest`: the mutation run and a case offered per survivor."""

    report: MutationReport
    proposals: list[Proposal]

    @property
    def verdict(self) -> Verdict:
        return self.report.verdict


@dataclass
class ReviewResult:
    """What a review session did: the cases written and the proposals left as they were."""

    accepted: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # not shown: the person quit first
    verdict: Verdict = Verdict.OK


# --------------------------------------------------------------------------- proposals


def expectation(plan: Plan, keys: Iterable[str] = EXPECT_KEYS) -> dict[str, Any]:
    """``plan`` as a case's `expect:`, with ``keys`` (a scenario only where there is one)."""
    got = actual(plan)
    return {key: got[key] for key in keys if not (key == "scenario" and got[key] is None)}


def changed(catalogue: Catalogue, paths: Iterable[Path]) -> list[Proposal]:
    """A proposal for every case whose plan is not the one it expects."""
    found = []
    for path in case_files(paths):
        result = run_case(path, catalogue)
        if result.status == "error":
            raise InputError(result.errors)
        if result.status == "pass" or result.plan is None:
            continue
        case, document = load_case(path)
        data = dict(document.data)
        expected = case.expect.model_dump(exclude_none=True)
        found.append(Proposal(path.stem, path, "changed", case.description,
                              summarise_plan(result.plan), result.plan, expected, data=data))
    return found


def summarise_plan(plan: Plan) -> str:
    variant = plan.variant.id if plan.variant else "-"
    return f"{plan.operation} {plan.service.id}/{variant} for {plan.customer}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80].rstrip("-")


def suggest(catalogue: Catalogue, report: MutationReport, folder: Path) -> list[Proposal]:
    """For the survivors, the generated requests that tell them from the catalogue (one
    proposal per request, naming every survivor it would kill), with the catalogue's plan
    as the expected one and the first mutant's plan beside it."""
    compiled = compile_catalogue(catalogue)
    by_request: dict[str, list[Any]] = {}
    for result in report.results:  # one proposal per request, however many survivors it tells
        if result.status == "survived" and result.request is not None:
            key = json.dumps(result.request, sort_keys=True, ensure_ascii=False)
            by_request.setdefault(key, []).append(result)
    proposals = []
    taken = {p.stem for p in folder.glob("*.yaml")} if folder.is_dir() else set()
    for results in by_request.values():
        request, summary = results[0].request, results[0].example
        plan = trace(compiled, Request.model_validate(request), python_matcher).plan
        try:
            other: Plan | None = trace(compiled_mutant(compiled, results[0].mutant),
                                       Request.model_validate(request), python_matcher).plan
        except EngineError:
            other = None
        name = "suggested-" + _slug(summary)
        while name in taken:
            name += "-2"
        taken.add(name)
        mutants = tuple(f"{r.mutant.file}:{r.mutant.line} {r.mutant.rule}: {r.mutant.change} "
                        f"({r.mutant.code})" for r in results)
        proposals.append(Proposal(name, folder / f"{name}.yaml", "suggested",
                                  f"{summary} (offered by collab test --mutate --suggest)",
                                  summary, plan, {}, other, mutants, request=request))
    return proposals


def suggestions(catalogue: Catalogue, report: MutationReport, folder: Path) -> Suggestions:
    return Suggestions(report, suggest(catalogue, report, folder) if report.tests is None else [])


def from_diff(report: DiffReport, folder: Path) -> list[Proposal]:
    """`collab diff --review`: one proposal per way plans change (the first request of each
    group, the new catalogue's plan expected, the old one beside it). A request invalid under
    the new catalogue has no plan to expect; newly valid requests are counted, not offered."""
    by_name = {change.name: change for change in report.changed}
    taken = {p.stem for p in folder.glob("*.yaml")} if folder.is_dir() else set()
    found = []
    for changes, names in report.groups.items():
        change = by_name[names[0]]
        if change.new is None or not isinstance(change.request, dict):
            continue
        summary = summarise(change.request)
        name = "accepted-" + _slug(summary)
        while name in taken:
            name += "-2"
        taken.add(name)
        found.append(Proposal(name, folder / f"{name}.yaml", "diff",
                              f"{summary}: its plan as changed from {report.old_name} to "
                              f"{report.new_name} (accepted from collab diff --review)",
                              change.name, change.new, {}, change.old, changes,
                              request=change.request, count=len(names)))
    return found


def pick(proposals: list[Proposal], name: str) -> Proposal:
    """The proposal for the case ``name`` (a file's stem or path)."""
    stem = Path(name).stem
    for proposal in proposals:
        if proposal.name == stem:
            return proposal
    offered = ", ".join(p.name for p in proposals) or "none"
    raise InputError([Diagnostic(name, 0, 0, "CASE006", "no case of that name has a plan to accept",
                                 f"name a case whose plan changed, or a suggestion (offered: "
                                 f"{offered}); `collab test --review` lists them")])


# --------------------------------------------------------------------------- accepting


def _schema_comment(path: Path, catalogue: Catalogue) -> str:
    schema = catalogue.root / "schemas" / "case.schema.json"
    if not schema.is_file():
        return ""
    relative = os.path.relpath(schema.resolve(), path.parent.resolve())
    return f"# yaml-language-server: $schema={relative}\n"


def case_data(proposal: Proposal, by: str, why: str) -> dict[str, Any]:
    """The case file ``proposal`` becomes, reviewed by ``by`` for the reason ``why``."""
    if not by.strip() or not why.strip():
        raise InputError([Diagnostic(str(proposal.path), 0, 0, "CASE007",
                                     "an accepted plan needs who reviewed it and why",
                                     "give --by NAME and --why REASON (the help-page line, or "
                                     "the README Decisions entry, that makes the plan right)")])
    if proposal.kind == "changed":
        keys = [k for k in ("steps" if k == "steps_include" else k for k in proposal.expected)
                if k in EXPECT_KEYS] or EXPECT_KEYS
        data = {k: v for k, v in proposal.data.items() if k not in ("expect", "review")}
    else:
        keys = list(EXPECT_KEYS)
        data = {"description": proposal.description, "request": proposal.request}
    data["expect"] = expectation(proposal.plan, keys)
    data["review"] = {"by": by.strip(), "why": why.strip()}
    return data


def accept(proposal: Proposal, by: str, why: str, catalogue: Catalogue) -> Path:
    """Write ``proposal`` as its case file, reviewed by ``by`` because ``why``."""
    data = case_data(proposal, by, why)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None,
                          width=100)
    proposal.path.parent.mkdir(parents=True, exist_ok=True)
    proposal.path.write_text(_schema_comment(proposal.path, catalogue) + text, encoding="utf-8")
    return proposal.path


def review(proposals: list[Proposal], choose: Callable[[Proposal], str],
           reviewer: Callable[[Proposal], tuple[str, str]], catalogue: Catalogue) -> ReviewResult:
    """Show each proposal (``choose`` shows it and returns the person's choice: accept, skip
    or quit) and write those accepted, each with who reviewed it and why (``reviewer``)."""
    result = ReviewResult()
    for index, proposal in enumerate(proposals):
        choice = choose(proposal)
        if choice == "quit":
            result.left = [p.name for p in proposals[index:]]
            break
        if choice == "skip":
            result.skipped.append(proposal.name)
            continue
        by, why = reviewer(proposal)
        result.accepted.append(accept(proposal, by, why, catalogue))
    return result


def proposals(catalogue: Catalogue, paths: Iterable[Path], report: MutationReport | None,
              folder: Path) -> list[Proposal]:
    """Every proposal to review: changed cases, then (after a mutation run) suggestions."""
    found = changed(catalogue, paths)
    if report is not None and report.tests is None:
        found += suggest(catalogue, report, folder)
    return found


def refuse_in_ci() -> None:
    """CI never accepts: a review or an accept is a person's choice."""
    if os.environ.get("CI"):
        raise InputError([Diagnostic("CI", 0, 0, "CASE008", "plans are not accepted in CI",
                                      "review and accept on your machine, then commit the cases")])
