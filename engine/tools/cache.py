"""An on-disk cache of the static analysis, keyed by what decides its result.

The analysis evaluates the catalogue's whole generated space (most of `collab validate`'s
time). Its result depends only on the catalogue's files and the engine's code, so it is
stored under a hash of both, as ruff and mypy cache theirs. A cache that cannot be read or
written is skipped silently: it only ever saves time.

Where: $COLLAB_CACHE_DIR, else $XDG_CACHE_HOME/collab, else ~/.cache/collab.
COLLAB_CACHE_DIR set to an empty string turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from engine.catalogue.catalogue import Catalogue
from engine.errors import Diagnostic, Severity
from engine.files import write_atomic

KEEP = 32  # entries kept; the oldest beyond that are removed


def cache_dir() -> Path | None:
    configured = os.environ.get("COLLAB_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "collab"


def _engine_digest() -> str:
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def _key(catalogue: Catalogue) -> str:
    # the digest covers the files' names and bytes; the paths diagnostics name are added too
    files = sorted({placed.file for placed in catalogue.rules})
    text = "\0".join([catalogue.digest, _engine_digest(), *files])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def read_analysis(catalogue: Catalogue) -> list[Diagnostic] | None:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        entries = json.loads((folder / f"analysis-{_key(catalogue)}.json").read_text("utf-8"))
        return [Diagnostic(e["file"], e["line"], e["column"], e["code"], e["message"], e["hint"],
                           Severity(e["severity"])) for e in entries]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_analysis(catalogue: Catalogue, diagnostics: list[Diagnostic]) -> None:
    folder = cache_dir()
    if folder is None:
        return
    try:
        write_atomic(folder / f"analysis-{_key(catalogue)}.json",
                     json.dumps([d.as_dict() for d in diagnostics]))
        entries = sorted(folder.glob("analysis-*.json"), key=lambda p: p.stat().st_mtime)
        for stale in entries[:-KEEP]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass
