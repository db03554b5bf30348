"""Every request gives exactly one well-formed plan (which may be a rejection), never an
exception; a request the parser refuses gives a RequestError whose diagnostics say why.

Checked on the whole generated corpus (engine.tools.generate, 8,198 requests) and under hypothesis
on requests built part by part, on corpus requests with several variations at once, on
requests broken in one known way, and on requests with any part replaced by any JSON value.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from collab_strategies import BREAKERS, any_valid_request, chance, invalid_requests
from collab_support import ROOT, count, examples, shipped, shipped_plans, shipped_space
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from engine import Catalogue, Plan, RequestError, parse_request, plan
from engine.render.plan import plan_json
from engine.request.model import Request, requests_adapter

pytestmark = pytest.mark.slow  # property tests: .ci/run runs them (pytest -m slow)

OUTCOMES = ("ready", "awaits_customer", "needs_support", "rejected")
CODE = re.compile(r"^[A-Z][A-Z0-9_]*[0-9]{3}$")
PLACEHOLDER = re.compile(r"\{[a-z_]+(\.[a-z_]+)*\}")
CATALOGUE = shipped()
#: the D-numbers of rules/domain.yaml, read here rather than taken from the engine
DOMAIN_IDS = {fact["id"] for fact in
              yaml.safe_load((ROOT / "rules" / "domain.yaml").read_text(encoding="utf-8"))["facts"]}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def check_plan(catalogue: Catalogue, request: dict[str, Any], result: Plan,
               domain_ids: set[str] = DOMAIN_IDS) -> None:
    """Everything a well-formed plan for ``request`` must be."""
    assert isinstance(result, Plan)
    assert result.outcome in OUTCOMES
    # exactly one of: a plan that goes ahead, or a rejection with its reasons and no steps
    assert (result.outcome == "rejected") == bool(result.rejections), result.outcome
    if result.rejections:
        assert result.steps == []
    assert [s.number for s in result.steps] == list(range(1, len(result.steps) + 1))
    phases = [p.id for p in catalogue.pipeline.phases]
    order = [phases.index(s.phase) for s in result.steps]
    assert order == sorted(order), "steps are listed phase by phase, in pipeline order"

    rules = {placed.rule.id: placed.rule for placed in catalogue.rules}
    cited = [*result.steps, *result.warnings, *result.rejections, *result.decisions]
    for item in cited:
        assert item.rule in rules, f"{item.rule} is not a rule of the catalogue"
        assert item.source, f"{item.rule} cites no domain fact"
        assert set(item.source) <= domain_ids, f"{item.rule} cites {item.source}"
        assert item.source == rules[item.rule].source
    for step in result.steps:  # each step is one its rule lists, all of that rule's are shown
        rule = rules[step.rule]
        assert (step.phase, step.actor) in {(s.phase, s.actor) for s in rule.then.steps}
    for rule_id in {s.rule for s in result.steps}:
        assert sum(s.rule == rule_id for s in result.steps) == len(rules[rule_id].then.steps)
    for warning in result.warnings:
        assert warning.code in {w.code for w in rules[warning.rule].then.warnings}
    for rejection in result.rejections:
        reject = rules[rejection.rule].then.reject
        assert reject is not None and rejection.code == reject.code
    facts = [d.fact for d in result.decisions]
    assert len(facts) == len(set(facts)), f"a fact is decided twice: {facts}"
    for decision in result.decisions:
        assert decision.fact in rules[decision.rule].then.set

    assert result.operation == request["operation"]
    assert result.service.id == request["service"]
    assert result.customer == request["customer"]["name"]
    service = catalogue.services[request["service"]]
    if result.variant is not None:
        assert service.has_variant(result.variant.id)
    if result.scenario is not None:
        assert result.scenario.id in {s.id for s in catalogue.pipeline.scenarios}
    if not any("{" in s for s in _strings(request)):  # else a name may hold braces
        texts = [*(s.text for s in result.steps), *(w.message for w in result.warnings),
                 *(r.message for r in result.rejections), *(r.hint for r in result.rejections)]
        assert not [t for t in texts if PLACEHOLDER.search(t)], "a placeholder is left unfilled"
    assert Plan.model_validate_json(plan_json(result)) == result


def check_refusal(error: RequestError) -> None:
    assert error.diagnostics, "a RequestError names at least one problem"
    for diagnostic in error.diagnostics:
        assert CODE.match(diagnostic.code), diagnostic
        assert diagnostic.message.strip(), diagnostic
        assert diagnostic.severity.value == "error"


# --------------------------------------------------------------------------- the corpus

def test_every_corpus_request_gives_one_well_formed_plan() -> None:
    plans = shipped_plans()
    assert len(plans) == len(shipped_space()) > 5000
    for request, result in plans:
        check_plan(CATALOGUE, request, result)
        count("well-formed plan (corpus)", result.outcome)


def test_the_corpus_reaches_every_outcome() -> None:
    assert {result.outcome for _, result in shipped_plans()} == set(OUTCOMES)


# --------------------------------------------------------------------------- hypothesis

VALID = any_valid_request(CATALOGUE, shipped_space())  # built once: it holds the corpus


@examples(400)
@given(VALID)
def test_every_valid_request_gives_one_well_formed_plan(request: dict[str, Any]) -> None:
    parsed = parse_request(request, CATALOGUE)  # valid by construction: must not raise
    result = plan(CATALOGUE, request)
    check_plan(CATALOGUE, request, result)
    assert plan_json(plan(CATALOGUE, parsed)) == plan_json(result)
    count("well-formed plan (hypothesis)", result.outcome)


@pytest.mark.parametrize("how", [*sorted(BREAKERS), "not_a_mapping"])
@examples(10)
@given(data=st.data())
def test_an_invalid_request_is_refused_with_diagnostics(how: str, data: st.DataObject) -> None:
    request = data.draw(invalid_requests(CATALOGUE, how))
    with pytest.raises(RequestError) as caught:
        plan(CATALOGUE, request)
    check_refusal(caught.value)
    found = {d.code for d in caught.value.diagnostics}
    expected = BREAKERS[how][1] if how in BREAKERS else {"REQ001"}
    assert found & expected, f"{how}: expected one of {expected}, got {found}"
    count("refused with diagnostics (hypothesis)", how)


PLAUSIBLE = st.sampled_from(("agency", "customer", "smart", "start", "standard", "T1", "eekonomi",
                             "lon_smart", "end", "continue", 3, 12, 0, True, False, "eva@kund.se"))
JSON = st.recursive(
    PLAUSIBLE | st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _like(value: Any) -> st.SearchStrategy[Any]:
    """Another value of the same kind: a near miss rather than nonsense."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.sampled_from((0, 1, 3, 6, 12, 24, -12, 10**30))
    if isinstance(value, str):
        return PLAUSIBLE.filter(lambda v: isinstance(v, str)) | st.text(max_size=6)
    if isinstance(value, list):
        return st.just(value[1:] + value[:1] * 2)  # one dropped, another twice
    if isinstance(value, dict):
        return st.just(dict(list(value.items())[1:]))  # the first key left out
    return JSON


@st.composite
def mangled_requests(draw: st.DrawFn) -> Any:
    """A valid request with one part (or a new key) replaced: by a value of the same kind
    (a near miss), or by any JSON value."""
    request = json.loads(json.dumps(draw(VALID)))
    if chance(draw, 20):
        return draw(JSON)  # no mapping at all
    if chance(draw, 4):  # a top-level key added or replaced
        request[draw(st.sampled_from(("variant", "task", "colour", "settings", "ending",
                                      "agreement_period", "invoice_recipient")))] = draw(JSON)
        return request
    path = draw(st.sampled_from(_paths(request)[1:]))
    node = request
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = draw(_like(node[path[-1]]) | JSON)
    return request


@examples(300)
@given(mangled_requests())
def test_any_request_gives_a_plan_or_a_request_error(data: Any) -> None:
    """Never an exception other than RequestError, whatever the data."""
    try:
        result = plan(CATALOGUE, data)
    except RequestError as error:
        check_refusal(error)
        count("plan or RequestError (mangled, hypothesis)", "RequestError")
        return
    check_plan(CATALOGUE, data, result)
    count("plan or RequestError (mangled, hypothesis)", "plan")


def _errors(validate: Any, data: Any, tag: str | None) -> list[tuple[Any, ...]] | str:
    """The errors of validating ``data``, each without the union's tag at the front of its
    place (engine.catalogue.messages leaves it out), or "valid"."""
    try:
        validate(data)
    except ValidationError as error:
        return [(e["type"], e["loc"][1:] if tag and e["loc"][:1] == (tag,) else e["loc"],
                 e["msg"], repr(e.get("input"))) for e in error.errors()]
    return "valid"


@examples(300)
@given(mangled_requests())
def test_a_request_validated_by_its_operation_model_errs_as_the_union_does(data: Any) -> None:
    """A request naming a known operation is validated by that operation's model alone (a
    `collab plan` process then builds one validator, not seven): what it finds is what the
    union over every operation finds."""
    operation = data.get("operation") if isinstance(data, dict) else None
    assert _errors(Request.model_validate, data, operation) == _errors(
        requests_adapter().validate_python, data, operation)
