"""`collab validate`'s verdict: the catalogue's checks, then the analysis of its rules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.checks import check_catalogue
from engine.catalogue.locate import default_catalogue_dir
from engine.collector import without_cyclic_gc
from engine.errors import Diagnostic, InputError, Severity, Verdict, display_path
from engine.evaluation.limits import check_limits
from engine.processes import aside
from engine.tools.analyse import analyse
from engine.tools.cache import open_cache, read_analysis, write_analysis
from engine.tools.dependents import check_dependents, default_dependents


@dataclass(frozen=True)
class ValidationReport:
    """Every problem found in one catalogue, and whether they fail the run."""

    root: Path
    diagnostics: list[Diagnostic]
    usable: bool  # False when the folder is no catalogue at all
    strict: bool = False  # warnings fail the run too
    catalogue: str = ""  # the catalogue as the report names it

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity is severity)

    @property
    def valid(self) -> bool:
        return self.usable and not self.count(Severity.ERROR) and not (
            self.strict and self.count(Severity.WARNING))

    @property
    def verdict(self) -> Verdict:
        if not self.usable:
            return Verdict.UNUSABLE
        return Verdict.OK if self.valid else Verdict.NEGATIVE


def _has_errors(problems: list[Diagnostic]) -> bool:
    return any(p.severity is Severity.ERROR for p in problems)


def validate_catalogue(root: str | Path | None = None, analysis: bool = True,
                       cache: bool = False, say: Callable[[str], None] | None = None,
                       requests: Sequence[Path] | None = None
                       ) -> tuple[Catalogue | None, list[Diagnostic]]:
    """Every problem of the catalogue at ``root``: files, shapes, references, then (when
    those are clean) the requests and cases that depend on it (``requests``, default: its
    examples/ and tests/scenarios/) and, with ``analysis``, the static analysis of the rules.

    With ``cache``, the analysis of a catalogue seen before is read from disk (tools.cache);
    ``say`` hears why the cache is not used, if it is not.
    """
    # the checks make many objects and no cycles: see without_cyclic_gc (at 100x the shipped
    # catalogue, the collector's passes over the loaded catalogue took a third of the time)
    with without_cyclic_gc():
        catalogue, problems = check_catalogue(
            Path(root) if root is not None else default_catalogue_dir())
        if catalogue is None or _has_errors(problems):
            return catalogue, sorted(problems)
        problems = problems + check_limits(catalogue)  # needs rules that compile
        if _has_errors(problems):
            return catalogue, sorted(problems)
    paths = default_dependents(catalogue) if requests is None else requests
    folder = open_cache(say) if analysis and cache else None
    found = read_analysis(catalogue, folder) if analysis else []
    if found is not None:
        return catalogue, sorted(problems + _check_dependents(catalogue, paths) + found)
    # The analysis generates its space on this core, then scans it on all: the requests are
    # checked meanwhile on the other (about a tenth of `collab validate`'s time).
    with aside(partial(_check_dependents, catalogue, paths)) as dependents:
        found = analyse(catalogue)
        write_analysis(catalogue, found, folder)
        return catalogue, sorted(problems + dependents() + found)


def _check_dependents(catalogue: Catalogue, paths: Sequence[Path]) -> list[Diagnostic]:
    with without_cyclic_gc():
        return check_dependents(catalogue, paths)


def validate(root: Path, analysis: bool = True, cache: bool = True, strict: bool = False,
             say: Callable[[str], None] | None = None, requests: Sequence[Path] | None = None,
             name: str | None = None) -> ValidationReport:
    """`collab validate`: the report on the catalogue folder ``root`` (called ``name`` in
    the report) and, as validate_catalogue says, on the ``requests`` that depend on it;
    ``say`` hears why the analysis cache is not used, if it is not."""
    if not root.is_dir():
        raise InputError([Diagnostic(display_path(root), 0, 0, "IO001", "no such folder",
                                     "name the folder that holds services/ and rules/")])
    _, problems = validate_catalogue(root, analysis, cache, say, requests)
    usable = not any(p.code == "CAT001" for p in problems)
    return ValidationReport(root, problems, usable, strict, name or display_path(root))
