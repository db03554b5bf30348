"""Test cases as data: a request and the plan it must give.

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
      warnings: [DATA_LOSS]        # every warning code, in order
      rejections: [INVOICE_RECIPIENT_NOT_ALLOWED]

Keys left out of `expect` are not checked; a list given is compared whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from engine.catalogue import Catalogue
from engine.errors import CollabError
from engine.load import Document, load_document
from engine.models import Actor, Code, Model, Outcome, Plan, Request, RuleId, Scalar, Text
from engine.validate import request_from_document, validate_model


class Expectation(Model):
    outcome: Outcome | None = None
    scenario: str | None = None
    decisions: dict[str, Scalar] | None = None
    steps: list[dict[Actor, RuleId]] | None = Field(
        None, description="Every step in order, each written `actor: rule-id`.")
    warnings: list[Code] | None = None
    rejections: list[Code] | None = None


class Case(Model):
    description: Text
    request: dict[str, Any] | None = None
    request_file: str | None = None
    expect: Expectation

    @model_validator(mode="after")
    def _one_request(self) -> Case:
        if (self.request is None) == (self.request_file is None):
            raise ValueError("give exactly one of `request` and `request_file`")
        return self


def load_case(path: Path) -> tuple[Case, Document]:
    document = load_document(path)
    case, problems = validate_model(Case, document, "CASE001")
    if case is None:
        raise CollabError(problems)
    return case, document


def case_request(case: Case, document: Document, catalogue: Catalogue) -> Request:
    """The case's request, from its file or inline (with the case file's line numbers)."""
    if case.request_file is not None:
        return request_from_document(load_document(document.path.parent / case.request_file),
                                     catalogue)
    inline = {key[1:]: place for key, place in document.positions.items()
              if key[:1] == ("request",)}
    return request_from_document(Document(document.path, case.request, inline), catalogue)


def actual(plan: Plan) -> dict[str, Any]:
    """The plan in the shape of an Expectation."""
    return {
        "outcome": plan.outcome,
        "scenario": plan.scenario.id if plan.scenario else None,
        "decisions": {d.fact: d.value for d in plan.decisions if d.fact != "scenario"},
        "steps": [{s.actor: s.rule} for s in plan.steps],
        "warnings": [w.code for w in plan.warnings],
        "rejections": [r.code for r in plan.rejections],
    }


def mismatches(expect: Expectation, plan: Plan) -> list[str]:
    """What differs between the expectation and the plan, one line per difference."""
    got = actual(plan)
    problems = []
    for key in Expectation.model_fields:
        wanted = getattr(expect, key)
        if wanted is None:
            continue
        if key == "steps":
            wanted = [dict(step) for step in wanted]
        if wanted != got[key]:
            problems.append(f"{key}:\n    expected {wanted}\n    actual   {got[key]}")
    return problems


def run_case(path: Path, catalogue: Catalogue) -> tuple[Plan | None, list[str]]:
    """Run one case file: the plan, and what did not match (empty when it passes)."""
    try:
        case, document = load_case(path)
        request = case_request(case, document, catalogue)
    except CollabError as error:
        return None, [d.render() for d in error.diagnostics]
    from engine import plan as make_plan

    result = make_plan(catalogue, request)
    return result, mismatches(case.expect, result)
