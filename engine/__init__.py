"""Collaboration rules engine: plans Visma Advisor collaborations from YAML catalogues.

The library API, usable without the CLI::

    from engine import load_catalogue, load_request, plan

    catalogue = load_catalogue()                 # the shipped catalogue
    request = load_request("examples/x.yaml", catalogue)
    result = plan(catalogue, request)            # a Plan (pydantic model)

Each of the CLI's commands is one function here returning a result object (a Plan, a
ValidationReport, an Explanation, a DiffReport, a TestReport, a MutationReport, a batch
Summary); the CLI only
picks a reporter (engine.render) and an exit code. This module is the package's face: it only
re-exports, and nothing inside the package imports it. The pipeline lives in subpackages,
each importing only those before it: catalogue (read and check catalogue files) -> request
(parse requests, derive facts) -> plan (the result's shape) -> evaluation (operators,
compile, durable-rules, evaluate) -> tools (validate, analyse, explain, diff, batch, ...) ->
render (reporters); studio, a web front end like the CLI, stands on all of them. The tools, and
the names re-exported here, are imported on first use, so a plan starts fast and `collab
--version` (engine.about) imports nothing of the engine.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy reads it so), without importing typing

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from typing import Any

    from engine.catalogue.catalogue import Catalogue
    from engine.catalogue.checks import check_catalogue
    from engine.catalogue.locate import default_catalogue_dir, load_catalogue, locate_catalogue
    from engine.errors import (
        CatalogueError,
        CollabError,
        Diagnostic,
        EngineError,
        InputError,
        RequestError,
        Verdict,
    )
    from engine.evaluation.evaluate import compiled_catalogue, plan
    from engine.files import SyncReport, Writer
    from engine.plan.model import Plan
    from engine.request.model import Request
    from engine.request.parse import parse_request
    from engine.tools.batch import Summary
    from engine.tools.cases import TestReport
    from engine.tools.diff import DiffReport
    from engine.tools.explain import Explanation
    from engine.tools.mutate import MutationReport
    from engine.tools.review import Proposal, Suggestions
    from engine.tools.validate import ValidationReport

#: the re-exported names, each imported from its module on first use (PEP 562), so that
#: importing a part of the package (engine.about for `collab --version`, engine.errors) does
#: not import all of it
_LAZY = {
    "Catalogue": "engine.catalogue.catalogue",
    "check_catalogue": "engine.catalogue.checks",
    "default_catalogue_dir": "engine.catalogue.locate",
    "load_catalogue": "engine.catalogue.locate",
    "locate_catalogue": "engine.catalogue.locate",
    **dict.fromkeys(("CatalogueError", "CollabError", "Diagnostic", "EngineError", "InputError",
                     "RequestError", "Verdict"), "engine.errors"),
    "compiled_catalogue": "engine.evaluation.evaluate",
    "plan": "engine.evaluation.evaluate",
    "Plan": "engine.plan.model",
    "Request": "engine.request.model",
    "parse_request": "engine.request.parse",
}


# The subpackage engine.plan and the function plan share a name. The import system sets the
# package's attribute to a subpackage when it first loads it, which would hide the function
# after the first plan; so the subpackage (a docstring) is loaded now, and its attribute dropped
# for __getattr__ to put the function in its place.
import_module("engine.plan")
del globals()["plan"]

if not TYPE_CHECKING:  # mypy reads the imports above, and so still flags a misspelt name

    def __getattr__(name: str) -> Any:
        if name not in _LAZY:
            raise AttributeError(f"module 'engine' has no attribute {name!r}")
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value  # once: the next look-up is a plain attribute
        return value


__all__ = [
    "Catalogue",
    "CatalogueError",
    "CollabError",
    "Diagnostic",
    "EngineError",
    "InputError",
    "Plan",
    "Request",
    "RequestError",
    "Verdict",
    "batch",
    "check_catalogue",
    "compiled_catalogue",
    "default_catalogue_dir",
    "diff",
    "docs",
    "evaluator",
    "explain",
    "generate",
    "load_catalogue",
    "load_request",
    "locate_catalogue",
    "mutation_test",
    "parse_request",
    "plan",
    "proposals",
    "run_tests",
    "schemas",
    "suggest",
    "sync",
    "validate",
    "validate_catalogue",
    "version",
]


def version() -> str:
    """This package's version."""
    from engine.about import installed_version

    return installed_version("collab-engine") or "unknown"


def evaluator() -> str:
    """The rules engine and its version, or why it cannot be loaded (`collab --version`)."""
    from engine.about import evaluator as described

    return described()


def load_request(path: str | Path, catalogue: Catalogue) -> Request:
    """Load and check a request file (YAML or JSON) against ``catalogue``."""
    from pathlib import Path

    from engine.request.parse import load_request as loaded

    return loaded(Path(path), catalogue)


def validate_catalogue(root: str | Path | None = None, analysis: bool = True,
                       cache: bool = False, requests: Sequence[Path] | None = None
                       ) -> tuple[Catalogue | None, list[Diagnostic]]:
    """The catalogue at ``root`` if usable, and every problem found in it (see tools.validate)."""
    from engine.tools.validate import validate_catalogue as checked

    return checked(root, analysis, cache, requests=requests)


def validate(root: Path | None = None, analysis: bool = True, cache: bool = True,
             strict: bool = False, say: Callable[[str], None] | None = None,
             requests: Sequence[Path] | None = None, name: str | None = None) -> ValidationReport:
    """`collab validate`: every problem of the catalogue folder ``root`` and of the
    ``requests`` depending on it (default: its examples/ and tests/scenarios/), and the
    verdict; ``say`` hears why the analysis cache is not used, if it is not."""
    from engine.catalogue.locate import default_catalogue_dir
    from engine.tools.validate import validate as report

    return report(root or default_catalogue_dir(), analysis, cache, strict, say, requests, name)


def explain(catalogue: Catalogue, request: Request, show_all: bool = False,
            lang: str | None = None) -> Explanation:
    """`collab explain`: every rule considered for ``request``, matched or not, and why; the
    plan in ``lang`` (default: the catalogue's default language)."""
    from engine.evaluation.evaluate import compiled_catalogue
    from engine.tools.explain import explain as explanation

    return explanation(compiled_catalogue(catalogue), request, show_all, lang)


def diff(old: str, new_root: Path | None = None, paths: tuple[Path, ...] = (),
         generated: bool = False) -> DiffReport:
    """`collab diff`: the requests whose plan changes from catalogue ``old`` (a folder or a git
    revision) to the one at ``new_root`` (default: the shipped one)."""
    from engine.catalogue.locate import default_catalogue_dir
    from engine.tools.diff import diff as report

    return report(old, new_root or default_catalogue_dir(), paths, generated,
                  None if new_root else "shipped catalogue")


def run_tests(catalogue: Catalogue, paths: tuple[Path, ...] = (), show_coverage: bool = False,
         fail_under: float | None = None) -> TestReport:
    """`collab test`: run the test cases in ``paths`` (default: tests/scenarios)."""
    from pathlib import Path

    from engine.tools.cases import test_catalogue

    return test_catalogue(catalogue, paths or (Path("tests/scenarios"),), show_coverage, fail_under)


def mutation_test(catalogue: Catalogue, paths: tuple[Path, ...] = (),
                  fail_under: float | None = None) -> MutationReport:
    """`collab test --mutate`: once every case in ``paths`` (default: tests/scenarios) passes,
    every mutant of the catalogue's rules run against them."""
    from pathlib import Path

    from engine.tools.mutate import mutation_test as report

    return report(catalogue, paths or (Path("tests/scenarios"),), fail_under)


def proposals(catalogue: Catalogue, paths: tuple[Path, ...] = (), mutation: bool = False
              ) -> list[Proposal]:
    """`collab test --review`: a proposal for each case whose plan changed and, with
    ``mutation``, for each request that tells a surviving mutant from the catalogue."""
    from pathlib import Path

    from engine.tools.mutate import mutation_test as report
    from engine.tools.review import proposals as found

    paths = paths or (Path("tests/scenarios"),)
    folder = next((p for p in paths if p.is_dir()), paths[0].parent)
    return found(catalogue, paths, report(catalogue, paths) if mutation else None, folder)


def suggest(catalogue: Catalogue, paths: tuple[Path, ...] = (),
            fail_under: float | None = None) -> Suggestions:
    """`collab test --mutate --suggest`: the mutation run, and a case offered per survivor."""
    from pathlib import Path

    from engine.tools.review import suggestions

    paths = paths or (Path("tests/scenarios"),)
    folder = next((p for p in paths if p.is_dir()), paths[0].parent)
    return suggestions(catalogue, mutation_test(catalogue, paths, fail_under), folder)


def batch(catalogue: Catalogue, input_file: Path, out: Writer, jobs: int | None = None,
          progress: bool = False) -> Summary:
    """`collab batch`: plan every JSON line of ``input_file`` onto ``out``."""
    from engine.tools.batch import run_batch

    return run_batch(catalogue, input_file, out, jobs, progress)


def generate(catalogue: Catalogue, out: Writer, count: int | None = None) -> None:
    """`collab generate`: the catalogue's request space as JSON Lines on ``out``."""
    from engine.tools.generate import write_requests

    write_requests(catalogue, out, count)


def docs(catalogue: Catalogue, folder: Path, check: bool = False,
         lang: str | None = None) -> SyncReport:
    """`collab docs`: write the catalogue's Markdown pages into ``folder`` (or check them),
    its texts in ``lang`` (default: the catalogue's default language)."""
    from engine.render.generated import write_docs

    return write_docs(catalogue, folder, check, lang)


def schemas(catalogue: Catalogue, folder: Path, check: bool = False) -> SyncReport:
    """`collab schema`: write the JSON Schemas, with the words of ``catalogue``, into
    ``folder`` (or check them)."""
    from engine.render.generated import write_schemas

    return write_schemas(catalogue, folder, check)


def sync(catalogue: Catalogue, check: bool = False) -> SyncReport:
    """`collab sync`: bring every generated file of the catalogue up to date in its own folder
    (docs/catalogue/ and schemas/); only files whose text changes are written."""
    from engine.render.generated import sync as synced

    return synced(catalogue, check)
