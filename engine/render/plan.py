"""Plans as text and JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from engine.plan.model import OUTCOME_WORDS, Plan
from engine.render.escape import json_text, visible


def _sources(source: list[str]) -> str:
    return visible(", ".join(source))


def plan_text(plan: Plan) -> str:
    """The plan for a person. Every value is shown escaped (``visible``): a customer name
    with a newline cannot forge an ``Outcome:`` line, nor an ANSI sequence reach the terminal."""
    v = visible
    what = (f"{v(plan.variant.name)} ({v(plan.service.name)})" if plan.variant
            else v(plan.service.name))
    lines = [
        f"Plan: {v(plan.operation.replace('_', ' '))} {what} for {v(plan.customer)}",
        f"Outcome: {OUTCOME_WORDS[plan.outcome]}",
    ]
    if plan.scenario:
        lines.append(f"Scenario: {v(plan.scenario.name)}")
    defaults = [d for d in plan.decisions if d.fact != "scenario"]
    if defaults:
        lines.append("Defaults applied:")
        lines += [f"  - {v(d.fact)} = {v(d.value)}  [{v(d.rule)}; {_sources(d.source)}]"
                  for d in defaults]
    if plan.rejections:
        lines.append(f"Rejected, {len(plan.rejections)} reason(s):")
        for r in plan.rejections:
            lines.append(f"  x {v(r.code)}: {v(r.message)}  [{v(r.rule)}; {_sources(r.source)}]")
            lines.append(f"    what to do: {v(r.hint)}")
    if plan.steps:
        lines.append("Steps:")
        width = max(len(s.actor) for s in plan.steps)
        for s in plan.steps:
            lines.append(f"  {s.number:>2}. {v(s.actor):<{width}}  {v(s.text)}  "
                         f"[{v(s.rule)}; {_sources(s.source)}]")
    if plan.warnings:
        lines.append("Warnings:")
        lines += [f"  ! {v(w.code)}: {v(w.message)}  [{v(w.rule)}; {_sources(w.source)}]"
                  for w in plan.warnings]
    return "\n".join(lines) + "\n"


def to_json(data: Any) -> str:
    """Stable JSON: the same data always gives the same bytes. Safe to print: json escapes
    control characters, ``json_text`` the few others a terminal acts on."""
    return json_text(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"


def plan_json(plan: Plan) -> str:
    return to_json(plan.model_dump(mode="json", by_alias=True))


PLAN_REPORTERS: dict[str, Callable[[Plan], str]] = {"text": plan_text, "json": plan_json}
