"""What the commands that write say: the files docs and schema wrote or found stale, and the
summary of a batch run (its plans went to the output, so only the summary is shown)."""

from __future__ import annotations

from collections.abc import Callable

from engine.files import SyncReport
from engine.render.escape import visible
from engine.tools.batch import Summary


def written_text(report: SyncReport) -> str:
    return "".join(f"wrote {visible(str(path))}\n" for path in report.written)


def stale_text(report: SyncReport) -> str:
    """For stderr: which files are stale and how to bring them up to date."""
    if not report.stale:
        return ""
    names = ", ".join(visible(name) for name in report.stale)
    return f"stale in {visible(str(report.folder))}: {names}; run `{report.command}`\n"


def batch_summary(summary: Summary) -> str:
    """For stderr: the counts by outcome and rejection code, and the rate."""
    seconds, jobs = summary.seconds, summary.jobs
    rate = summary.total / seconds if seconds else 0.0
    by_outcome = ", ".join(f"{outcome} {count}" for outcome, count in sorted(summary.outcomes.items()))
    lines = [f"note: {summary.note}"] if summary.note else []
    lines.append(f"{summary.total} request(s) in {seconds:.1f} s ({rate:,.0f} per second, "
                 f"{jobs} job(s)): {by_outcome or 'none'}")
    if summary.rejections:
        lines.append("rejections by code: " + ", ".join(
            f"{code} {count}" for code, count in
            sorted(summary.rejections.items(), key=lambda item: (-item[1], item[0]))))
    return "".join(line + "\n" for line in lines)  # for stderr, each line ended


SYNC_REPORTERS: dict[str, Callable[[SyncReport], str]] = {"text": written_text, "summary": stale_text}
BATCH_REPORTERS: dict[str, Callable[[Summary], str]] = {"text": lambda summary: "", "summary": batch_summary}
