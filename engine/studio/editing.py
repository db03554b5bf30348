"""The studio's editing pages and endpoints (issue 21), over engine.studio.edit.

- GET /edit?file=F (a service file; `&rule=ID` for one rule of a rules file; `&new=service`
  for a new service): a form generated from the catalogue's own JSON Schema, and the file's
  text for the source view.
- POST /api/edit/preview: what a change would do (the file before and after side by side,
  the diagnostics, the plans it changes, each old and new plan side by side), written nowhere.
- POST /api/edit/save: the same, written when the catalogue stays valid and the file is as
  the page read it; then the generated files follow (`collab sync`'s work).
- POST /api/edit/rule: add, copy, move or delete a rule, from the catalogue page.

Every POST passes the guard (engine/studio/guard.py: Host, Origin, Sec-Fetch-Site and the
per-start token) before it reaches these handlers.
"""

from __future__ import annotations

import asyncio
import difflib
import itertools
import json
import re
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.locate import load_catalogue
from engine.errors import CollabError, Diagnostic, InputError
from engine.evaluation.evaluate import plan as evaluate_plan
from engine.render.generated import sync as sync_generated
from engine.render.plan import plan_text
from engine.request.lines import NamedRequest, read_requests
from engine.request.parse import parse_request
from engine.studio.edit import (
    Change,
    EditOp,
    Proposal,
    catalogue_file,
    digest,
    propose,
    read_text,
    refused,
    save,
)
from engine.studio.mutants import accept_suggestion
from engine.studio.workspace import Workspace
from engine.tools.analyse import summarise
from engine.tools.generate import corpus
from engine.tools.review import Proposal as ReviewProposal
from engine.tools.review import accept as accept_case
from engine.tools.schema import generate as schemas

SHOWN_PLANS = 5  # changed requests shown with both plans in a preview (one per kind of change)

NEW_SERVICE = {"id": "new_service", "name": "Visma ...", "description": {}, "source": ["D2"],
               "variants": [{"id": "standard", "name": "...", "paying": True, "contains": [],
                             "invoice_recipients": ["agency", "customer"],
                             "agreement_periods": [3, 12], "source": ["D2"]}]}


def form_schema(catalogue: Catalogue, kind: str) -> dict[str, Any]:
    """The JSON Schema a form edits: a service file, or one rule (with the catalogue's facts,
    operators and values, as `collab schema` writes them), `$defs` renamed to `definitions`
    for the form library."""
    generated = schemas(catalogue)
    if kind == "service":
        schema = dict(generated["service.schema.json"])
    else:
        definitions = dict(generated["rules.schema.json"]["$defs"])
        # The form library expands references eagerly: `any` holding conditions that hold `any`
        # recurses without end. One level of alternatives is what the catalogue writes.
        when = json.loads(json.dumps(definitions["When"]))
        definitions["Alternative"] = {**when, "properties": {k: v for k, v in when["properties"].items()
                                                             if k != "any"}}
        when["properties"]["any"] = json.loads(json.dumps(when["properties"]["any"]).replace(
            "#/$defs/When", "#/$defs/Alternative"))
        definitions["When"] = when
        schema = {"$ref": "#/$defs/Rule", "$defs": definitions, "title": "Rule"}
    text = json.dumps(schema).replace('"$defs"', '"definitions"').replace("#/$defs/", "#/definitions/")
    loaded: dict[str, Any] = json.loads(text)
    for key in ("$schema", "$id"):
        loaded.pop(key, None)
    _in_model_order(loaded)
    return loaded


def _in_model_order(node: Any) -> None:
    """Fields shown in the order the models (and the YAML files) list them, not sorted."""
    if isinstance(node, dict):
        for number, field in enumerate(node.get("properties", {}).values(), start=1):
            if isinstance(field, dict):
                field.setdefault("propertyOrder", number)
        for value in node.values():
            _in_model_order(value)
    elif isinstance(node, list):
        for item in node:
            _in_model_order(item)


def new_rule(data: Any, index: int) -> dict[str, Any]:
    """A new rule's starting form: the conditions of the rule before it, and the texts to write."""
    rules = data.get("rules", []) if isinstance(data, dict) else []
    neighbour = rules[index - 1] if 0 < index <= len(rules) and isinstance(rules[index - 1], dict) else {}
    taken = {rule.get("id") for rule in rules if isinstance(rule, dict)}
    rule_id = next(f"new-rule-{n}" for n in range(1, len(rules) + 2) if f"new-rule-{n}" not in taken)
    return {"id": rule_id, "description": {"en": "", "sv": ""}, "source": neighbour.get("source", []),
            "when": dict(neighbour.get("when", {})), "then": {}}


def rule_index(data: Any, rule_id: str, shown: str) -> int:
    rules = data.get("rules", []) if isinstance(data, dict) else []
    for index, rule in enumerate(rules):
        if isinstance(rule, dict) and rule.get("id") == rule_id:
            return index
    raise HTTPException(404, f"no rule {rule_id!r} in {shown}")


def rule_edits(data: Any, rule_id: str, action: str, shown: str) -> list[EditOp]:
    """The edits of a catalogue page's rule button."""
    index = rule_index(data, rule_id, shown)
    rules = data["rules"]
    if action == "delete":
        return [EditOp(op="delete", path=["rules", index])]
    if action in ("up", "down"):
        to = index - 1 if action == "up" else index + 1
        if not 0 <= to < len(rules):
            raise HTTPException(400, f"rule {rule_id!r} is already the {'first' if to < 0 else 'last'}")
        return [EditOp(op="move", path=["rules", index], to=to)]
    if action == "copy":
        taken = {rule.get("id") for rule in rules if isinstance(rule, dict)}
        copy_id = next(f"{rule_id}-copy{n or ''}" for n in range(len(rules) + 2)
                       if f"{rule_id}-copy{n or ''}" not in taken)
        return [EditOp(op="insert", path=["rules", index + 1], value={**rules[index], "id": copy_id})]
    raise HTTPException(400, f"no such action {action!r}: add, copy, up, down or delete")


def _side_by_side(before: str, after: str, left: str, right: str) -> str:
    """A highlighted before/after table (difflib.HtmlDiff), only the changed parts in context."""
    return difflib.HtmlDiff(wrapcolumn=90).make_table(
        before.splitlines(), after.splitlines(), left, right, context=True, numlines=2)


def proposal_data(proposal: Proposal) -> dict[str, Any]:
    """A proposal as the page shows it."""
    body: dict[str, Any] = {
        "file": proposal.file, "saved": proposal.saved, "valid": proposal.valid,
        "savable": proposal.savable, "digest": digest(proposal.after),
        "base": digest(proposal.before) if proposal.before else None,
        "conflict": proposal.conflict, "after": proposal.after,
        "file_diff": _side_by_side(proposal.before, proposal.after, "on disk", "edited"),
        "diagnostics": [d.as_dict() for d in proposal.diagnostics],
    }
    if proposal.conflict is not None:
        body["conflict_diff"] = _side_by_side(proposal.conflict, proposal.after, "on disk now",
                                              "your edit")
    report = proposal.impact
    if report is not None:
        groups = list(report.groups.items())
        by_name = {change.name: change for change in report.changed}
        body["impact"] = {
            "compared": report.compared, "changed": len(report.changed),
            "newly_valid": len(report.newly_valid),
            "groups": [{"changes": list(changes), "count": len(names), "example": names[0]}
                       for changes, names in groups],
            "plans": [_plans(by_name[names[0]]) for _, names in groups[:SHOWN_PLANS]],
        }
    error = refused(proposal)
    if error is not None:
        body["refused"] = [d.as_dict() for d in error.diagnostics]
    return body


def _plans(change: Any) -> dict[str, Any]:
    old = plan_text(change.old) if change.old is not None else ""
    new = plan_text(change.new) if change.new is not None else ""
    return {"request": change.name, "diff": _side_by_side(old, new, "plan before", "plan after")}


def edit_routes(workspace: Workspace, page: Callable[..., HTMLResponse],
                body: Callable[[Request], Awaitable[dict[str, Any]]]) -> list[Route]:
    """The editing routes of the studio over ``workspace``."""

    def requests(catalogue: Catalogue) -> Iterator[NamedRequest]:
        """What an edit's impact is measured on: the examples, then the generated space."""
        yield from read_requests(workspace.example_files())
        for number, data in enumerate(corpus(catalogue), start=1):
            yield NamedRequest(f"generated #{number}: {summarise(data)}", data)

    def file_of(relative: str) -> Path:
        try:
            return catalogue_file(workspace.root, relative)
        except CollabError as error:
            raise HTTPException(403, error.diagnostics[0].message) from None

    async def edit_page(request: Request) -> Response:
        try:  # as saved now: the form offers the variants and values a save just added
            catalogue = load_catalogue(workspace.root)
        except CollabError:
            raise HTTPException(409, "the catalogue is invalid: fix it on the Validation page "
                                "first") from None
        relative = request.query_params.get("file", "")
        rule_id = request.query_params.get("rule")
        new = request.query_params.get("new", "")
        insert = False
        if new == "service":
            relative, text, value, at, kind = "services/new_service.yaml", "", NEW_SERVICE, [], "service"
        elif new == "rule":  # a new rule, inserted after `after` when saved
            path = file_of(relative)
            text = read_text(path, relative) if path.is_file() else ""
            data = yaml.safe_load(text) if text else {}
            after = request.query_params.get("after")
            index = rule_index(data, after, relative) + 1 if after else len(data.get("rules", []))
            value, at, kind, insert = new_rule(data, index), ["rules", index], "rule", True
        else:
            path = file_of(relative)
            if not path.is_file():
                raise HTTPException(404, "no such catalogue file")
            try:
                text = read_text(path, relative)
            except CollabError as error:
                raise HTTPException(413, error.diagnostics[0].message) from None
            data = yaml.safe_load(text)
            kind = "rule" if rule_id is not None else "service"
            if kind == "rule":
                index = rule_index(data, rule_id or "", relative)
                value, at = data["rules"][index], ["rules", index]
            else:
                value, at = data, []
        return page("edit.html", page_id="edit", file=relative, text=text, new=new == "service",
                    new_rule=insert, base=digest(text) if text else None, rule=rule_id, at=at,
                    schema=form_schema(catalogue, kind), value=value)

    def change_from(data: dict[str, Any]) -> Change:
        try:
            if "rule" in data:  # a catalogue page's rule button
                relative = str(data.get("file", ""))
                text = read_text(file_of(relative), relative)
                edits = rule_edits(yaml.safe_load(text), str(data["rule"]), str(data.get("action")),
                                   relative)
                return Change(file=relative, base=data.get("base") or digest(text), edits=edits)
            return Change.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            raise HTTPException(400, f"not a change: {first['msg']} at "
                                f"{'/'.join(str(p) for p in first['loc'])}") from None

    async def run(data: dict[str, Any], write: bool) -> Response:
        old = workspace.catalogue
        work = save if write else propose
        try:
            proposal = await asyncio.to_thread(work, workspace.root, change_from(data), requests, old)
        except CollabError as error:
            return JSONResponse({"refused": [d.as_dict() for d in error.diagnostics]}, status_code=422)
        result = proposal_data(proposal)
        if proposal.saved:
            try:
                result["generated"] = await asyncio.to_thread(_follow, workspace)
            except CollabError as error:  # saved, but docs/schemas could not be written
                result["generated_problems"] = [d.as_dict() for d in error.diagnostics]
        status = 200 if proposal.saved or not write else 409 if proposal.conflict is not None else 422
        return JSONResponse(result, status_code=status)

    async def api_preview(request: Request) -> Response:
        return await run(await body(request), write=False)

    async def api_save(request: Request) -> Response:
        return await run(await body(request), write=True)

    async def api_rule(request: Request) -> Response:
        data = await body(request)
        return await run(data, write=bool(data.pop("save", False)))

    async def api_accept(request: Request) -> Response:
        """A plan of the Impact page (``request``: its name there), or a survivor's suggestion
        of the Mutants page (``suggestion``), accepted by a person as the expected plan of a
        new scenario case (the approval pattern: never in bulk, always with who and why)."""
        data = await body(request)
        catalogue = workspace.catalogue
        if catalogue is None:
            raise HTTPException(409, "the catalogue is invalid: fix it first")
        name, by, why = (str(data.get(key, "")) for key in ("request", "by", "why"))
        try:
            if "suggestion" in data:  # a survivor's suggestion, from the Mutants page
                path = await asyncio.to_thread(accept_suggestion, workspace, catalogue,
                                               data["suggestion"], by, why)
            else:
                path = await asyncio.to_thread(accept_request, workspace, catalogue, name, by, why)
        except CollabError as error:
            return JSONResponse({"refused": [d.as_dict() for d in error.diagnostics]}, status_code=422)
        return JSONResponse({"case": path.relative_to(workspace.root).as_posix()})

    return [
        Route("/api/cases/accept", api_accept, methods=["POST"]),
        Route("/edit", edit_page),
        Route("/api/edit/preview", api_preview, methods=["POST"]),
        Route("/api/edit/save", api_save, methods=["POST"]),
        Route("/api/edit/rule", api_rule, methods=["POST"]),
    ]


def _follow(workspace: Workspace) -> list[str]:
    """After a save: the generated pages and schemas follow (what `collab sync` writes; their
    names are returned), and the studio recomputes at once rather than at the watcher's tick."""
    written = sync_generated(load_catalogue(workspace.root)).written
    workspace.changed()
    return [path.relative_to(workspace.root).as_posix() for path in written]


def accept_request(workspace: Workspace, catalogue: Catalogue, name: str, by: str, why: str) -> Path:
    """Write the plan of the request the Impact page calls ``name`` (an example file, or
    `generated #N: ...`) as a new case in tests/scenarios/, reviewed by ``by`` because ``why``."""
    data = _request_data(workspace, catalogue, name)
    plan = evaluate_plan(catalogue, parse_request(data, catalogue))
    folder = workspace.root / "tests" / "scenarios"
    taken = {p.stem for p in folder.glob("*.yaml")} if folder.is_dir() else set()
    stem = "accepted-" + re.sub(r"[^a-z0-9]+", "-", summarise(data).lower()).strip("-")[:70].rstrip("-")
    while stem in taken:
        stem += "-2"
    proposal = ReviewProposal(stem, folder / f"{stem}.yaml", "suggested",
                              f"{summarise(data)} (accepted on the studio's Impact page)",
                              summarise(data), plan, {}, request=data)
    return accept_case(proposal, by, why, catalogue)


def _request_data(workspace: Workspace, catalogue: Catalogue, name: str) -> dict[str, Any]:
    found = re.match(r"generated #(\d+): ", name)
    if found:
        number = int(found.group(1))
        data = next(itertools.islice(corpus(catalogue), number - 1, None), None)
        if data is not None:
            return data
    for request in read_requests(workspace.example_files()):
        if request.name == name and isinstance(request.data, dict):
            return request.data
    raise InputError([Diagnostic(name[:120], 0, 0, "CASE006", "no such request of the Impact page",
                                 "reload the page: the catalogue may have changed")])
