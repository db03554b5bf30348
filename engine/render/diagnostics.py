"""Diagnostics as text, JSON, GitHub workflow annotations and SARIF 2.1.0."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine.codes import CODES
from engine.errors import Diagnostic, Severity
from engine.render.escape import github_data, github_property, uri, visible
from engine.render.plan import to_json

if TYPE_CHECKING:  # imported for the annotations only: a failing command need not load the tools
    from engine.tools.validate import ValidationReport

CODES_PAGE = "docs/catalogue/error-codes.md"  # each code has an anchor there: its id, lower case


def diagnostic_text(diagnostic: Diagnostic) -> str:
    """``file:line:column: [severity] message (CODE)`` and its hint, each value one line of
    plain text (a newline or an ANSI sequence in a file name or a quoted value is shown
    escaped)."""
    return dataclasses.replace(diagnostic, file=visible(diagnostic.file),
                               message=visible(diagnostic.message),
                               hint=visible(diagnostic.hint)).render()


def diagnostics_text(diagnostics: list[Diagnostic]) -> str:
    return "".join(diagnostic_text(d) + "\n" for d in diagnostics)


def _with_hint(d: Diagnostic) -> str:
    if not d.hint:
        return d.message
    stop = "" if d.message.endswith((".", "?", "!")) else "."
    return f"{d.message}{stop} Hint: {d.hint}"


def diagnostics_json(diagnostics: list[Diagnostic], strict: bool = False,
                     catalogue: str | None = None) -> str:
    """``valid`` agrees with the exit code: with ``strict``, warnings make it false too.
    ``catalogue`` names the catalogue judged (a `catalogue` field first)."""
    errors = sum(1 for d in diagnostics if d.severity.value == "error")
    warnings = sum(1 for d in diagnostics if d.severity.value == "warning")
    return to_json({
        **({"catalogue": catalogue} if catalogue is not None else {}),
        "valid": errors == 0 and not (strict and warnings),
        "strict": strict,
        "errors": errors,
        "warnings": warnings,
        "notes": len(diagnostics) - errors - warnings,
        "diagnostics": [d.as_dict() for d in diagnostics],
    })


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # SARIF only: 15 ms to import

    try:
        return version("collab-engine")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def project_url() -> str | None:
    """Where the codes page can be read, as an absolute address ending in /: the package's own
    `[project.urls]` (Documentation, else Repository, from pyproject.toml), else, in a GitHub
    Actions run, the repository being checked at its commit (every catalogue has the page:
    `collab sync` writes it). None where neither is known: SARIF's URIs are then left out,
    never pointed at a made-up host."""
    from importlib.metadata import PackageNotFoundError, metadata

    urls: dict[str, str] = {}
    try:
        for entry in metadata("collab-engine").get_all("Project-URL") or ():
            label, _, address = str(entry).partition(", ")
            urls[label] = address
    except PackageNotFoundError:
        pass
    for label in ("Documentation", "Repository"):
        if urls.get(label, "").startswith("https://"):
            return urls[label].rstrip("/") + "/"
    server, repository, sha = (os.environ.get(name, "") for name in
                               ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    if server.startswith("https://") and repository and sha:
        return f"{server}/{repository}/blob/{sha}/"
    return None


def _rule(code: str, base: str | None) -> dict[str, Any]:
    """A code as a SARIF reportingDescriptor, with the help GitHub's ingestion asks for."""
    meaning, example = CODES.get(code, (code, ""))
    rule: dict[str, Any] = {
        "id": code, "shortDescription": {"text": meaning}, "fullDescription": {"text": meaning},
        "help": {"text": f"{meaning}\nExample: {example}" if example else meaning,
                 "markdown": f"{meaning}\n\nExample:\n\n```text\n{example}\n```" if example else meaning}}
    if base:
        rule["helpUri"] = f"{base}{CODES_PAGE}#{code.lower()}"
    return rule


def diagnostics_sarif(diagnostics: list[Diagnostic]) -> str:
    """SARIF 2.1.0 as GitHub code scanning reads it: the tool with every code it can report
    (its meaning and a link to its documentation), and each finding at its file and line."""
    codes = list(CODES) + sorted({d.code for d in diagnostics} - set(CODES))
    index = {code: number for number, code in enumerate(codes)}
    base = project_url()
    rules = [_rule(code, base) for code in codes]
    results = []
    for d in diagnostics:
        location: dict[str, Any] = {"artifactLocation": {"uri": uri(d.file)}}
        if d.line:
            location["region"] = {"startLine": d.line, "startColumn": d.column or 1}
        results.append({
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": d.severity.value,  # error, warning and note are SARIF's words too
            "message": {"text": _with_hint(d)},
            "locations": [{"physicalLocation": location}],
        })
    return to_json({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "collab", "version": _version(), "rules": rules,
                                **({"informationUri": base} if base else {})}},
            "columnKind": "unicodeCodePoints",  # PyYAML counts columns in characters
            "results": results,
        }],
    })


def diagnostics_github(diagnostics: list[Diagnostic]) -> str:
    """GitHub Actions workflow commands: annotations on the pull request's lines.

    Every value is escaped, so a file name or a message cannot end the command early, add
    properties or start another command (``::stop-commands::``)."""
    lines = []
    for d in diagnostics:
        level = "notice" if d.severity.value == "note" else d.severity.value
        lines.append(f"::{level} file={github_property(d.file)},line={d.line or 1},"
                     f"col={d.column or 1},title={github_property(d.code)}::"
                     f"{github_data(_with_hint(d))}")
    return "".join(line + "\n" for line in lines)


def validation_summary(report: ValidationReport) -> str:
    """For people, on stderr: the counts, or that the catalogue is valid."""
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    if errors or warnings:
        return f"{errors} error(s), {warnings} warning(s)\n"
    return "catalogue is valid\n"


VALIDATION_REPORTERS: dict[str, Callable[[ValidationReport], str]] = {
    "text": lambda report: diagnostics_text(report.diagnostics),
    "json": lambda report: diagnostics_json(report.diagnostics, report.strict,
                                            report.catalogue or None),
    "github": lambda report: diagnostics_github(report.diagnostics),
    "sarif": lambda report: diagnostics_sarif(report.diagnostics),
    "summary": validation_summary,  # for stderr, with text
}
