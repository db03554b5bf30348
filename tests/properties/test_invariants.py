"""The domain's invariants (invariants.yaml) hold for every request: the whole generated
corpus, and requests hypothesis builds (aimed at each invariant, and at random)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from collab_strategies import admits, any_valid_request, change_kind, valid_requests
from collab_support import STATS, count, examples, shipped, shipped_plans, shipped_space
from hypothesis import given

from engine import Catalogue, Plan, plan

pytestmark = pytest.mark.slow  # property tests: .ci/run runs them (pytest -m slow)

CATALOGUE = shipped()
INVARIANTS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "invariants.yaml").read_text(encoding="utf-8"))["invariants"]
SUBJECTS = {"operation", "service", "variant", "current_variant", "change", "payer",
            "customer_pays", "variant_paying", "ending", "ending_by", "tasks", "task_selected",
            "collaboration", "other_agency", "spcs_customer", "main_contact", "contact_details",
            "outcome"}
CHECKS = {"outcome", "must_reject_with_any", "must_warn", "must_have_step", "payer_not"}


# The operations whose request names the payer the plan goes ahead with (an activation's
# choice, a variant change's (Standard -> Start names the agency), or the new payer of a payer
# change); any other plan keeps the collaboration's payer
# unless the rules decide one (a payer written on such a request is not the plan's).
NAMES_THE_PAYER = {"activate", "change_variant", "change_invoice_recipient"}  # engine/request/model.py


def payer_after(request: dict[str, Any], result: Plan, ours: dict[str, Any] | None) -> Any:
    """Who pays once the plan is carried out, as the plan has it: the payer its rules decided,
    else the one its request names where the operation names one, else the collaboration's."""
    decided = next((d.value for d in result.decisions if d.fact == "invoice_recipient"), None)
    if decided is not None:
        return decided
    if request["operation"] in NAMES_THE_PAYER:
        return request.get("invoice_recipient")
    return (ours or {}).get("invoice_recipient")


def subjects(catalogue: Catalogue, request: dict[str, Any], result: Plan) -> dict[str, Any]:
    """What invariants.yaml's conditions read, from the request (as data) and its plan."""
    service = catalogue.services[request["service"]]
    customer, agency = request["customer"], request["agency"]
    collaborations = customer.get("collaborations", [])
    ours = next((c for c in collaborations
                 if c["agency"] == agency["id"] and c["service"] == service.id), None)
    subscription = next((s for s in customer.get("subscriptions", [])
                         if s["service"] == service.id), None)
    current = (ours or {}).get("variant") or (subscription or {}).get("variant")
    variant = result.variant.id if result.variant else None
    payer = payer_after(request, result, ours)
    task_ids = [t["id"] for t in agency.get("tasks", [])]
    return {
        "operation": request["operation"],
        "service": service.id,
        "variant": variant,
        "current_variant": current,
        "change": change_kind(catalogue, service.id, current, variant),
        "payer": payer,
        "customer_pays": None if payer is None or variant is None else
        payer == "customer" and service.variant(variant).paying,
        "variant_paying": None if variant is None else service.variant(variant).paying,
        "ending": (request.get("ending") or {}).get("service"),
        "ending_by": (request.get("ending") or {}).get("by"),
        "tasks": len(task_ids),
        "task_selected": request.get("task") in task_ids,
        "collaboration": ours is not None,
        "other_agency": any(c["agency"] != agency["id"] for c in collaborations),
        "spcs_customer": customer["spcs_customer"],
        "main_contact": customer.get("mina_tjanster_main_contact") is not None,  # D30's
        "contact_details": customer.get("contact_details") is not None,
        "outcome": result.outcome,
    }


def applies(invariant: dict[str, Any], facts: dict[str, Any]) -> bool:
    return all(admits(test, facts[name]) for name, test in invariant["when"].items())


def broken(invariant: dict[str, Any], facts: dict[str, Any], result: Plan) -> list[str]:
    """What of the invariant's `then` the plan breaks (empty: it holds)."""
    then, problems = invariant["then"], []
    if "outcome" in then and result.outcome not in then["outcome"]:
        problems.append(f"outcome is {result.outcome}, not one of {then['outcome']}")
    if "must_reject_with_any" in then:
        codes = [r.code for r in result.rejections]
        if result.outcome != "rejected" or not set(codes) & set(then["must_reject_with_any"]):
            problems.append(f"not rejected with any of {then['must_reject_with_any']} "
                            f"(outcome {result.outcome}, rejections {codes})")
    if "must_warn" in then:
        missing = set(then["must_warn"]) - {w.code for w in result.warnings}
        if missing:
            problems.append(f"no warning {sorted(missing)}")
    if "must_have_step" in then:
        wanted = then["must_have_step"]
        if not any(step.phase == wanted.get("phase", step.phase)
                   and step.actor == wanted.get("actor", step.actor)
                   and wanted.get("text_contains", "") in step.text for step in result.steps):
            problems.append(f"no step {wanted}")
    if "payer_not" in then and facts["payer"] == then["payer_not"]:
        decided = [d.rule for d in result.decisions if d.fact == "invoice_recipient"]
        problems.append(f"the payer is {facts['payer']} (decided by {decided or 'the request'})")
    return problems


def check(catalogue: Catalogue, invariant: dict[str, Any], request: dict[str, Any],
          result: Plan) -> list[str] | None:
    """None when the invariant does not apply; else what the plan breaks."""
    facts = subjects(catalogue, request, result)
    if not applies(invariant, facts):
        return None
    return broken(invariant, facts, result)


def _marks(invariant: dict[str, Any], strict: bool) -> list[pytest.MarkDecorator]:
    if "known_violation" not in invariant:
        return []
    return [pytest.mark.xfail(strict=strict, reason=" ".join(invariant["known_violation"].split()))]


IDS = [i["id"] for i in INVARIANTS]


# --------------------------------------------------------------------------- the data itself

def test_the_invariants_are_well_written() -> None:
    assert len(IDS) == len(set(IDS)) >= 5
    rules = [placed.rule for placed in CATALOGUE.rules]
    codes = {r.then.reject.code for r in rules if r.then.reject} | {
        w.code for r in rules for w in r.then.warnings}
    phases = {p.id for p in CATALOGUE.pipeline.phases}
    for invariant in INVARIANTS:
        assert set(invariant) <= {"id", "description", "source", "when", "then", "known_violation"}
        assert invariant["description"].strip() and invariant["when"] and invariant["then"]
        assert set(invariant["source"]) <= set(CATALOGUE.domain), invariant["id"]
        assert set(invariant["when"]) <= SUBJECTS, invariant["id"]
        for test in invariant["when"].values():
            admits(test, None)  # raises on an unknown form of condition
        assert set(invariant["then"]) <= CHECKS, invariant["id"]
        then = invariant["then"]
        for code in then.get("must_reject_with_any", []) + then.get("must_warn", []):
            assert code in codes, f"{invariant['id']}: no rule gives {code}"
        assert then.get("must_have_step", {}).get("phase", "prepare") in phases


# --------------------------------------------------------------------------- the corpus

@pytest.mark.parametrize("invariant", [pytest.param(i, id=i["id"], marks=_marks(i, strict=True))
                                       for i in INVARIANTS])
def test_invariant_holds_on_the_whole_corpus(invariant: dict[str, Any]) -> None:
    applied, violations = 0, []
    for request, result in shipped_plans():
        problems = check(CATALOGUE, invariant, request, result)
        if problems is None:
            continue
        applied += 1
        if problems:
            violations.append((request, problems))
    count(f"invariant {invariant['id']} (corpus of {len(shipped_space())})", "applied", applied)
    count(f"invariant {invariant['id']} (corpus of {len(shipped_space())})", "violated",
          len(violations))
    assert applied, "the invariant applies to no request of the corpus: it proves nothing"
    assert not violations, f"{len(violations)} of {applied} requests break it; e.g.\n" + "\n".join(
        f"{json.dumps(r, ensure_ascii=False)}\n  -> {'; '.join(p)}" for r, p in violations[:3])


# --------------------------------------------------------------------------- hypothesis

@pytest.mark.parametrize("invariant", [pytest.param(i, id=i["id"], marks=_marks(i, strict=False))
                                       for i in INVARIANTS])
def test_invariant_holds_on_requests_aimed_at_it(invariant: dict[str, Any]) -> None:
    """Requests built to meet the invariant's conditions where they can (hypothesis may not
    find a known violation in a bounded run, hence strict=False there)."""
    name = f"invariant {invariant['id']} (hypothesis, aimed)"

    @examples(60)
    @given(valid_requests(CATALOGUE, invariant["when"]))
    def holds(request: dict[str, Any]) -> None:
        result = plan(CATALOGUE, request)
        problems = check(CATALOGUE, invariant, request, result)
        count(name, "drawn")
        if problems is not None:
            count(name, "applied")
        assert not problems, f"{json.dumps(request, ensure_ascii=False)}\n  -> {problems}"

    holds()
    assert STATS.get(name, {}).get("applied"), "no drawn request met the invariant's conditions"


HOLDING = [i for i in INVARIANTS if "known_violation" not in i]


@examples(300)
@given(any_valid_request(CATALOGUE, shipped_space()))
def test_every_invariant_holds_on_any_request(request: dict[str, Any]) -> None:
    """All invariants not known to be broken, on requests of every kind at once."""
    result = plan(CATALOGUE, request)
    for invariant in HOLDING:
        problems = check(CATALOGUE, invariant, request, result)
        if problems is not None:
            count("invariants (hypothesis, any request)", invariant["id"])
        assert not problems, (f"{invariant['id']}: {json.dumps(request, ensure_ascii=False)}"
                              f"\n  -> {problems}")
