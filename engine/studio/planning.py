"""One request planned as the studio's page asks: the job (picklable) and its result.

Kept apart from the workspace so that the evaluation worker processes
(engine.studio.evaluator) import only what planning needs: they start faster.
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.catalogue.catalogue import Catalogue
from engine.errors import CollabError, Diagnostic, EngineError, InputError, display_path
from engine.evaluation.evaluate import compiled_catalogue
from engine.evaluation.evaluate import plan as make_plan
from engine.plan.model import Plan
from engine.request.model import Request
from engine.request.parse import load_request, parse_request
from engine.tools.explain import Explanation, explain


@dataclass(frozen=True)
class PlanResult:
    """What `collab plan` and `collab explain` give for one request, or its diagnostics."""

    status: str  # allowed | rejected | invalid | timeout | error
    diagnostics: tuple[Diagnostic, ...] = ()
    plan: Plan | None = None
    explanation: Explanation | None = None


@dataclass(frozen=True)
class PlanJob:
    """One request to plan, as the page sent it. Picklable: it is planned in a worker
    process with the catalogue (engine.studio.evaluator)."""

    kind: str  # "example" (value: its path), "text" (the pasted text) or "data" (the form's)
    value: Any
    lang: str | None = None  # the language of the plan's texts; None: the catalogue's
    suffix: str = ".yaml"  # of a pasted text: .yaml or .json
    within: Path | None = None  # of an example: the folder it must lie in, links followed


def plan_job(catalogue: Catalogue, job: PlanJob) -> PlanResult:
    """The plan and explanation of ``job`` under ``catalogue``, as `collab plan` and
    `collab explain` give them, or the diagnostics of the request."""
    def read() -> Request:
        if job.kind == "example":
            path = Path(job.value)
            if job.within is not None and not path.resolve().is_relative_to(job.within):
                shown = str(Path(display_path(path.parent)) / path.name)
                raise InputError([Diagnostic(shown, 0, 0, "STU010",
                                             "is a symbolic link that leads out of the "
                                             "catalogue folder, so the studio does not read it",
                                             "copy the file into the catalogue")])
            return load_request(path, catalogue)
        if job.kind == "text":
            return _pasted(catalogue, str(job.value), job.suffix)
        return parse_request(job.value, catalogue, "<form>")

    try:
        request = read()
        result = make_plan(catalogue, request, job.lang)
        explanation = explain(compiled_catalogue(catalogue), request, lang=job.lang)
    except RecursionError:
        return PlanResult("invalid", (Diagnostic("<request>", 0, 0, "JSON001",
                                                 "nested too deeply",
                                                 "a request nests a few levels"),))
    except CollabError as error:
        status = "error" if isinstance(error, EngineError) else "invalid"
        return PlanResult(status, tuple(error.diagnostics))
    status = "rejected" if result.outcome == "rejected" else "allowed"
    return PlanResult(status, (), result, explanation)


def _pasted(catalogue: Catalogue, text: str, suffix: str) -> Request:
    """A pasted request, read as the CLI reads a file (named <pasted> in diagnostics)."""
    with tempfile.TemporaryDirectory(prefix="collab-studio-") as scratch:
        path = Path(scratch) / f"pasted{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            return load_request(path, catalogue)
        except CollabError as error:
            shown = display_path(path)
            error.diagnostics = [dataclasses.replace(d, file="<pasted>")
                                 if d.file in (shown, str(path)) else d
                                 for d in error.diagnostics]
            raise

