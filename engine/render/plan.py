"""Plans as text and JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from engine.plan.model import OUTCOME_WORDS, Plan


def _sources(source: list[str]) -> str:
    return ", ".join(source)


def plan_text(plan: Plan) -> str:
    what = f"{plan.variant.name} ({plan.service.name})" if plan.variant else plan.service.name
    lines = [
        f"Plan: {plan.operation.replace('_', ' ')} {what} for {plan.customer}",
        f"Outcome: {OUTCOME_WORDS[plan.outcome]}",
    ]
    if plan.scenario:
        lines.append(f"Scenario: {plan.scenario.name}")
    defaults = [d for d in plan.decisions if d.fact != "scenario"]
    if defaults:
        lines.append("Defaults applied:")
        lines += [f"  - {d.fact} = {d.value}  [{d.rule}; {_sources(d.source)}]" for d in defaults]
    if plan.rejections:
        lines.append(f"Rejected, {len(plan.rejections)} reason(s):")
        for r in plan.rejections:
            lines.append(f"  x {r.code}: {r.message}  [{r.rule}; {_sources(r.source)}]")
            lines.append(f"    what to do: {r.hint}")
    if plan.steps:
        lines.append("Steps:")
        width = max(len(s.actor) for s in plan.steps)
        for s in plan.steps:
            lines.append(f"  {s.number:>2}. {s.actor:<{width}}  {s.text}  "
                         f"[{s.rule}; {_sources(s.source)}]")
    if plan.warnings:
        lines.append("Warnings:")
        lines += [f"  ! {w.code}: {w.message}  [{w.rule}; {_sources(w.source)}]"
                  for w in plan.warnings]
    return "\n".join(lines) + "\n"


def to_json(data: Any) -> str:
    """Stable JSON: the same data always gives the same bytes."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def plan_json(plan: Plan) -> str:
    return to_json(plan.model_dump(mode="json", by_alias=True))


PLAN_REPORTERS: dict[str, Callable[[Plan], str]] = {"text": plan_text, "json": plan_json}
