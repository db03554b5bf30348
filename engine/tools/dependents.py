"""What depends on a catalogue: its example requests and test cases, checked against it.

A variant renamed or a service removed leaves requests and cases naming it; `collab validate`
reports each of them at its file and line, as `collab plan` and `collab test` would refuse it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.documents import load_document
from engine.errors import CollabError, Diagnostic, InputError, display_path
from engine.request.parse import request_from_document
from engine.tools.cases import case_request, load_case

#: Where a catalogue keeps what depends on it, relative to its folder.
DEPENDENT_FOLDERS = (Path("examples"), Path("tests") / "scenarios")
SUFFIXES = (".yaml", ".yml", ".json")


def default_dependents(catalogue: Catalogue) -> list[Path]:
    """The catalogue's example requests and scenario cases, where it has them."""
    return [catalogue.root / folder for folder in DEPENDENT_FOLDERS
            if (catalogue.root / folder).is_dir()]


def _files(paths: Iterable[Path]) -> list[Path]:
    """The files named, and those in the folders named; a path that is neither is unusable
    input (InputError), as a missing request is to `collab plan`."""
    found: list[Path] = []
    missing = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
        elif path.exists():
            found.append(path)
        else:
            missing.append(Diagnostic(display_path(path), 0, 0, "IO001", "no such file or folder",
                                      "name request or case files, or folders that hold them"))
    if missing:
        raise InputError(missing)
    return found


def check_dependents(catalogue: Catalogue, paths: Iterable[Path]) -> list[Diagnostic]:
    """Every request or case file under ``paths`` that no longer parses against
    ``catalogue``, as errors at its file and line (a case is a mapping with `expect:`)."""
    found: dict[tuple[str, int, int, str, str], Diagnostic] = {}
    for path in _files(paths):
        for problem in _check_file(path, catalogue):  # a request used by several cases: once
            found.setdefault((problem.file, problem.line, problem.column, problem.code,
                              problem.message), problem)
    return list(found.values())


def _check_file(path: Path, catalogue: Catalogue) -> list[Diagnostic]:
    try:
        document = load_document(path)
        if isinstance(document.data, dict) and "expect" in document.data:
            case, document = load_case(path)
            case_request(case, document, catalogue)
        else:
            request_from_document(document, catalogue)
    except CollabError as error:
        return list(error.diagnostics)
    return []
