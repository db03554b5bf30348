"""Explanations (`collab explain`) as text and JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.rule import Rule
from engine.errors import display_path
from engine.evaluation.operators import Check
from engine.render.escape import visible
from engine.render.plan import decision_text, label, to_json
from engine.tools.docs import in_language
from engine.tools.explain import Explanation
from engine.tools.wording import condition_words, fact_word, value_word


def _value(value: Any) -> str:
    """A fact's value as the catalogue writes it (the trace shows it as code)."""
    if value is None:
        return "absent"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


def _failure(check: Check, rule: Rule, catalogue: Catalogue, lang: str,
             word: Callable[..., str]) -> str:
    """A failed condition: in the language's words where it names the fact, else as the
    catalogue writes it."""
    if check.fact == "any":
        return word("condition_any", test=check.test, count=len(rule.when.any or []))
    said = condition_words(catalogue, lang, check.fact, rule.when.tests[check.fact])
    key = "condition_failed" if check.actual is not None else "condition_failed_absent"
    return word(key, fact=check.fact, test=check.test, actual=_value(check.actual),
                words=said or f"{check.fact} {check.test}",
                actual_words=value_word(catalogue, lang, check.fact, check.actual))


def _effects(rule: Rule, catalogue: Catalogue, lang: str, word: Callable[..., str]) -> list[str]:
    """What a matched rule does; each language's words say how much of the rule's code shows."""
    found = []
    for effect in rule.then.effects():
        if effect.kind == "set":
            key = "effect_set_copy" if effect.copied else "effect_set"
            named = fact_word(catalogue, lang, effect.name) or effect.name
            value = (fact_word(catalogue, lang, effect.detail) or effect.detail if effect.copied
                     else value_word(catalogue, lang, effect.name, effect.detail))
            found.append(word(key, name=effect.name, detail=effect.detail, fact=named,
                              value=value))
        elif effect.kind == "step":
            phase, actor = effect.name.split(", ")
            found.append(word("effect_step", name=effect.name, phase=phase, actor=word(actor)))
        elif effect.kind == "outcome":
            found.append(word("effect_outcome", name=effect.name, outcome=word(effect.name)))
        else:
            found.append(word(f"effect_{effect.kind}", name=effect.name))
    return found


@dataclass(frozen=True)
class VerdictView:
    """One rule of an explanation as a person reads it (the studio's list, the text's lines)."""

    rule: str
    file: str
    line: int
    matched: bool
    mark: str  # "MATCHED" / "no", in the plan's language
    description: str  # the rule's description in the plan's language
    notes: tuple[str, ...]  # what it does (matched) or the conditions that failed


@dataclass(frozen=True)
class StageView:
    header: str
    verdicts: tuple[VerdictView, ...]
    decisions: tuple[str, ...]


def explanation_views(explanation: Explanation) -> tuple[StageView, ...]:
    """Every stage of ``explanation`` in the words of the plan's language (the catalogue's
    glossary, else engine.catalogue.words); values not yet escaped."""
    everything = explanation.show_all
    evaluation, plan = explanation.evaluation, explanation.plan
    catalogue, lang = evaluation.catalogue, plan.language

    def word(key: str, **fields: object) -> str:
        return label(plan, key, **fields)

    stages = {stage.id: stage for stage in catalogue.pipeline.stages}
    views = []
    for number, stage in enumerate(explanation.stages, start=1):
        shown = [v for v in stage.verdicts if v.considered or everything]
        skipped = len(stage.verdicts) - len(shown)
        header = word("stage_header", number=number, stage=stage.stage,
                      description=in_language(stages[stage.stage].description, catalogue, lang),
                      count=len(shown),
                      skipped=word("stage_skipped", count=skipped) if skipped else "")
        verdicts = []
        for verdict in shown:
            placed = verdict.placed
            notes = (_effects(placed.rule, catalogue, lang, word) if verdict.matched else
                     [_failure(check, placed.rule, catalogue, lang, word)
                      for check in verdict.failed])
            verdicts.append(VerdictView(
                placed.rule.id, placed.file, placed.line, verdict.matched,
                word("matched" if verdict.matched else "not_matched"),
                in_language(placed.rule.description, catalogue, lang), tuple(notes)))
        decisions = tuple(word("decided", fact=d.fact, value=d.value, rule=d.rule,
                               decision=decision_text(plan, d)) for d in stage.decisions)
        views.append(StageView(header, tuple(verdicts), decisions))
    return tuple(views)


def explanation_text(explanation: Explanation) -> str:
    """The explanation for a person, the tool's words in the plan's language (the catalogue's
    glossary, else engine.catalogue.words); every value shown escaped, as in a plan's text."""
    evaluation, plan = explanation.evaluation, explanation.plan
    catalogue = evaluation.catalogue
    v = visible

    def word(key: str, **fields: object) -> str:
        return label(plan, key, **fields)

    what = (f"{v(plan.variant.name)} ({v(plan.service.name)})" if plan.variant
            else v(plan.service.name))
    lines = [word("explain", operation=word(plan.operation), subject=what,
                  customer=v(plan.customer)),
             f"{word('outcome')}: {word(plan.outcome)}", ""]
    width = len(word("matched"))
    for stage in explanation_views(explanation):
        lines.append(v(stage.header))
        for verdict in stage.verdicts:
            lines.append(word("verdict", mark=verdict.mark, width=width, rule=v(verdict.rule),
                              where=f"{v(verdict.file)}:{verdict.line}",
                              description=v(verdict.description)))
            arrow = "-> " if verdict.matched else ""
            lines += [f"             {arrow}{v(note)}" for note in verdict.notes]
        lines += ["  " + v(decision) for decision in stage.decisions]
        lines.append("")
    if plan.steps:
        phases = [p.id for p in catalogue.pipeline.phases]
        lines.append(word("derived_steps"))
        by_id = {p.rule.id: p for p in evaluation.matched}
        for step in plan.steps:
            placed = by_id[step.rule]
            lines.append(f"  {step.number:>2}. " + word(
                "derived_step", number=phases.index(step.phase) + 1, phase=v(step.phase),
                order=placed.order + 1, rule=v(step.rule), actor=v(step.actor),
                actor_word=word(step.actor), text=v(step.text)))
    if plan.notes:
        lines.append(word("explain_notes"))
        lines += [f"  * {v(note.text)}  [{v(note.rule)}]" for note in plan.notes]
    for rejection in plan.rejections:
        lines.append(word("rejected_by", rule=v(rejection.rule), code=v(rejection.code),
                          message=v(rejection.message)))
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
