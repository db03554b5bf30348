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
render (reporters); studio, a web front end like the CLI, stands on all of them. The tools are
imported on first use, so a plan starts fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

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
from engine.plan.model import Plan
from engine.request.model import Request
from engine.request.parse import load_request as _load_request
from engine.request.parse import parse_request

if TYPE_CHECKING:
    from engine.files import SyncReport, Writer
    from engine.tools.batch import Summary
    from engine.tools.cases import TestReport
    from engine.tools.diff import DiffReport
    from engine.tools.explain import Explanation
    from engine.tools.mutate import MutationReport
    from engine.tools.review import Proposal, Suggestions
    from engine.tools.validate import ValidationReport

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
    "validate",
    "validate_catalogue",
    "version",
]


def version() -> str:
    """This package's version."""
    from importlib import metadata

    return metadata.version("collab-engine")


def evaluator() -> str:
    """The rules engine and its version, or why it cannot be loaded (`collab --version`)."""
    from engine.evaluation.host import evaluator as described

    return described()


def load_request(path: str | Path, catalogue: Catalogue) -> Request:
    """Load and check a request file (YAML or JSON) against ``catalogue``."""
    return _load_request(Path(path), catalogue)


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
    from engine.tools.validate import validate as report

    return report(root or default_catalogue_dir(), analysis, cache, strict, say, requests, name)


def explain(catalogue: Catalogue, request: Request, show_all: bool = False,
            lang: str | None = None) -> Explanation:
    """`collab explain`: every rule considered for ``request``, matched or not, and why; the
    plan in ``lang`` (default: the catalogue's default language)."""
    from engine.tools.explain import explain as explanation

    return explanation(compiled_catalogue(catalogue), request, show_all, lang)


def diff(old: str, new_root: Path | None = None, paths: tuple[Path, ...] = (),
         generated: bool = False) -> DiffReport:
    """`collab diff`: the requests whose plan changes from catalogue ``old`` (a folder or a git
    revision) to the one at ``new_root`` (default: the shipped one)."""
    from engine.tools.diff import diff as report

    return report(old, new_root or default_catalogue_dir(), paths, generated,
                  None if new_root else "shipped catalogue")


def run_tests(catalogue: Catalogue, paths: tuple[Path, ...] = (), show_coverage: bool = False,
         fail_under: float | None = None) -> TestReport:
    """`collab test`: run the test cases in ``paths`` (default: tests/scenarios)."""
    from engine.tools.cases import test_catalogue

    return test_catalogue(catalogue, paths or (Path("tests/scenarios"),), show_coverage, fail_under)


def mutation_test(catalogue: Catalogue, paths: tuple[Path, ...] = (),
                  fail_under: float | None = None) -> MutationReport:
    """`collab test --mutate`: once every case in ``paths`` (default: tests/scenarios) passes,
    every mutant of the catalogue's rules run against them."""
    from engine.tools.mutate import mutation_test as report

    return report(catalogue, paths or (Path("tests/scenarios"),), fail_under)


def proposals(catalogue: Catalogue, paths: tuple[Path, ...] = (), mutation: bool = False
              ) -> list[Proposal]:
    """`collab test --review`: a proposal for each case whose plan changed and, with
    ``mutation``, for each request that tells a surviving mutant from the catalogue."""
    from engine.tools.mutate import mutation_test as report
    from engine.tools.review import proposals as found

    paths = paths or (Path("tests/scenarios"),)
    folder = next((p for p in paths if p.is_dir()), paths[0].parent)
    return found(catalogue, paths, report(catalogue, paths) if mutation else None, folder)


def suggest(catalogue: Catalogue, paths: tuple[Path, ...] = (),
            fail_under: float | None = None) -> Suggestions:
    """`collab test --mutate --suggest`: the mutation run, and a case offered per survivor."""
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
    from engine.files import sync_files
    from engine.tools.docs import render

    return sync_files(render(catalogue, lang), folder, check, "collab docs")


def schemas(folder: Path, check: bool = False, catalogue_dir: Path | None = None) -> SyncReport:
    """`collab schema`: write the JSON Schemas, with the words of the catalogue at
    ``catalogue_dir`` (default: the shipped one), into ``folder`` (or check them)."""
    from engine.files import sync_files
    from engine.render.plan import to_json
    from engine.tools.schema import generate as generated

    schemas = generated(load_catalogue(catalogue_dir))
    return sync_files({name: to_json(s) for name, s in schemas.items()}, folder, check,
                      "collab schema")


