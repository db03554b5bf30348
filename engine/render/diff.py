"""Impact reports (`collab diff`) as text, JSON and Markdown (a pull request comment)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.render.escape import visible
from engine.render.plan import to_json
from engine.tools.diff import DiffReport


def _newly_valid_line(report: DiffReport) -> str:
    first = report.newly_valid[0].changes[0].removeprefix("valid now (was: ").removesuffix(")")
    return (f"{len(report.newly_valid)} request(s) are valid now that the old catalogue refused "
            f"(e.g. {first})")


def report_text(report: DiffReport) -> str:
    """The report for a person: each way plans change once, with its count and one example
    request; every value (request names, texts, reasons) shown escaped."""
    v = visible
    lines = [f"{len(report.changed)} of {report.compared} request(s) get a different plan "
             f"({v(report.old_name)} -> {v(report.new_name)})"]
    if report.newly_valid:
        lines += ["", v(_newly_valid_line(report))]
    for changes, names in report.groups.items():
        lines.append("")
        lines.append(f"[{len(names)} request(s)] e.g. {v(names[0])}")
        lines += [f"    {v(change)}" for change in changes]
    if report.invalid:
        lines.append("")
        lines.append(f"{len(report.invalid)} request(s) are invalid under both catalogues, e.g. "
                     f"{v(report.invalid[0][0])}: {v(report.invalid[0][1])}")
    if report.groups or report.invalid:
        lines += ["", "--format json lists every request"]
    return "\n".join(lines) + "\n"


def report_markdown(report: DiffReport, limit: int = 30) -> str:
    """The report as one pull-request comment (as Atlantis and Infracost post a plan): the
    counts first, each way plans change as a row with one example, the details folded."""
    def cell(text: str) -> str:
        return visible(text).replace("|", "\\|").replace("`", "'")

    lines = [f"### collab: {len(report.changed)} of {report.compared} request(s) get a different plan",
             "", f"`{cell(report.old_name)}` → `{cell(report.new_name)}`", ""]
    if report.newly_valid:
        lines += [cell(_newly_valid_line(report)), ""]
    groups = list(report.groups.items())
    if groups:
        lines += ["| requests | what changes | example |", "|---:|---|---|"]
        lines += [f"| {len(names)} | {'<br>'.join(cell(c) for c in changes)} | {cell(names[0])} |"
                  for changes, names in groups[:limit]]
        if len(groups) > limit:
            lines.append(f"| … | {len(groups) - limit} more kinds of change | `collab diff --format json` |")
        lines.append("")
        lines += ["<details><summary>Every request whose plan changes</summary>", ""]
        lines += [f"- {cell(change.name)}" for change in report.changed if change.old is not None]
        lines += ["", "</details>"]
    if report.invalid:
        lines += ["", f"{len(report.invalid)} request(s) are invalid under both catalogues."]
    return "\n".join(lines) + "\n"


def report_data(report: DiffReport) -> dict[str, Any]:
    return {
        "old": report.old_name,
        "new": report.new_name,
        "compared": report.compared,
        "changed": len(report.changed),
        "newly_valid": len(report.newly_valid),
        "groups": [{"changes": list(changes), "count": len(names), "requests": names}
                   for changes, names in report.groups.items()],
        "requests": [{"request": c.name, "changes": list(c.changes),
                      "old_outcome": c.old.outcome if c.old else "invalid",
                      "new_outcome": c.new.outcome if c.new else "invalid"}
                     for c in report.changed],
        "invalid": [{"request": name, "reason": why} for name, why in report.invalid],
    }


DIFF_REPORTERS: dict[str, Callable[[DiffReport], str]] = {
    "text": report_text,
    "markdown": report_markdown,
    "json": lambda report: to_json(report_data(report)),
}
