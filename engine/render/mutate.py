"""Mutation testing reports (`collab test --mutate`) as text, JSON and JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from engine.render import cases
from engine.render.plan import to_json
from engine.tools.mutate import SUGGEST_HINT, MutantResult, MutationReport


def _entry(result: MutantResult) -> dict[str, Any]:
    m = result.mutant
    return {"file": m.file, "line": m.line, "rule": m.rule, "code": m.code, "change": m.change,
            "status": result.status, "hint": result.hint}


def report_data(report: MutationReport) -> dict[str, Any]:
    if report.tests is not None:
        return cases.report_data(report.tests)
    return {
        "mutants": len(report.results),
        "killed": report.count("killed"),
        "survived": report.count("survived"),
        "equivalent": report.count("equivalent"),
        "allowed": report.count("allowed"),
        "score": round(report.score, 1),
        "survivors": [_entry(r) for r in report.results if r.status == "survived"],
        "equivalents": [_entry(r) for r in report.results if r.status == "equivalent"],
        "allowed_survivors": [_entry(r) for r in report.results if r.status == "allowed"],
        "stale_allows": [d.as_dict() for d in report.stale_allows],
    }


def report_text(report: MutationReport) -> str:
    if report.tests is not None:
        return cases.report_text(report.tests)
    lines = []
    for status, label in (("survived", "SURVIVED"), ("allowed", "ALLOWED"),
                          ("equivalent", "EQUIVALENT")):
        for result in report.results:
            if result.status == status:
                m = result.mutant
                lines.append(f"{label:<9} {m.file}:{m.line}  {m.rule}: {m.change} ({m.code})")
                lines.append(f"          hint: {result.hint}")
    lines.append(f"{len(report.results)} mutant(s) of {report.rules} rules against "
                 f"{report.cases} case(s): {report.count('killed')} killed, "
                 f"{report.count('survived')} survived, {report.count('equivalent')} "
                 f"equivalent over the generated space, {report.count('allowed')} allowed")
    lines.append(f"Mutation score: {report.score:.1f}% of the mutants a case can kill")
    return "\n".join(lines) + "\n"


def report_junit(report: MutationReport) -> str:
    """JUnit XML: one testcase per mutant; a survivor fails, an equivalent one is skipped."""
    if report.tests is not None:
        return cases.results_junit(report.tests.results)
    suite = ET.Element("testsuite", name="collab.mutate", tests=str(len(report.results)),
                       failures=str(report.count("survived")),
                       skipped=str(report.count("equivalent") + report.count("allowed")))
    for result in report.results:
        m = result.mutant
        case = ET.SubElement(suite, "testcase", classname=f"collab.mutate.{m.rule}",
                             name=f"{m.file}:{m.line} {m.change} ({m.code})")
        if result.status == "survived":
            failure = ET.SubElement(case, "failure", message="the mutant survived")
            failure.text = result.hint
        elif result.status in ("equivalent", "allowed"):
            ET.SubElement(case, "skipped", message=result.hint)
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"


def report_summary(report: MutationReport) -> str:
    """For stderr: a stale `allow:` (MUT007), and why the run fails, if it does."""
    if report.tests is not None:
        return cases.report_summary(report.tests) + (
            "collab test --mutate needs every case passing: fix the cases above, or accept the "
            "plans that changed on purpose once checked (`collab test --review`, or the studio's "
            "Mutants page)\n")
    text = "".join(d.render() + "\n" for d in report.stale_allows)
    if report.under:
        text += (f"mutation score {report.score:.1f}% is under {report.fail_under:g}%: "
                 f"{SUGGEST_HINT}\n")
    return text


MUTATION_REPORTERS: dict[str, Callable[[MutationReport], str]] = {
    "text": report_text,
    "json": lambda report: to_json(report_data(report)),
    "junit": report_junit,
    "summary": report_summary,  # for stderr, whatever the format
}
