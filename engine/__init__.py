"""Collaboration rules engine: plans Visma Advisor collaborations from YAML catalogues.

The library API, usable without the CLI::

    from engine import load_catalogue, load_request, plan

    catalogue = load_catalogue()                 # the shipped catalogue
    request = load_request("examples/x.yaml", catalogue)
    result = plan(catalogue, request)            # a Plan (pydantic model)

This module is the package's face and only re-exports. The pipeline lives in subpackages,
each importing only those before it: catalogue (load and check catalogue files) -> request
(parse requests, derive facts) -> evaluation (operators, compile, durable-rules, evaluate)
-> plan (the result) -> render (reporters) -> tools (analyse, explain, diff, batch, ...).
"""

from __future__ import annotations

from pathlib import Path

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.checks import check_catalogue
from engine.catalogue.locate import default_catalogue_dir, load_catalogue
from engine.errors import (
    CatalogueError,
    CollabError,
    Diagnostic,
    EngineError,
    InputError,
    RequestError,
)
from engine.evaluation.evaluate import compiled_catalogue, plan
from engine.plan.model import Plan
from engine.request.model import Request
from engine.request.parse import load_request as _load_request
from engine.request.parse import parse_request
from engine.tools.validate import validate_catalogue

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


def load_request(path: str | Path, catalogue: Catalogue) -> Request:
    """Load and check a request file (YAML or JSON) against ``catalogue``."""
    return _load_request(Path(path), catalogue)
