"""`collab validate`'s verdict: the catalogue's checks, then the analysis of its rules."""

from __future__ import annotations

from pathlib import Path

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.checks import check_catalogue
from engine.catalogue.locate import default_catalogue_dir
from engine.errors import Diagnostic, Severity
from engine.tools.analyse import analyse
from engine.tools.cache import read_analysis, write_analysis


def validate_catalogue(root: str | Path | None = None, analysis: bool = True,
                       cache: bool = False) -> tuple[Catalogue | None, list[Diagnostic]]:
    """Every problem of the catalogue at ``root``: files, shapes, references, then (when
    those are clean and ``analysis`` is on) the static analysis of the rules.

    With ``cache``, the analysis of a catalogue seen before is read from disk (tools.cache).
    """
    catalogue, problems = check_catalogue(
        Path(root) if root is not None else default_catalogue_dir())
    if catalogue is not None and analysis and not any(
            p.severity is Severity.ERROR for p in problems):
        found = read_analysis(catalogue) if cache else None
        if found is None:
            found = analyse(catalogue)
            if cache:
                write_analysis(catalogue, found)
        problems = sorted(problems + found)
    return catalogue, problems
