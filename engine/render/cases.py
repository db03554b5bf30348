"""Test reports (`collab test`) as text, JSON and JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from typing import Any

from engine.errors import display_path
from engine.render.diagnostics import diagnostic_text
from engine.render.escape import visible, xml_text
from engine.render.plan import to_json
from engine.tools.cases import CaseResult, Coverage, TestReport


def _lines(text: str, indent: str) -> list[str]:
    """A text of several lines, each indented and shown escaped."""
    return [indent + visible(line) for line in text.split("\n")]


def results_text(results: list[CaseResult]) -> str:
    lines = []
    for result in results:
        name = visible(display_path(result.path))
        if result.status == "error":
            lines.append(f"ERROR {name}")
            lines += ["    " + diagnostic_text(d).replace("\n", "\n    ") for d in result.errors]
        elif result.status == "fail":
            lines.append(f"FAIL  {name}: {visible(result.description)}")
            lines += [line for problem in result.failures for line in _lines(problem, "  ")]
    counts = Counter(r.status for r in results)
    lines.append(f"{len(results)} case(s): {counts['pass']} passed, {counts['fail']} failed, "
                 f"{counts['error']} unusable")
    return "\n".join(lines) + "\n"


def results_json(results: list[CaseResult]) -> dict[str, Any]:
    counts = Counter(r.status for r in results)
    return {
        "passed": counts["pass"], "failed": counts["fail"], "unusable": counts["error"],
        "cases": [{"file": display_path(r.path), "description": r.description,
                   "status": r.status, "failures": r.failures,
                   "errors": [d.as_dict() for d in r.errors], "rules": list(r.fired)}
                  for r in results],
    }


def results_junit(results: list[CaseResult]) -> str:
    """JUnit XML, as CI servers read it: one testcase per case file. Every value goes through
    ``xml_text``: a control character in a description would make the file malformed."""
    counts = Counter(r.status for r in results)
    suite = ET.Element("testsuite", name="collab", tests=str(len(results)),
                       failures=str(counts["fail"]), errors=str(counts["error"]),
                       time=f"{sum(r.seconds for r in results):.3f}")
    for result in results:
        case = ET.SubElement(suite, "testcase", classname="collab.cases",
                             name=xml_text(display_path(result.path)),
                             time=f"{result.seconds:.3f}")
        if result.status == "fail":
            failure = ET.SubElement(case, "failure", message=xml_text(result.description))
            failure.text = xml_text("\n".join(result.failures))
        elif result.status == "error":
            error = ET.SubElement(case, "error", message=xml_text(result.errors[0].message))
            error.text = xml_text("\n".join(d.render() for d in result.errors))
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"


def coverage_text(report: Coverage) -> str:
    fired = sum(1 for _, _, count in report.rules if count)
    width = max((len(rule) for rule, _, _ in report.rules), default=0)
    lines = [f"Rule coverage: {fired} of {len(report.rules)} rules fired ({report.percent:.1f}%)"]
    lines += [f"  {count:>4}  {visible(rule):<{width}}  {visible(where)}"
              for rule, where, count in report.rules]
    lines.append("D-facts no case exercises: "
                 + (visible(", ".join(report.untested_facts)) or "none"))
    lines.append("Variants no case plans: "
                 + (visible(", ".join(report.untested_variants)) or "none"))
    return "\n".join(lines) + "\n"


def coverage_json(report: Coverage) -> dict[str, Any]:
    return {
        "percent": round(report.percent, 1),
        "rules": [{"rule": rule, "at": where, "cases": count} for rule, where, count in report.rules],
        "untested_facts": report.untested_facts,
        "untested_variants": report.untested_variants,
    }


def report_text(report: TestReport) -> str:
    text = results_text(report.results)
    return text + coverage_text(report.coverage) if report.show_coverage else text


def report_data(report: TestReport) -> dict[str, Any]:
    data = results_json(report.results)
    if report.catalogue is not None:
        data = {"catalogue": display_path(report.catalogue), **data}
    if report.show_coverage or report.fail_under is not None:
        data["coverage"] = coverage_json(report.coverage)
    return data


def report_summary(report: TestReport) -> str:
    """For stderr: why coverage fails the run, if it does."""
    if not report.under:
        return ""
    return f"rule coverage {report.coverage.percent:.1f}% is under {report.fail_under:g}%\n"


TEST_REPORTERS: dict[str, Callable[[TestReport], str]] = {
    "text": report_text,
    "json": lambda report: to_json(report_data(report)),
    "junit": lambda report: results_junit(report.results),
    "summary": report_summary,  # for stderr, whatever the format
}
