"""Plans as text and JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from engine.catalogue.words import ENGLISH, tool_word
from engine.plan.model import Decision, Plan
from engine.render.escape import json_text, visible


def _sources(source: list[str]) -> str:
    return visible(", ".join(source))


def label(plan: Plan, key: str, /, **fields: object) -> str:
    """The word for ``key`` (a heading, outcome, operation or actor) in the plan's language:
    the catalogue's glossary, else the tool's words (engine.catalogue.words); escaped like
    every value."""
    return visible(tool_word(key, plan.language, plan.labels, **fields))


def decision_text(plan: Plan, decision: Decision) -> str:
    """A decided fact as a person reads it, in the plan's language: the label and value the
    catalogue gives it (engine.evaluation.evaluate words them), escaped."""
    if not decision.label:  # a stage's decision in an explanation: worded as the plan words it
        decision = next((d for d in plan.decisions if d.fact == decision.fact and d.label), decision)
    shown = decision.shown if decision.shown not in (None, "") else decision.value
    return f"{visible(decision.label or decision.fact)}: {visible(str(shown))}"


def plan_words(plan: Plan | None) -> Callable[..., str]:
    """``word(key, **fields)`` in ``plan``'s language, for templates; without a plan (an
    invalid request), the tool's English words, as its diagnostics are."""
    if plan is None:
        return lambda key, **fields: tool_word(key, ENGLISH, None, **fields)
    return lambda key, **fields: label(plan, key, **fields)



def plan_text(plan: Plan) -> str:
    """The plan for a person, in its language. Every value is shown escaped (``visible``): a
    customer name with a newline cannot forge an ``Outcome:`` line, nor an ANSI sequence reach
    the terminal."""
    v = visible

    def word(key: str, **fields: object) -> str:
        return label(plan, key, **fields)

    what = (f"{v(plan.variant.name)} ({v(plan.service.name)})" if plan.variant
            else v(plan.service.name))
    lines = [
        word("plan", operation=word(plan.operation), subject=what, customer=v(plan.customer)),
        f"{word('outcome')}: {word(plan.outcome)}",
    ]
    if plan.scenario:
        lines.append(f"{word('scenario')}: {v(plan.scenario.name)}")
    defaults = [d for d in plan.decisions if d.fact != "scenario"]
    if defaults:
        lines.append(f"{word('defaults')}:")
        lines += [f"  - {decision_text(plan, d)}  [{v(d.rule)}; {_sources(d.source)}]"
                  for d in defaults]
    if plan.rejections:
        lines.append(word("rejections", count=len(plan.rejections)) + ":")
        for r in plan.rejections:
            lines.append(f"  x {v(r.message)}  [{v(r.code)}; {v(r.rule)}; {_sources(r.source)}]")
            lines.append(f"    {word('what_to_do')}: {v(r.hint)}")
    if plan.steps:
        lines.append(f"{word('steps')}:")
        actors = {s.actor: word(s.actor) for s in plan.steps}
        width = max(len(name) for name in actors.values())
        for s in plan.steps:
            lines.append(f"  {s.number:>2}. {actors[s.actor]:<{width}}  {v(s.text)}  "
                         f"[{v(s.rule)}; {_sources(s.source)}]")
    if plan.notes:
        lines.append(f"{word('notes')}:")
        lines += [f"  * {v(n.text)}  [{v(n.rule)}; {_sources(n.source)}]" for n in plan.notes]
    if plan.warnings:
        lines.append(f"{word('warnings')}:")
        lines += [f"  ! {v(w.message)}  [{v(w.code)}; {v(w.rule)}; {_sources(w.source)}]"
                  for w in plan.warnings]
    return "\n".join(lines) + "\n"


def to_json(data: Any) -> str:
    """Stable JSON: the same data always gives the same bytes. Safe to print: json escapes
    control characters, ``json_text`` the few others a terminal acts on."""
    return json_text(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"


def plan_json(plan: Plan) -> str:
    return to_json(plan.model_dump(mode="json", by_alias=True))


PLAN_REPORTERS: dict[str, Callable[[Plan], str]] = {"text": plan_text, "json": plan_json}
