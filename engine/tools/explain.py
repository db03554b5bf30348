"""Why a request gets its plan: every rule considered, matched or not and on which fact.

durable-rules decides which rules match (the evaluation is the one `collab plan` runs); each
rule's conditions are then checked one by one in plain Python (engine.match, kept equal to
the durable-rules conditions by tests/test_match.py) to say which condition failed on which
value. Rules the index skips (another operation or service) are counted, and listed with
``everything``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.catalogue.catalogue import PlacedRule
from engine.catalogue.rule import FromFact
from engine.evaluation.compile import CompiledCatalogue, may_match
from engine.evaluation.evaluate import Evaluation, trace
from engine.evaluation.operators import Check, checks
from engine.plan.model import Decision
from engine.render.plan import OUTCOME_WORDS
from engine.request.model import Request


@dataclass(frozen=True)
class RuleVerdict:
    placed: PlacedRule
    considered: bool  # False: the rule concerns another operation or service
    matched: bool
    conditions: tuple[Check, ...]

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(check for check in self.conditions if not check.passed)


@dataclass(frozen=True)
class StageExplanation:
    stage: str
    verdicts: tuple[RuleVerdict, ...]
    decisions: tuple[Decision, ...]  # what this stage's rules decided for the next stages


@dataclass(frozen=True)
class Explanation:
    evaluation: Evaluation
    stages: tuple[StageExplanation, ...]


def explain(compiled: CompiledCatalogue, request: Request) -> Explanation:
    evaluation = trace(compiled, request)
    operation, service = request.operation, request.service
    stages = []
    for stage in evaluation.stages:
        matched = {placed.rule.id for placed in stage.matched}
        verdicts = tuple(
            RuleVerdict(placed, may_match(placed.rule.when, operation, service),
                        placed.rule.id in matched, tuple(checks(placed.rule.when, stage.facts)))
            for placed in compiled.catalogue.stage_rules(stage.stage))
        decisions = tuple(d for d in evaluation.decisions if d.rule in matched)
        stages.append(StageExplanation(stage.stage, verdicts, decisions))
    return Explanation(evaluation, tuple(stages))


def _value(value: Any) -> str:
    if value is None:
        return "absent"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


def _failure(check: Check) -> str:
    if check.fact == "any":
        return f"any: none of its alternatives holds (needs {check.test})"
    return f"{check.fact} {check.test}: it is {_value(check.actual)}"


def _effects(placed: PlacedRule) -> list[str]:
    then = placed.rule.then
    effects = [f"decides {fact} = " + (f"the value of {value.from_}"
                                       if isinstance(value, FromFact) else str(value))
               for fact, value in then.set.items()]
    effects += [f"step ({step.phase}, {step.actor})" for step in then.steps]
    effects += [f"warning {warning.code}" for warning in then.warnings]
    if then.reject is not None:
        effects.append(f"rejects: {then.reject.code}")
    if then.outcome is not None:
        effects.append(f"outcome {then.outcome}")
    return effects


def explanation_text(explanation: Explanation, everything: bool = False) -> str:
    evaluation = explanation.evaluation
    plan = evaluation.plan
    what = f"{plan.variant.name} ({plan.service.name})" if plan.variant else plan.service.name
    lines = [f"Explain: {plan.operation.replace('_', ' ')} {what} for {plan.customer}",
             f"Outcome: {OUTCOME_WORDS[plan.outcome]}", ""]
    for number, stage in enumerate(explanation.stages, start=1):
        shown = [v for v in stage.verdicts if v.considered or everything]
        skipped = len(stage.verdicts) - len(shown)
        header = f"Stage {number}: {stage.stage} ({len(shown)} rule(s) considered"
        header += f"; {skipped} for other operations or services skipped)" if skipped else ")"
        lines.append(header)
        for verdict in shown:
            placed = verdict.placed
            mark = "MATCHED" if verdict.matched else "no     "
            lines.append(f"  {mark}  {placed.rule.id}  ({placed.file}:{placed.line})")
            if verdict.matched:
                lines += [f"             -> {effect}" for effect in _effects(placed)]
            else:
                lines += [f"             {_failure(check)}" for check in verdict.failed]
        for decision in stage.decisions:
            lines.append(f"  decided: {decision.fact} = {decision.value} (by {decision.rule}), "
                         "seen by the stages after")
        lines.append("")
    if plan.steps:
        phases = [p.id for p in evaluation.catalogue.pipeline.phases]
        lines.append("Steps, in the order they were derived (phase, then catalogue order):")
        by_id = {p.rule.id: p for p in evaluation.matched}
        for step in plan.steps:
            placed = by_id[step.rule]
            lines.append(f"  {step.number:>2}. phase {phases.index(step.phase) + 1} "
                         f"({step.phase}), rule #{placed.order + 1} {step.rule}: "
                         f"{step.actor} - {step.text}")
    for rejection in plan.rejections:
        lines.append(f"Rejected by {rejection.rule}: {rejection.code}: {rejection.message}")
    return "\n".join(lines).rstrip("\n") + "\n"


def explanation_json(explanation: Explanation, everything: bool = False) -> dict[str, Any]:
    evaluation = explanation.evaluation
    return {
        "plan": evaluation.plan.model_dump(mode="json", by_alias=True),
        "stages": [
            {
                "stage": stage.stage,
                "rules": [
                    {
                        "rule": v.placed.rule.id,
                        "at": f"{v.placed.file}:{v.placed.line}",
                        "considered": v.considered,
                        "matched": v.matched,
                        "conditions": [
                            {"fact": c.fact, "test": c.test, "actual": c.actual,
                             "passed": c.passed}
                            for c in v.conditions
                        ],
                    }
                    for v in stage.verdicts if v.considered or everything
                ],
                "decisions": [d.model_dump(mode="json") for d in stage.decisions],
            }
            for stage in explanation.stages
        ],
    }
