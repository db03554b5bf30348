"""Why a request gets its plan: every rule considered, matched or not and on which fact.

durable-rules decides which rules match (the evaluation is the one `collab plan` runs); each
rule's conditions are then checked one by one in plain Python (engine.evaluation.operators, kept equal to
the durable-rules conditions by tests/evaluation/test_operators.py) to say which condition failed on which
value. Rules the index skips (another operation or service) are counted, and listed with
``everything``.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.catalogue.catalogue import PlacedRule
from engine.errors import Verdict
from engine.evaluation.compile import CompiledCatalogue, may_match
from engine.evaluation.evaluate import Evaluation, trace, worded
from engine.evaluation.operators import Check, checks
from engine.plan.model import Decision, Plan
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
    plan: Plan  # in the language asked for
    show_all: bool = False  # also report the rules of other operations and services

    @property
    def verdict(self) -> Verdict:
        return self.plan.verdict


def explain(compiled: CompiledCatalogue, request: Request, show_all: bool = False,
            lang: str | None = None) -> Explanation:
    """Why ``request`` gets its plan; the plan's texts in ``lang`` (default: the catalogue's)."""
    evaluation = trace(compiled, request)
    plan = evaluation.plan_in(lang)
    operation, service = request.operation, request.service
    stages = []
    for stage in evaluation.stages:
        matched = {placed.rule.id for placed in stage.matched}
        verdicts = tuple(
            RuleVerdict(placed, may_match(placed.rule.when, operation, service),
                        placed.rule.id in matched, tuple(checks(placed.rule.when, stage.facts)))
            for placed in compiled.catalogue.stage_rules(stage.stage))
        decisions = tuple(worded(d, compiled.catalogue, service, plan.language)
                          for d in evaluation.decisions if d.rule in matched)
        stages.append(StageExplanation(stage.stage, verdicts, decisions))
    return Explanation(evaluation, tuple(stages), plan, show_all)
