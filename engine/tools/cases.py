"""Test cases as data: a request and the plan it must give (`collab test`, pytest).

A case file (tests/scenarios/*.yaml) reads::

    description: Lön Smart Start cannot be invoiced to the customer
    request: {...}                 # inline, or
    request_file: ../../examples/some-request.yaml
    expect:
      outcome: rejected
      scenario: spcs_customer
      decisions: {invoice_recipient: agency}
      steps:                       # every step, in order: actor: rule id
        - agency: activate-spcs-customer
      steps_include:               # or: these steps in this order, others may come between
        - customer: approve-activation
      steps_absent:                # and: steps the plan must not hold
        - customer: access-for-customer
      warnings: [DATA_LOSS]        # every warning code, in order
      notes: [end-customer-chooses]   # the rule of every note, in order
      rejections: [INVOICE_RECIPIENT_NOT_ALLOWED]
    source:                        # the help-page lines the expectation comes from
      - {page: 000, line: 11, quote: only the agency that can be the recipient}
    review: {by: Anna Berg, why: README Decisions - ...}   # or: a person's reviewed choice

Keys left out of `expect` are not checked; a list given is compared whole.
"""

from __future__ import annotations

import difflib
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.documents import Document, load_document
from engine.catalogue.messages import validate_model
from engine.catalogue.types import Actor, Code, Model, Outcome, RuleId, Scalar, Text
from engine.errors import CollabError, Diagnostic, InputError, Verdict, display_path
from engine.evaluation.compile import CompiledCatalogue
from engine.evaluation.evaluate import compiled_catalogue, trace
from engine.plan.model import Plan
from engine.request.model import Request
from engine.request.parse import request_from_document

CASE_SUFFIXES = (".yaml", ".yml")


class Expectation(Model):
    """What the plan must show; a key left out is not checked."""

    outcome: Outcome | None = Field(None, description="The plan's outcome.", examples=["rejected"])
    scenario: str | None = Field(None, description="The scenario id.", examples=["spcs_customer"])
    decisions: dict[str, Scalar] | None = Field(
        None, description="Every default the rules decided (besides the scenario).",
        examples=[{"invoice_recipient": "agency"}])
    steps: list[dict[Actor, RuleId]] | None = Field(
        None, description="Every step in order, each written `actor: rule-id`.",
        examples=[[{"agency": "activate-spcs-customer"}]])
    steps_include: list[dict[Actor, RuleId]] | None = Field(
        None, description="These steps in this order; other steps may come between them.",
        examples=[[{"customer": "approve-activation"}]])
    steps_absent: list[dict[Actor, RuleId]] | None = Field(
        None, description="Steps the plan must not hold (what a page says does not happen), "
        "whatever other steps it has.", examples=[[{"customer": "access-for-customer"}]])
    warnings: list[Code] | None = Field(None, description="Every warning code, in order.",
                                        examples=[["DATA_LOSS"]])
    notes: list[RuleId] | None = Field(None, description="The rule of every note, in order.",
                                       examples=[["end-customer-chooses"]])
    rejections: list[Code] | None = Field(None, description="Every rejection code, in order.",
                                          examples=[["INVOICE_RECIPIENT_NOT_ALLOWED"]])


def _page_number(value: Any) -> Any:
    """`page: 003` and `page: "003"` are the same page (YAML reads 003 as the number 3)."""
    return int(value) if isinstance(value, str) and value.isdigit() else value


class PageLine(Model):
    """A line of a help page (../shared/seeds/NNN_*.txt) that the expected plan follows."""

    page: Annotated[int, BeforeValidator(_page_number), WithJsonSchema(
        {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 999},
                   {"type": "string", "pattern": "^[0-9]{3}$"}]})] = Field(
        ge=0, le=999, description="The page's three-digit prefix (003 or \"003\").", examples=[3])
    line: int = Field(ge=1, description="The line's number on that page (`grep -n`).", examples=[88])
    quote: Text = Field(description="Words the line holds, verbatim: they keep the citation true "
                        "when the page changes.", examples=["kunden ska fortsätta arbeta på egen hand"])


class Review(Model):
    """A person's reviewed choice, where no page decides the plan."""

    by: Text = Field(description="Who reviewed the expected plan.", examples=["Anna Berg"])
    why: Text = Field(description="Why the plan is right: the README Decisions entry, or the "
                      "reasoning.", examples=["README Decisions: Bokföring and Fakturering rank "
                                              "equal"])


class Case(Model):
    """A test case: a request and what its plan must show."""

    description: Text = Field(description="What the case shows, with its D-facts.",
                              examples=["D4 - Lön Smart Start: only the agency pays"])
    request: dict[str, Any] | None = Field(None, description="The request, written inline.")
    request_file: str | None = Field(None, description="Or: a request file, relative to this one.",
                                     examples=["../../examples/activate-eekonomi-smart.yaml"])
    expect: Expectation
    source: list[PageLine] = Field(
        [], description="The help-page lines the expected plan comes from.",
        examples=[[{"page": 0, "line": 11, "quote": "only the agency that can be the recipient"}]])
    review: Review | None = Field(
        None, description="Or, where the pages are silent: who reviewed the expected plan, and why.",
        examples=[{"by": "Anna Berg", "why": "README Decisions: Bokföring and Fakturering contain "
                   "different things"}])

    @model_validator(mode="after")
    def _one_request(self) -> Case:
        if (self.request is None) == (self.request_file is None):
            raise ValueError("give exactly one of `request` and `request_file`")
        return self


def load_case(path: Path) -> tuple[Case, Document]:
    """A case file, checked: its shape (CASE001), and where its expectation comes from
    (CASE005: a case without `source:` or `review:` could hold whatever the engine printed)."""
    document = load_document(path)
    case, problems = validate_model(Case, document, "CASE001")
    if case is None:
        raise CollabError(problems)
    if not case.source and case.review is None:
        raise CollabError([document.diagnostic(
            ("expect",), "CASE005", "the case does not say where its expected plan comes from",
            "add `source:` with the help-page lines it follows ({page: 003, line: 88, quote: "
            "words of that line}), or `review: {by: NAME, why: README Decisions: ENTRY}` where "
            "the pages are silent; `collab test --review` asks for them")])
    return case, document


def case_request(case: Case, document: Document, catalogue: Catalogue) -> Request:
    """The case's request, from its file or inline (with the case file's line numbers)."""
    if case.request_file is not None:
        return request_from_document(load_document(request_path(case.request_file, document,
                                                                catalogue)), catalogue)
    inline = {key[1:]: place for key, place in document.positions.items()
              if key[:1] == ("request",)}
    return request_from_document(Document(document.path, case.request, inline), catalogue)


def request_path(name: str, document: Document, catalogue: Catalogue) -> Path:
    """The file ``request_file`` names, which must lie (links followed) in the case's folder,
    the catalogue's or the working directory (cases run against a catalogue copy still
    reach the project's examples/): a case cannot make `collab test` read, and quote in its
    errors, a file elsewhere on the machine (`../../../home/me/.ssh/id_rsa`)."""
    path = document.path.parent / name
    resolved = path.resolve()
    folders = (document.path.parent.resolve(), catalogue.root.resolve(), Path.cwd().resolve())
    if not any(resolved.is_relative_to(folder) for folder in folders):
        raise InputError([document.diagnostic(
            ("request_file",), "CASE003",
            f"request_file {name!r} is outside the case's folder, the catalogue's and the "
            "working directory", "keep request files beside the case or in the project "
            "(e.g. its examples/)")])
    return path


def actual(plan: Plan) -> dict[str, Any]:
    """The plan in the shape of an Expectation."""
    steps = [{s.actor: s.rule} for s in plan.steps]
    return {
        "outcome": plan.outcome,
        "scenario": plan.scenario.id if plan.scenario else None,
        "decisions": {d.fact: d.value for d in plan.decisions if d.fact != "scenario"},
        "steps": steps,
        "steps_include": steps,
        "steps_absent": steps,
        "warnings": [w.code for w in plan.warnings],
        "notes": [n.rule for n in plan.notes],
        "rejections": [r.code for r in plan.rejections],
    }


def _step_lines(steps: list[dict[str, str]]) -> list[str]:
    return [f"{actor}: {rule}" for step in steps for actor, rule in step.items()]


def _is_subsequence(wanted: list[str], got: list[str]) -> bool:
    remaining = iter(got)
    return all(item in remaining for item in wanted)


def _list_diff(wanted: list[str], got: list[str]) -> list[str]:
    """A readable diff: '-' expected but missing, '+' there but not expected."""
    return ["    " + line.rstrip() for line in difflib.ndiff(wanted, got)
            if not line.startswith("?")]


def mismatches(expect: Expectation, plan: Plan) -> list[str]:
    """What differs between the expectation and the plan, each a few readable lines."""
    got = actual(plan)
    problems = []
    for key in Expectation.model_fields:
        wanted = getattr(expect, key)
        if wanted is None:
            continue
        if key == "steps_absent":
            present = [line for line in _step_lines(wanted) if line in _step_lines(got[key])]
            if present:
                problems.append("steps_absent (the plan holds these):\n"
                                + "\n".join(f"    + {line}" for line in present))
        elif key in ("steps", "steps_include"):
            wanted_lines, got_lines = _step_lines(wanted), _step_lines(got[key])
            holds = (_is_subsequence(wanted_lines, got_lines) if key == "steps_include"
                     else wanted_lines == got_lines)
            if not holds:
                problems.append(f"{key} (- expected, + actual):\n"
                                + "\n".join(_list_diff(wanted_lines, got_lines)))
        elif isinstance(wanted, list) and wanted != got[key]:
            problems.append(f"{key} (- expected, + actual):\n"
                            + "\n".join(_list_diff(wanted, got[key])))
        elif wanted != got[key]:
            problems.append(f"{key}: expected {wanted!r}, actual {got[key]!r}")
    return problems


@dataclass
class CaseResult:
    """One case's run: passed, failed (with the differences) or unusable (with diagnostics)."""

    path: Path
    description: str = ""
    plan: Plan | None = None
    fired: tuple[str, ...] = ()  # every rule that matched, in stage order
    failures: list[str] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def status(self) -> str:
        return "error" if self.errors else "fail" if self.failures else "pass"


def run_case(path: Path, catalogue: Catalogue,
             compiled: CompiledCatalogue | None = None) -> CaseResult:
    """Run one case file against ``catalogue``."""
    started = time.perf_counter()
    result = CaseResult(path)
    try:
        case, document = load_case(path)
        result.description = case.description
        request = case_request(case, document, catalogue)
    except CollabError as error:
        result.errors = error.diagnostics
        return result
    evaluation = trace(compiled or compiled_catalogue(catalogue), request)
    result.plan = evaluation.plan
    result.fired = tuple(p.rule.id for p in evaluation.matched)
    result.failures = mismatches(case.expect, evaluation.plan)
    result.seconds = time.perf_counter() - started
    return result


def case_files(paths: Iterable[Path]) -> list[Path]:
    """The case files named, or found (recursively) in the folders named, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in CASE_SUFFIXES and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise InputError([Diagnostic(display_path(path), 0, 0, "IO001", "no such file or folder",
                                         "name case files or folders that hold them")])
    if not found:
        raise InputError([Diagnostic(", ".join(display_path(p) for p in paths) or ".", 0, 0,
                                     "CASE002", "no test cases found",
                                     "name YAML case files, or folders that hold them")])
    return found


def run_cases(paths: Iterable[Path], catalogue: Catalogue) -> list[CaseResult]:
    compiled = compiled_catalogue(catalogue)
    return [run_case(path, catalogue, compiled) for path in case_files(paths)]


@dataclass(frozen=True)
class Coverage:
    """Which rules the cases fired, and which D-facts and variants no case exercises."""

    rules: list[tuple[str, str, int]]  # (rule id, file:line, cases that fired it)
    untested_facts: list[str]  # D-numbers no fired rule cites
    untested_variants: list[str]  # service/variant no case's plan is about

    @property
    def percent(self) -> float:
        fired = sum(1 for _, _, count in self.rules if count)
        return 100.0 * fired / len(self.rules) if self.rules else 100.0


def coverage(results: list[CaseResult], catalogue: Catalogue) -> Coverage:
    fired = Counter(rule for r in results for rule in set(r.fired))
    rules = [(p.rule.id, f"{p.file}:{p.line}", fired[p.rule.id]) for p in catalogue.rules]
    cited = {source for p in catalogue.rules if fired[p.rule.id] for source in p.rule.source}
    behavioural = {source for p in catalogue.rules for source in p.rule.source}
    untested_facts = [d for d in catalogue.domain if d in behavioural and d not in cited]
    planned = {(r.plan.service.id, r.plan.variant.id) for r in results
               if r.plan is not None and r.plan.variant is not None}
    untested_variants = [f"{s.id}/{v.id}" for s in catalogue.services.values()
                         for v in s.variants if (s.id, v.id) not in planned]
    return Coverage(rules, untested_facts, untested_variants)


@dataclass(frozen=True)
class TestReport:
    """`collab test`'s result: every case's run and the rule coverage they give."""

    results: list[CaseResult]
    coverage: Coverage
    show_coverage: bool = False
    fail_under: float | None = None
    catalogue: Path | None = None  # the catalogue's folder, as reports name it

    @property
    def under(self) -> bool:
        return self.fail_under is not None and self.coverage.percent < self.fail_under

    @property
    def verdict(self) -> Verdict:
        statuses = {r.status for r in self.results}
        if "error" in statuses:
            return Verdict.UNUSABLE
        return Verdict.NEGATIVE if "fail" in statuses or self.under else Verdict.OK


def test_catalogue(catalogue: Catalogue, paths: Iterable[Path], show_coverage: bool = False,
                   fail_under: float | None = None) -> TestReport:
    """Run the cases in ``paths`` (files or folders) against ``catalogue``."""
    results = run_cases(paths, catalogue)
    return TestReport(results, coverage(results, catalogue), show_coverage, fail_under,
                      catalogue.root)
