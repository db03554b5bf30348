"""Explanations (`collab explain`) as text and JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.catalogue.rule import Rule
from engine.errors import display_path
from engine.evaluation.operators import Check
from engine.render.escape import visible
from engine.render.plan import label, to_json
from engine.tools.explain import Explanation


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


_EFFECT_WORDS = {"reject": "rejects: {name}", "step": "step ({name})", "warning": "warning {name}",
                 "note": "note", "outcome": "outcome {name}"}


def _effects(rule: Rule) -> list[str]:
    return [f"decides {e.name} = " + (f"the value of {e.detail}" if e.copied else e.detail)
            if e.kind == "set" else _EFFECT_WORDS[e.kind].format(name=e.name)
            for e in rule.then.effects()]


def explanation_text(explanation: Explanation) -> str:
    """The explanation for a person; every value shown escaped, as in a plan's text."""
    everything = explanation.show_all
    evaluation, plan = explanation.evaluation, explanation.plan
    v = visible
    what = (f"{v(plan.variant.name)} ({v(plan.service.name)})" if plan.variant
            else v(plan.service.name))
    lines = [f"Explain: {v(plan.operation.replace('_', ' '))} {what} for {v(plan.customer)}",
             f"Outcome: {label(plan, plan.outcome)}", ""]
    for number, stage in enumerate(explanation.stages, start=1):
        shown = [v for v in stage.verdicts if v.considered or everything]
        skipped = len(stage.verdicts) - len(shown)
        header = f"Stage {number}: {v(stage.stage)} ({len(shown)} rule(s) considered"
        header += f"; {skipped} for other operations or services skipped)" if skipped else ")"
        lines.append(header)
        for verdict in shown:
            placed = verdict.placed
            mark = "MATCHED" if verdict.matched else "no     "
            lines.append(f"  {mark}  {v(placed.rule.id)}  ({v(placed.file)}:{placed.line})")
            if verdict.matched:
                lines += [f"             -> {v(effect)}" for effect in _effects(placed.rule)]
            else:
                lines += [f"             {v(_failure(check))}" for check in verdict.failed]
        for decision in stage.decisions:
            lines.append(f"  decided: {v(decision.fact)} = {v(decision.value)} "
                         f"(by {v(decision.rule)}), seen by the stages after")
        lines.append("")
    if plan.steps:
        phases = [p.id for p in evaluation.catalogue.pipeline.phases]
        lines.append("Steps, in the order they were derived (phase, then catalogue order):")
        by_id = {p.rule.id: p for p in evaluation.matched}
        for step in plan.steps:
            placed = by_id[step.rule]
            lines.append(f"  {step.number:>2}. phase {phases.index(step.phase) + 1} "
                         f"({v(step.phase)}), rule #{placed.order + 1} {v(step.rule)}: "
                         f"{v(step.actor)} - {v(step.text)}")
    if plan.notes:
        lines.append("Notes, after the steps:")
        lines += [f"  * {v(note.rule)}: {v(note.text)}" for note in plan.notes]
    for rejection in plan.rejections:
        lines.append(f"Rejected by {v(rejection.rule)}: {v(rejection.code)}: "
                     f"{v(rejection.message)}")
    return "\n".join(lines).rstrip("\n") + "\n"


def explanation_data(explanation: Explanation) -> dict[str, Any]:
    everything = explanation.show_all
    return {
        "catalogue": display_path(explanation.evaluation.catalogue.root),
        "plan": explanation.plan.model_dump(mode="json", by_alias=True),
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


EXPLAIN_REPORTERS: dict[str, Callable[[Explanation], str]] = {
    "text": explanation_text,
    "json": lambda explanation: to_json(explanation_data(explanation)),
}
