"""Diagnostics as text, JSON, GitHub workflow annotations and SARIF 2.1.0."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.errors import Diagnostic, Severity
from engine.render.plan import to_json
from engine.tools.validate import ValidationReport


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


def validation_summary(report: ValidationReport) -> str:
    """For people, on stderr: the counts, or that the catalogue is valid."""
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    if errors or warnings:
        return f"{errors} error(s), {warnings} warning(s)\n"
    return "catalogue is valid\n"


VALIDATION_REPORTERS: dict[str, Callable[[ValidationReport], str]] = {
    "text": lambda report: diagnostics_text(report.diagnostics),
    "json": lambda report: diagnostics_json(report.diagnostics, report.strict),
    "github": lambda report: diagnostics_github(report.diagnostics),
    "sarif": lambda report: diagnostics_sarif(report.diagnostics),
    "summary": validation_summary,  # for stderr, with text
}
