"""Stage 5: render plans and diagnostics as text for people or JSON for machines."""

from __future__ import annotations

import json
from typing import Any

from engine.errors import Diagnostic
from engine.models import Plan

OUTCOME_WORDS = {
    "ready": "ready: nothing more is needed than the steps below",
    "awaits_customer": "waits for the customer's approval",
    "needs_support": "needs Visma support",
    "rejected": "rejected",
}


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


def diagnostics_text(diagnostics: list[Diagnostic]) -> str:
    return "".join(d.render() + "\n" for d in diagnostics)


def _with_hint(d: Diagnostic) -> str:
    if not d.hint:
        return d.message
    stop = "" if d.message.endswith((".", "?", "!")) else "."
    return f"{d.message}{stop} Hint: {d.hint}"


def diagnostics_json(diagnostics: list[Diagnostic], strict: bool = False) -> str:
    """``valid`` agrees with the exit code: with ``strict``, warnings make it false too."""
    errors = sum(1 for d in diagnostics if d.severity.value == "error")
    warnings = sum(1 for d in diagnostics if d.severity.value == "warning")
    return to_json({
        "valid": errors == 0 and not (strict and warnings),
        "strict": strict,
        "errors": errors,
        "warnings": warnings,
        "notes": len(diagnostics) - errors - warnings,
        "diagnostics": [d.as_dict() for d in diagnostics],
    })


def diagnostics_sarif(diagnostics: list[Diagnostic]) -> str:
    """SARIF 2.1.0, for code-scanning dashboards."""
    from engine.codes import CODES

    used = sorted({d.code for d in diagnostics})
    level = {"error": "error", "warning": "warning", "note": "note"}
    results = []
    for d in diagnostics:
        location: dict[str, Any] = {"artifactLocation": {"uri": d.file}}
        if d.line:
            location["region"] = {"startLine": d.line, "startColumn": d.column or 1}
        results.append({
            "ruleId": d.code,
            "level": level[d.severity.value],
            "message": {"text": _with_hint(d)},
            "locations": [{"physicalLocation": location}],
        })
    return to_json({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "collab",
                "rules": [{"id": code, "shortDescription": {
                    "text": CODES[code].meaning if code in CODES else code}} for code in used],
            }},
            "results": results,
        }],
    })


def diagnostics_github(diagnostics: list[Diagnostic]) -> str:
    """GitHub Actions workflow commands: annotations on the pull request's lines."""
    lines = []
    for d in diagnostics:
        message = _with_hint(d)
        message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        level = "notice" if d.severity.value == "note" else d.severity.value
        lines.append(f"::{level} file={d.file},line={d.line or 1},col={d.column or 1},"
                     f"title={d.code}::{message}")
    return "".join(line + "\n" for line in lines)
