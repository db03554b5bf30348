"""The studio's web application: server-rendered pages over a Workspace, read-only.

A front end like cli.py: it shows results with the reporters of engine.render, so it sits
above render in the import layers (tests/test_architecture.py).

Nothing here writes a file. Only the studio's own pages may use it (engine.studio.guard:
Host, Origin, token) and a GET changes nothing. Every file is read within the catalogue
folder (links followed) and with the CLI's size limit; every request body with a size limit
and the CLI's limits on nesting and list length; an evaluation runs in a worker process that
is stopped at its time limit (engine.studio.evaluator). Any error becomes the CLI's
diagnostics (or, for a bug, one plain message), never a server error page.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from engine.catalogue.documents import MAX_FILE_BYTES, load_document
from engine.errors import CollabError, Diagnostic, display_path
from engine.evaluation.operators import conditions
from engine.files import read_bounded
from engine.plan.model import OUTCOME_WORDS
from engine.render.diagnostics import diagnostics_json
from engine.render.diff import report_data
from engine.render.explain import explanation_data, explanation_text, explanation_views
from engine.render.plan import plan_json, plan_text, plan_words
from engine.request.lines import MAX_LINE_DEPTH, over_limits
from engine.studio.editing import edit_routes
from engine.studio.evaluator import Evaluator
from engine.studio.form import (
    catalogue_words,
    form_fields,
    languages,
    page_language,
    page_words,
)
from engine.studio.guard import TOKEN_HEADER, Guard, GuardMiddleware, writer
from engine.studio.mutants import mutant_routes
from engine.studio.planning import PlanJob, PlanResult
from engine.studio.workspace import Workspace
from engine.tools.docs import effects
from engine.tools.flows import flowchart

MAX_BODY = 256 * 1024  # bytes: a request is a few kilobytes
STATIC = Path(__file__).parent / "static"

_templates = Environment(loader=PackageLoader("engine.studio", "templates"),
                         autoescape=select_autoescape(["html"]), trim_blocks=True,
                         lstrip_blocks=True)


def _problem(code: str, message: str, hint: str) -> Diagnostic:
    return Diagnostic("<request>", 0, 0, code, message, hint)


class BadBodyError(Exception):
    def __init__(self, diagnostic: Diagnostic, status: int = 400) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic
        self.status = status


async def _body(request: Request) -> dict[str, Any]:
    """The JSON object of a POST, within the size and depth limits."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise BadBodyError(_problem("STU003", f"the request body is over {MAX_BODY:,} bytes",
                               "send a smaller request"), 413)
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise BadBodyError(_problem("STU003", f"the request body is over {MAX_BODY:,} bytes",
                                   "send a smaller request"), 413)
    try:
        data = json.loads(bytes(raw).decode("utf-8"))
    except RecursionError:
        raise BadBodyError(_problem("JSON001", "not JSON this tool reads: nested too deeply",
                               f"a request nests a few levels (at most {MAX_LINE_DEPTH})")
                           ) from None
    except (UnicodeDecodeError, ValueError) as error:
        raise BadBodyError(_problem("JSON001", f"not JSON: {str(error)[:120]}",
                               "send a JSON object")) from None
    if not isinstance(data, dict):
        raise BadBodyError(_problem("JSON001", "not a JSON object", "send a JSON object"))
    over = over_limits(data)  # the limits of a request on a JSON Lines line
    if over is not None:
        raise BadBodyError(_problem("JSON003", over, "a request nests a few levels and lists "
                                    "a few items"))
    return data


def create_app(workspace: Workspace, guard: Guard | None = None,
               evaluator: Evaluator | None = None) -> Starlette:
    """The studio over ``workspace`` (started and stopped with the application), answering
    only what ``guard`` lets through (default: loopback names, any port, a new token);
    ``app.state.guard`` holds it."""
    guard = guard if guard is not None else Guard()
    evaluator = evaluator if evaluator is not None else Evaluator()

    def page(template_name: str, **context: Any) -> HTMLResponse:
        template = _templates.get_template(template_name)
        return HTMLResponse(template.render(ws=workspace, version=workspace.version,
                                            token=guard.token, **_helpers(workspace),
                                            **context))

    def catalogue_file(relative: str) -> Path:
        """The file of services/, rules/ or examples/ at ``relative``, which must lie in the
        catalogue folder once links are followed; else 404."""
        path = workspace.root / relative
        if Path(relative).parts[:1] not in [("rules",), ("services",), ("examples",)] \
                or not workspace.inside(path) or not path.is_file():
            raise HTTPException(404, "no such catalogue file")
        return path

    def read_text(path: Path) -> str:
        """The text of ``path``, read as the CLI reads a file: refused over its size limit."""
        try:
            raw = read_bounded(path, display_path(path), MAX_FILE_BYTES)
        except CollabError as error:
            problem = error.diagnostics[0]
            raise HTTPException(413 if problem.code == "IO004" else 404,
                                f"{problem.message} ({problem.code})") from None
        return raw.decode("utf-8", errors="replace")

    async def catalogue_page(request: Request) -> Response:
        """The catalogue with its texts in ``?lang=`` (default: the catalogue's language)."""
        catalogue = workspace.catalogue
        if catalogue is None:
            return page("catalogue.html", page_id="catalogue", catalogue=None, charts={},
                        w=page_words(None, ""))
        offered = languages(catalogue)
        lang = request.query_params.get("lang", "")
        lang = lang if lang in offered else catalogue.pipeline.default_language
        charts = {op: flowchart(catalogue, flow, lambda rule: f"#rule-{rule}", lang)
                  for op, flow in workspace.flows.items()}
        return page("catalogue.html", page_id="catalogue", catalogue=catalogue, charts=charts,
                    lang=lang, languages=offered, text=lambda text: text.in_(lang),
                    rule_effects=lambda rule: effects(rule, catalogue, lang),
                    **catalogue_words(catalogue, lang))

    async def plan_page(request: Request) -> Response:
        """The request form and its plan, the page's words in ``?lang=`` (engine.studio.form)."""
        catalogue = workspace.catalogue
        lang = page_language(catalogue, request.query_params.get("lang", ""))
        fields = form_fields(catalogue, lang) if catalogue is not None else []
        return page("plan.html", page_id="plan", fields=fields,
                    examples=workspace.example_names(), lang=lang,
                    w=page_words(catalogue, lang),
                    languages=languages(catalogue) if catalogue is not None else [])

    async def validation_page(request: Request) -> Response:
        name = "validation_part.html" if "part" in request.query_params else "validation.html"
        return page(name, page_id="validation", validation=workspace.validation)

    async def impact_page(request: Request) -> Response:
        """The Impact page; it changes nothing (the revision changes with a POST to
        /api/impact/revision)."""
        name = "impact_part.html" if "part" in request.query_params else "impact.html"
        return page(name, page_id="impact", impact=workspace.impact)

    @writer(guard)
    async def api_revision(request: Request) -> Response:
        """Compare the working copy with another git revision from now on."""
        data = await _body(request)
        revision = data.get("revision")
        problem = workspace.set_revision(revision) if isinstance(revision, str) else \
            _problem("STU009", "no revision given", "send {\"revision\": \"HEAD~1\"}")
        if problem is not None:
            return JSONResponse({"status": "invalid", "diagnostics": [problem.as_dict()]},
                                status_code=422)
        return JSONResponse({"status": "ok", "revision": workspace.impact.revision})

    async def source_page(request: Request) -> Response:
        relative = request.path_params["path"]
        text = read_text(catalogue_file(relative))
        return page("source.html", page_id="source", name=relative,
                    lines=text.splitlines()[:20000])

    async def status(request: Request) -> Response:
        impact = workspace.impact
        catalogue = workspace.catalogue
        return JSONResponse({
            "version": workspace.version,
            "catalogue": catalogue.digest if catalogue is not None else None,
            "validation": {"analysed": workspace.validation.analysed,
                           "errors": len(workspace.validation.errors),
                           "problems": len(workspace.validation.problems)},
            "impact": {"revision": impact.revision, "done": impact.done,
                       "compared": impact.compared, "total": impact.total,
                       "changed": len(impact.report.changed) if impact.report else 0},
        })

    async def api_validate(request: Request) -> Response:
        """As `collab validate --format json` prints it (with the analysis once it ran)."""
        return Response(diagnostics_json(list(workspace.validation.problems),
                                         catalogue=display_path(workspace.root)),
                        media_type="application/json")

    async def api_impact(request: Request) -> Response:
        """As `collab diff --format json` prints it, with where the comparison is."""
        impact = workspace.impact
        return JSONResponse({
            "revision": impact.revision, "done": impact.done, "total": impact.total,
            "first": impact.first,
            "report": report_data(impact.report) if impact.report else None,
            "problems": [d.as_dict() for d in impact.problems],
        })

    async def api_before_after(request: Request) -> Response:
        found = workspace.before_after(request.query_params.get("request", ""))
        if found is None:
            return JSONResponse({"error": "no such changed request"}, status_code=404)
        old, new = found
        return JSONResponse({side: {"text": plan_text(p), "plan": json.loads(plan_json(p))}
                             if p is not None else None
                             for side, p in (("old", old), ("new", new))})

    async def evaluate(request: Request) -> PlanResult:
        started = time.monotonic()
        data = await _body(request)
        lang = data["lang"] if isinstance(data.get("lang"), str) else None  # LANG001 if unknown
        job: PlanJob | PlanResult
        if isinstance(data.get("example"), str):
            job = workspace.example_job(data["example"], lang)
        elif isinstance(data.get("text"), str):
            suffix = ".json" if data.get("format") == "json" else ".yaml"
            job = PlanJob("text", data["text"], lang, suffix)
        elif "request" in data:
            job = PlanJob("data", data["request"], lang)
        else:
            raise BadBodyError(_problem("REQ001", "nothing to plan",
                                   "send {\"example\": NAME}, {\"text\": YAML} or "
                                   "{\"request\": {...}}"))
        catalogue = workspace.catalogue
        if isinstance(job, PlanResult):
            return job
        if catalogue is None:
            return PlanResult("invalid", tuple(workspace.validation.errors))
        return await asyncio.to_thread(evaluator.run, catalogue, job, started)

    async def api_plan(request: Request) -> Response:
        """The plan and explanation as `collab plan/explain --format json` print them."""
        result = await evaluate(request)
        body: dict[str, Any] = {"status": result.status,
                                "diagnostics": [d.as_dict() for d in result.diagnostics]}
        if result.plan is not None and result.explanation is not None:
            body["plan"] = json.loads(plan_json(result.plan))
            body["plan_text"] = plan_text(result.plan)
            body["explain"] = explanation_data(result.explanation)
            body["explain_text"] = explanation_text(result.explanation)
        return JSONResponse(body)

    async def plan_part(request: Request) -> Response:
        result = await evaluate(request)
        return page("plan_part.html", result=result,
                    plan_text=plan_text(result.plan) if result.plan else "",
                    plan_json=plan_json(result.plan) if result.plan else "",
                    stages=explanation_views(result.explanation) if result.explanation
                    else (), w=plan_words(result.plan))

    async def api_example(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in workspace.example_names():
            return JSONResponse({"error": "no such example"}, status_code=404)
        text = read_text(workspace.examples / name)
        path = workspace.examples / name
        try:
            data = load_document(path).data
        except CollabError:  # a broken example: its plan shows why
            data = None
        return JSONResponse({"name": name, "text": text, "data": data})

    async def bad_body(request: Request, error: Exception) -> Response:
        assert isinstance(error, BadBodyError)
        return JSONResponse({"status": "invalid", "diagnostics": [error.diagnostic.as_dict()]},
                            status_code=error.status)

    async def http_error(request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, HTTPException) else 500
        detail = error.detail if isinstance(error, HTTPException) else "internal error"
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": detail}, status_code=status)
        return HTMLResponse(_templates.get_template("error.html").render(
            ws=workspace, status=status, detail=detail, page_id="error",
            version=workspace.version, token=guard.token), status_code=status)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        workspace.start()
        evaluator.start()
        yield
        workspace.stop()
        evaluator.stop()

    routes = [
        Route("/", catalogue_page), Route("/catalogue", catalogue_page),
        Route("/plan", plan_page), Route("/validation", validation_page),
        Route("/impact", impact_page), Route("/source/{path:path}", source_page),
        Route("/api/status", status), Route("/api/validate", api_validate),
        Route("/api/impact", api_impact), Route("/api/impact/request", api_before_after),
        Route("/api/impact/revision", api_revision, methods=["POST"]),
        Route("/api/plan", api_plan, methods=["POST"]),
        Route("/plan/result", plan_part, methods=["POST"]),
        Route("/api/examples/{name}", api_example),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        *edit_routes(workspace, page, _body),
        *mutant_routes(workspace, page, _body, guard),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(GuardMiddleware, guard=guard)],
                    exception_handlers={BadBodyError: bad_body, HTTPException: http_error,
                                        Exception: http_error})
    app.state.guard = guard
    app.state.evaluator = evaluator
    app.state.workspace = workspace
    return app


def _helpers(workspace: Workspace) -> dict[str, Any]:
    """Functions the templates call."""
    root = workspace.root.resolve()

    def catalogue_path(file: str) -> str | None:
        """``file`` (as diagnostics and rules name it) relative to the catalogue folder."""
        try:
            return (Path.cwd() / file).resolve().relative_to(root).as_posix()
        except (ValueError, OSError):
            return None

    def source(file: str, line: int = 0) -> str | None:
        """The studio's link to ``file`` at ``line``, for a catalogue or example file."""
        relative = catalogue_path(file)
        if relative is None:
            return None
        return f"/source/{relative}" + (f"#L{line}" if line else "")

    return {"source": source, "catalogue_path": catalogue_path, "conditions": conditions,
            "outcome_words": OUTCOME_WORDS, "token_header": TOKEN_HEADER}
