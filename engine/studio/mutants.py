"""The studio's Mutants page (issue 21, "survivors become suggestions"), over engine.tools.review.

- GET /mutants: the page; nothing runs until a person asks.
- POST /api/mutants/run: `collab test --mutate --suggest` on the catalogue as saved and the
  cases in tests/scenarios/: the score, and for each survivor the generated request that tells
  it from the catalogue, the catalogue's plan and the mutant's side by side (the lines that
  differ highlighted).
- POST /api/cases/accept with {"suggestion": ..., "by": ..., "why": ...} (engine.studio.editing
  routes it here): a person accepts a suggestion as a new case, with the catalogue's plan as
  the expected one. Refused without who and why (CASE007), and when the suggestion is stale
  (CASE009): the catalogue changed since the run, the plan is no longer the one shown, or the
  request is a case already.

Every POST passes the guard (engine/studio/guard.py: Host, Origin, Sec-Fetch-Site, token).
"""

from __future__ import annotations

import asyncio
import difflib
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from engine.catalogue.catalogue import Catalogue
from engine.errors import CollabError, Diagnostic, InputError
from engine.evaluation.evaluate import plan as evaluate_plan
from engine.render.plan import plan_text
from engine.render.review import _lines as expect_lines
from engine.request.parse import parse_request
from engine.studio.guard import Guard, writer
from engine.studio.workspace import Workspace
from engine.tools.analyse import summarise
from engine.tools.mutate import MutationReport, mutation_test
from engine.tools.review import EXPECT_KEYS, Proposal, accept, changed, expectation, suggest


def _side_by_side(before: str, after: str, left: str, right: str) -> str:
    """Both plans in full, the lines that differ highlighted (difflib.HtmlDiff escapes them)."""
    return difflib.HtmlDiff(wrapcolumn=70).make_table(
        before.splitlines(), after.splitlines(), left, right, context=False)


def suggestion_data(proposal: Proposal, digest: str) -> dict[str, Any]:
    """A suggestion as the page shows it and sends back to accept it."""
    mutant = plan_text(proposal.other) if proposal.other is not None else \
        "(the mutant's rules conflict on this request: no plan)"
    return {"kind": "suggested", "name": proposal.name, "summary": proposal.summary,
            "request": proposal.request,
            "mutants": list(proposal.mutants), "expect": expectation(proposal.plan),
            "catalogue": digest,
            "plans": _side_by_side(plan_text(proposal.plan), mutant,
                                   "the catalogue (accepting expects this)", "the mutant")}


def changed_data(proposal: Proposal, root: Path, digest: str) -> dict[str, Any]:
    """A case whose plan changed, as the page shows it: what it expects now beside the plan it
    gets (what accepting writes as its `expect:`)."""
    keys = _keys(proposal)
    return {"kind": "changed", "name": proposal.name, "summary": proposal.summary,
            "case": proposal.path.resolve().relative_to(root.resolve()).as_posix(),
            "description": proposal.description, "expect": expectation(proposal.plan, keys),
            "catalogue": digest,
            "plans": _side_by_side("\n".join(expect_lines(proposal.expected)),
                                   "\n".join(expect_lines(expectation(proposal.plan, keys))),
                                   "the case expects now", "the plan now (accepting expects this)")}


def _keys(proposal: Proposal) -> list[str]:
    """The keys of `expect:` a changed case checks, as accepting keeps them."""
    keys = [k for k in ("steps" if k == "steps_include" else k for k in proposal.expected)
            if k in EXPECT_KEYS]
    return keys or list(EXPECT_KEYS)


def report_data(report: MutationReport, proposals: list[Proposal], digest: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "cases": report.cases, "rules": report.rules, "mutants": len(report.results),
        "killed": report.count("killed"), "survived": report.count("survived"),
        "equivalent": report.count("equivalent"), "allowed": report.count("allowed"),
        "score": round(report.score, 1), "catalogue": digest,
        "suggestions": [suggestion_data(p, digest) for p in proposals],
    }
    if report.tests is not None:  # a case fails on the catalogue as it is: no mutants ran
        body["failing"] = [
            f"tests/scenarios/{r.path.name}: "
            + "; ".join([d.message for d in r.errors[:1]] + r.failures[:2])
            for r in report.tests.results if r.status == "error"]
    return body


def _stale(message: str, hint: str = "run the mutation test again and review what it offers now"
           ) -> InputError:
    return InputError([Diagnostic("<suggestion>", 0, 0, "CASE009", message, hint)])


def accept_suggestion(workspace: Workspace, catalogue: Catalogue, suggestion: Any, by: str,
                      why: str) -> Path:
    """Write ``suggestion`` (as /api/mutants/run sent it) as a new case in tests/scenarios/,
    reviewed by ``by`` because ``why``, when it still holds for the catalogue as saved."""
    if not by.strip() or not why.strip():  # before anything: the person's word comes first
        raise InputError([Diagnostic("<suggestion>", 0, 0, "CASE007",
                                     "an accepted plan needs who reviewed it and why",
                                     "say who you are and why the plan is right (the help-page "
                                     "line, or the README Decisions entry)")])
    if not isinstance(suggestion, dict) or not (
            isinstance(suggestion.get("request"), dict) or suggestion.get("kind") == "changed"):
        raise _stale("not a suggestion of this page", "accept a suggestion the Mutants page shows")
    if suggestion.get("catalogue") != catalogue.digest:
        raise _stale("the catalogue changed since the mutation run that made this suggestion")
    if suggestion.get("kind") == "changed":
        return _accept_changed(workspace, catalogue, suggestion, by, why)
    request = suggestion["request"]
    try:
        plan = evaluate_plan(catalogue, parse_request(request, catalogue))
    except CollabError as error:
        raise _stale(f"the request is no longer valid: {error.diagnostics[0].message}") from None
    if expectation(plan) != suggestion.get("expect"):
        raise _stale("the catalogue's plan for this request is not the one shown")
    folder = workspace.root / "tests" / "scenarios"
    for existing in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            data = yaml.safe_load(existing.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            continue
        if isinstance(data, dict) and data.get("request") == request:
            raise _stale(f"this request is a case already: tests/scenarios/{existing.name}",
                         "nothing to do; run the mutation test again to see what survives")
    taken = {p.stem for p in folder.glob("*.yaml")} if folder.is_dir() else set()
    summary = summarise(request)
    name = "suggested-" + re.sub(r"[^a-z0-9]+", "-", summary.lower()).strip("-")[:80].rstrip("-")
    while name in taken:
        name += "-2"
    mutants = tuple(str(m)[:300] for m in suggestion.get("mutants", [])[:20]
                    if isinstance(m, str))
    proposal = Proposal(name, folder / f"{name}.yaml", "suggested",
                        f"{summary} (offered by the studio's Mutants page)", summary, plan, {},
                        None, mutants, request=request)
    return accept(proposal, by, why, catalogue)


def _accept_changed(workspace: Workspace, catalogue: Catalogue, suggestion: dict[str, Any],
                    by: str, why: str) -> Path:
    """Update the case ``suggestion`` names to the plan it gets now, as `collab test --accept`
    does, when that plan is still the one the page showed."""
    folder = workspace.root / "tests" / "scenarios"
    name = Path(str(suggestion.get("case", ""))).name
    path = folder / name
    if not name.endswith(".yaml") or not path.is_file() or not workspace.inside(path):
        raise _stale(f"no case {name!r} in tests/scenarios/")
    found = changed(catalogue, [path])
    if not found:
        raise _stale(f"tests/scenarios/{name} passes now: nothing to accept")
    proposal = found[0]
    if expectation(proposal.plan, _keys(proposal)) != suggestion.get("expect"):
        raise _stale("the case's plan is not the one shown")
    return accept(proposal, by, why, catalogue)


def mutant_routes(workspace: Workspace, page: Callable[..., HTMLResponse],
                  body: Callable[[Request], Awaitable[dict[str, Any]]], guard: Guard
                  ) -> list[Route]:
    """The Mutants page and its run (which checks its request itself too: engine.studio.guard)."""
    running = asyncio.Lock()  # one run at a time: a second click waits for the first

    def run(catalogue: Catalogue) -> dict[str, Any]:
        folder = workspace.root / "tests" / "scenarios"
        if not folder.is_dir():
            raise InputError([Diagnostic("tests/scenarios", 0, 0, "CASE002", "no test cases found",
                                         "mutation testing runs the catalogue's cases in "
                                         "tests/scenarios/")])
        report = mutation_test(catalogue, [folder])
        if report.tests is not None:  # cases whose plan changed first: `collab test --review`
            result = report_data(report, [], catalogue.digest)
            result["suggestions"] = [changed_data(p, workspace.root, catalogue.digest)
                                     for p in changed(catalogue, [folder])]
            return result
        return report_data(report, suggest(catalogue, report, folder), catalogue.digest)

    async def mutants_page(request: Request) -> Response:
        return page("mutants.html", page_id="mutants")

    @writer(guard)
    async def api_run(request: Request) -> Response:
        await body(request)  # within the limits, though nothing in it is read
        catalogue = workspace.catalogue
        if catalogue is None:
            raise HTTPException(409, "the catalogue is invalid: fix it on the Validation page first")
        async with running:
            try:
                result = await asyncio.to_thread(run, catalogue)
            except CollabError as error:
                return JSONResponse({"refused": [d.as_dict() for d in error.diagnostics]},
                                    status_code=422)
        return JSONResponse(result)

    return [Route("/mutants", mutants_page),
            Route("/api/mutants/run", api_run, methods=["POST"])]
