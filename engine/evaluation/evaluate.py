"""Evaluate a request against a compiled catalogue, stage by stage, into a Plan.

durable-rules decides which rules match (engine.evaluation.host); the catalogue says what a
matching rule does. Stages run in pipeline order, and what one stage decides (the scenario,
defaults) is part of the facts of the next. durable-rules' firing order is not guaranteed,
so the plan is ordered from the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property, lru_cache
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from engine.catalogue.catalogue import Catalogue, PlacedRule
from engine.catalogue.language import LocalText, fill
from engine.catalogue.rule import FromFact, Step
from engine.catalogue.types import OUTCOME_PRECEDENCE, Operation, Outcome, Scalar
from engine.errors import DecisionConflictError, Diagnostic, InputError
from engine.evaluation.compile import CompiledCatalogue, CompiledStage, compile_catalogue
from engine.evaluation.host import durable_matcher, rules_host
from engine.plan.model import Decision, Plan
from engine.request.facts import request_facts, with_decisions
from engine.request.model import Request
from engine.request.parse import parse_request

if TYPE_CHECKING:
    from engine.catalogue.service import Service


def language(catalogue: Catalogue, lang: str | None) -> str:
    """``lang``, or the catalogue's default; an InputError (exit 2) for one it is not written in."""
    pipeline = catalogue.pipeline
    if lang is None:
        return pipeline.default_language
    if lang not in pipeline.languages:
        raise InputError([Diagnostic("--lang", 0, 0, "LANG001",
                                     f"the catalogue is not written in '{lang}'",
                                     f"use one of: {', '.join(pipeline.languages)}")])
    return lang


Matcher = Callable[[CompiledCatalogue, CompiledStage, dict[str, Any]], AbstractSet[str]]


def python_matcher(compiled: CompiledCatalogue, stage: CompiledStage,
                   facts: dict[str, Any]) -> set[str]:
    """The same answer from engine.match, without durable-rules (analysis, floor)."""
    partition = stage.partition(facts["operation"], facts["service.id"])
    return {rule_id for rule_id, check in partition.predicates if check(facts)}


@dataclass(frozen=True)
class StageTrace:
    """What one stage saw and which of its rules matched."""

    stage: str
    facts: dict[str, Any]
    matched: tuple[PlacedRule, ...]


@dataclass(frozen=True)
class Evaluation:
    """What the rules decided for one request; the Plan is built from it when asked for."""

    catalogue: Catalogue
    request: Request
    facts: dict[str, Any]  # the final facts, with every decision applied
    decisions: tuple[Decision, ...]
    stages: tuple[StageTrace, ...]

    @cached_property
    def matched(self) -> list[PlacedRule]:
        return [placed for stage in self.stages for placed in stage.matched]

    @cached_property
    def outcome(self) -> Outcome:
        matched = self.matched
        outcomes: set[Outcome] = {p.rule.then.outcome for p in matched if p.rule.then.outcome}
        if any(p.rule.then.reject is not None for p in matched):
            outcomes.add("rejected")
        return next((o for o in OUTCOME_PRECEDENCE if o in outcomes), "ready")

    @cached_property
    def plan(self) -> Plan:
        """The plan in the catalogue's default language."""
        return _plan(self, self.catalogue.pipeline.default_language)

    def plan_in(self, lang: str | None) -> Plan:
        """The plan in ``lang`` (None: the default); InputError for a language not declared."""
        lang = language(self.catalogue, lang)
        return self.plan if lang == self.catalogue.pipeline.default_language else _plan(self, lang)


def evaluate(compiled: CompiledCatalogue, request: Request,
             match: Matcher = durable_matcher, lang: str | None = None) -> Plan:
    """The plan for ``request``. Pure: the same input always gives the same plan."""
    return trace(compiled, request, match).plan_in(lang)


def trace(compiled: CompiledCatalogue, request: Request,
          match: Matcher = durable_matcher) -> Evaluation:
    """The plan for ``request`` with what each stage saw and matched (for explain, analysis)."""
    catalogue = compiled.catalogue
    decided: dict[str, Scalar] = {}
    decisions: list[Decision] = []
    stages: list[StageTrace] = []
    base = request_facts(catalogue, request)
    facts = with_decisions(catalogue, request, base, decided)
    for stage in compiled.stages:
        fired = match(compiled, stage, facts)
        by_id = stage.partition(facts["operation"], facts["service.id"]).by_id
        stage_matched = tuple(sorted([by_id[rule_id] for rule_id in fired if rule_id in by_id],
                                     key=_in_order)) if fired else ()  # in catalogue order
        stages.append(StageTrace(stage.stage, facts, stage_matched))
        sets = False
        for placed in stage_matched:
            for fact, value in placed.rule.then.set.items():
                sets = True
                resolved = facts.get(value.from_) if isinstance(value, FromFact) else value
                if resolved is None:
                    continue
                _decide(decided, decisions, fact, resolved, placed)
        if sets:
            facts = with_decisions(catalogue, request, base, decided)  # the next stage sees the decisions
    return Evaluation(catalogue, request, facts, tuple(decisions), tuple(stages))


_in_order = attrgetter("order")
OPERATIONS: tuple[str, ...] = Operation.__args__  # type: ignore[attr-defined]


def _decide(decided: dict[str, Scalar], decisions: list[Decision], fact: str, value: Scalar,
            placed: PlacedRule) -> None:
    if fact in decided and decided[fact] != value:
        earlier = next(d for d in decisions if d.fact == fact)
        raise DecisionConflictError([Diagnostic(placed.file, 0, 0, "ENG002",
                                           f"rules '{earlier.rule}' and '{placed.rule.id}' both "
                                           f"decide {fact}, as {decided[fact]!r} and {value!r}",
                                           "make their conditions exclude each other")],
                               fact, (earlier.rule, placed.rule.id))
    decided[fact] = value
    decisions.append(Decision(fact=fact, value=value, rule=placed.rule.id,
                              source=placed.rule.source))


def _plan(evaluation: Evaluation, lang: str) -> Plan:
    """The plan in ``lang``, its parts made as plain data and checked once, as one Plan (a
    model per step, warning and decision cost a validation each)."""
    catalogue, request, facts = evaluation.catalogue, evaluation.request, evaluation.facts
    glossary = catalogue.pipeline.glossary

    def _fill(text: LocalText, facts: dict[str, Any]) -> str:
        return fill(text.in_(lang), facts, glossary, lang)

    matched = evaluation.matched
    rejections = [
        {"code": p.rule.then.reject.code, "message": _fill(p.rule.then.reject.message, facts),
         "hint": _fill(p.rule.then.reject.hint, facts), "rule": p.rule.id, "source": p.rule.source}
        for p in matched if p.rule.then.reject is not None
    ]
    # A rejected plan shows its reasons only: steps, warnings, notes and defaults assume it goes
    # ahead (so the steps are neither ordered nor filled for one).
    warnings = [] if rejections else [
        {"code": w.code, "message": _fill(w.message, facts), "rule": p.rule.id,
         "source": p.rule.source}
        for p in matched for w in p.rule.then.warnings
    ]
    notes = [] if rejections else [
        {"text": _fill(note, facts), "rule": p.rule.id, "source": p.rule.source}
        for p in matched for note in p.rule.then.notes
    ]
    steps = [] if rejections else [
        {"number": number, "phase": step.phase, "actor": step.actor, "text": _fill(step.text, facts),
         "rule": placed.rule.id, "source": placed.rule.source}
        for number, (_, _, _, placed, step) in enumerate(_ordered_steps(catalogue, matched), start=1)
    ]
    service = catalogue.services[request.service]
    variant_id = facts.get("variant.id")
    scenario_id = facts.get("scenario")
    scenario = next((s for s in catalogue.pipeline.scenarios if s.id == scenario_id), None)
    decisions = []
    for decision in evaluation.decisions:
        if not rejections or decision.fact == "scenario":
            label, shown = _wording(decision, catalogue, service, lang)
            decisions.append({**decision.__dict__, "label": label, "shown": shown})
    result = Plan.model_validate({
        "language": lang,
        "operation": request.operation,
        "service": {"id": service.id, "name": service.name},
        "variant": {"id": variant_id, "name": service.variant(variant_id).name} if variant_id else None,
        "customer": request.customer.name,
        "outcome": evaluation.outcome,
        "scenario": {"id": scenario.id, "name": scenario.name.in_(lang)} if scenario else None,
        "decisions": decisions,
        "steps": steps,
        "warnings": warnings,
        "notes": notes,
        "rejections": rejections,
    })
    result.labels.update(_labels(catalogue, lang))
    return result


def _ordered_steps(catalogue: Catalogue, matched: list[PlacedRule]
                   ) -> list[tuple[int, int, int, PlacedRule, Step]]:
    """The matched rules' steps in plan order: by phase, then the rule's place, then the step's."""
    phase_order = _phase_order(catalogue)
    return sorted(((phase_order[step.phase], placed.order, index, placed, step)
                   for placed in matched for index, step in enumerate(placed.rule.then.steps)),
                  key=lambda item: item[:3])


@lru_cache(maxsize=16)
def _phase_order(catalogue: Catalogue) -> dict[str, int]:
    """Each phase's place in the pipeline, once per catalogue."""
    return {phase.id: number for number, phase in enumerate(catalogue.pipeline.phases)}


def worded(decision: Decision, catalogue: Catalogue, service_id: str, lang: str) -> Decision:
    """``decision`` with its fact's name and its value in ``lang``: a variant's or scenario's
    name, else the glossary's word for the value."""
    label, shown = _wording(decision, catalogue, catalogue.services[service_id], lang)
    return decision.model_copy(update={"label": label, "shown": shown})


def _wording(decision: Decision, catalogue: Catalogue, service: Service,
             lang: str) -> tuple[str, str]:
    """(label, shown) of ``decision`` in ``lang``, as worded gives them."""
    glossary = catalogue.pipeline.glossary
    word = glossary.facts.get(decision.fact)
    label = word.in_(lang) if word is not None else decision.fact
    value = decision.value
    if decision.fact == "variant.id" and isinstance(value, str) and service.has_variant(value):
        return label, service.variant(value).name
    if decision.fact == "scenario":
        scenario = next((s for s in catalogue.pipeline.scenarios if s.id == value), None)
        if scenario is not None:
            return label, scenario.name.in_(lang)
    return label, fill(f"{{{_VALUE}}}", {_VALUE: value}, glossary, lang)


_VALUE = "value"  # the placeholder a decided value is read through


@lru_cache(maxsize=16)
def _labels(catalogue: Catalogue, lang: str) -> dict[str, str]:
    """The glossary's words of a printed plan in ``lang``, once per catalogue and language: its
    labels, and how a fact's value reads (``value.<value>``)."""
    glossary = catalogue.pipeline.glossary
    return {**{f"value.{key}": word.in_(lang) for key, word in glossary.values.items()},
            **{key: word.in_(lang) for key, word in glossary.labels.items()}}


@lru_cache(maxsize=8)
def compiled_catalogue(catalogue: Catalogue) -> CompiledCatalogue:
    """``catalogue`` compiled into rulesets, once per catalogue per process."""
    return compile_catalogue(catalogue)


def prepare(catalogue: Catalogue) -> None:
    """Compile ``catalogue`` and register every partition's rulesets in durable-rules now,
    before forking workers (collab batch): they inherit them, shared copy-on-write, instead of
    each compiling and registering its own (34 rulesets, about 1 ms each, for the shipped one)."""
    compiled = compiled_catalogue(catalogue)
    host = rules_host()
    for stage in compiled.stages:
        for operation in OPERATIONS:
            for service in catalogue.services:
                host.prepare(stage.partition(operation, service))


def plan(catalogue: Catalogue, request: Request | dict[str, Any], lang: str | None = None) -> Plan:
    """The plan for ``request`` (a Request, or plain data to be checked first), in ``lang``
    (default: the catalogue's default language)."""
    if not isinstance(request, Request):
        request = parse_request(request, catalogue)
    return evaluate(compiled_catalogue(catalogue), request, lang=lang)
