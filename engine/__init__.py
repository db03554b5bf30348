"""Collaboration rules engine: plans Visma Advisor collaborations from YAML catalogues.

The library API, usable without the CLI::

    from engine import load_catalogue, load_request, plan

    catalogue = load_catalogue()                 # the shipped catalogue
    request = load_request("examples/x.yaml", catalogue)
    result = plan(catalogue, request)            # a Plan (pydantic model)

Stages, one module each: load -> validate -> compile -> evaluate -> render.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from engine.catalogue import Catalogue
from engine.compile import CompiledCatalogue, compile_catalogue
from engine.errors import (
    CatalogueError,
    CollabError,
    Diagnostic,
    EngineError,
    InputError,
    RequestError,
)
from engine.evaluate import evaluate
from engine.models import Plan, Request
from engine.validate import check_catalogue, parse_request
from engine.validate import load_catalogue as _load_catalogue
from engine.validate import load_request as _load_request

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
    "check_catalogue",
    "compiled_catalogue",
    "default_catalogue_dir",
    "load_catalogue",
    "load_request",
    "parse_request",
    "plan",
    "validate_catalogue",
]


def default_catalogue_dir() -> Path:
    """The shipped catalogue: inside the installed wheel, else the source checkout."""
    packaged = Path(__file__).parent / "_catalogue"
    if (packaged / "rules").is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent


def load_catalogue(root: str | Path | None = None) -> Catalogue:
    """Load and check the catalogue at ``root`` (default: the shipped one)."""
    return _load_catalogue(Path(root) if root is not None else default_catalogue_dir())


def validate_catalogue(root: str | Path | None = None, analysis: bool = True,
                       cache: bool = False) -> tuple[Catalogue | None, list[Diagnostic]]:
    """Every problem of the catalogue at ``root``: files, shapes, references, then (when
    those are clean and ``analysis`` is on) the static analysis of the rules.

    With ``cache``, the analysis of a catalogue seen before is read from disk (engine.cache).
    """
    catalogue, problems = check_catalogue(
        Path(root) if root is not None else default_catalogue_dir())
    if catalogue is not None and analysis and not any(
            p.severity.value == "error" for p in problems):
        from engine.analyse import analyse
        from engine.cache import read_analysis, write_analysis

        found = read_analysis(catalogue) if cache else None
        if found is None:
            found = analyse(catalogue)
            if cache:
                write_analysis(catalogue, found)
        problems = sorted(problems + found)
    return catalogue, problems


def load_request(path: str | Path, catalogue: Catalogue) -> Request:
    """Load and check a request file (YAML or JSON) against ``catalogue``."""
    return _load_request(Path(path), catalogue)


@lru_cache(maxsize=8)
def compiled_catalogue(catalogue: Catalogue) -> CompiledCatalogue:
    """``catalogue`` compiled into rulesets, once per catalogue per process."""
    return compile_catalogue(catalogue)


def plan(catalogue: Catalogue, request: Request | dict[str, Any]) -> Plan:
    """The plan for ``request`` (a Request, or plain data to be checked first)."""
    if not isinstance(request, Request):
        request = parse_request(request, catalogue)
    return evaluate(compiled_catalogue(catalogue), request)
