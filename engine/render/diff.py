"""Impact reports (`collab diff`) as text and JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.render.escape import visible
from engine.render.plan import to_json
from engine.tools.diff import DiffReport


def report_text(report: DiffReport, limit: int = 10) -> str:
    """The report for a person; every value (request names, texts, reasons) shown escaped."""
    v = visible
    lines = [f"{len(report.changed)} of {report.compared} request(s) get a different plan "
             f"({v(report.old_name)} -> {v(report.new_name)})"]
    for change, names in report.groups.items():
        lines.append("")
        lines.append(f"{v(change)}  [{len(names)} request(s)]")
        lines += [f"    {v(name)}" for name in names[:limit]]
        if len(names) > limit:
            lines.append(f"    ... and {len(names) - limit} more (--format json lists all)")
    if report.invalid:
        lines.append("")
        lines.append(f"{len(report.invalid)} request(s) are invalid under both catalogues:")
        lines += [f"    {v(name)}: {v(why)}" for name, why in report.invalid[:limit]]
    return "\n".join(lines) + "\n"


def report_data(report: DiffReport) -> dict[str, Any]:
    return {
        "old": report.old_name,
        "new": report.new_name,
        "compared": report.compared,
        "changed": len(report.changed),
        "groups": [{"change": change, "requests": names} for change, names in report.groups.items()],
        "requests": [{"request": c.name, "changes": list(c.changes),
                      "old_outcome": c.old.outcome if c.old else "invalid",
                      "new_outcome": c.new.outcome if c.new else "invalid"}
                     for c in report.changed],
        "invalid": [{"request": name, "reason": why} for name, why in report.invalid],
    }


DIFF_REPORTERS: dict[str, Callable[[DiffReport], str]] = {
    "text": report_text,
    "json": lambda report: to_json(report_data(report)),
}
