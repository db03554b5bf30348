"""An on-disk cache of the static analysis, which never answers for another catalogue.

The analysis evaluates the catalogue's whole generated space (most of `collab validate`'s
time). Its result depends only on the catalogue's files, the paths diagnostics name, the
engine's code and the Python and durable-rules versions, so it is stored under a hash of all
of them, as ruff and mypy cache theirs. What it guarantees:

- The key is a sha256 over a length-prefixed encoding of every part (names and contents
  alike), so no two different inputs give the same byte string to hash.
- An entry holds its own key and is checked against it and against a schema (`_Entry`)
  before use; anything else (a different key, `[]`, truncated JSON, a foreign code) is a
  miss: the analysis runs again and the entry is replaced.
- Only regular files of at most MAX_ENTRY_BYTES are read, opened without following links and
  without blocking: a FIFO, a device or a link in an entry's place is a miss, never a hang.
- A cache folder not owned by the user, or writable by group or others, is not used at all
  (`--verbose` says so, once): someone else could plant entries in it.
- Pruning removes only entries this tool wrote: names `analysis-<64 hex digits>.json`,
  regular files owned by the user, whose content says it is a collab analysis entry.

A cache that cannot be read or written is skipped: it only ever saves time.
Where: $COLLAB_CACHE_DIR, else $XDG_CACHE_HOME/collab, else ~/.cache/collab.
COLLAB_CACHE_DIR set to an empty string turns the cache off.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from engine.cachedir import read_regular, usable_dir
from engine.catalogue.catalogue import Catalogue
from engine.codes import CODES
from engine.errors import Diagnostic, OutputError, Severity, display_path
from engine.files import write_atomic

KEEP = 32  # entries kept; the oldest beyond that are removed
MAX_ENTRY_BYTES = 8_000_000  # an entry larger than this is not read (a miss)
FORMAT: Literal["collab-analysis-cache"] = "collab-analysis-cache"
VERSION: Literal[1] = 1
ENTRY_NAME = re.compile(r"^analysis-[0-9a-f]{64}\.json$")


# --------------------------------------------------------------------------- the entry's schema


class _Finding(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

    file: Annotated[str, StringConstraints(min_length=1, max_length=4096)]
    line: int = Field(ge=0)
    column: int = Field(ge=0)
    code: Annotated[str, StringConstraints(pattern=r"^ANA[0-9]{3}$")]
    severity: Literal["error", "warning", "note"]
    message: Annotated[str, StringConstraints(min_length=1, max_length=100_000)]
    hint: Annotated[str, StringConstraints(max_length=100_000)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

    format: Literal["collab-analysis-cache"]
    version: Literal[1]
    key: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    diagnostics: list[_Finding]


# --------------------------------------------------------------------------- the key


def _frame(digest: hashlib._Hash, part: bytes) -> None:
    """Add one part, prefixed by its length: no part can run into the next."""
    digest.update(len(part).to_bytes(8, "big"))
    digest.update(part)


@cache
def _engine_parts() -> tuple[bytes, ...]:
    """The engine's source files (name, bytes), and the versions that change its results."""
    package = Path(__file__).resolve().parent.parent
    parts = [b"python", sys.version.encode(), b"durable-rules", _version("durable_rules").encode()]
    for source in sorted(package.rglob("*.py")):
        parts += [source.relative_to(package).as_posix().encode(), source.read_bytes()]
    return tuple(parts)


def _version(distribution: str) -> str:
    import importlib.metadata  # here: 15 ms to import, and `--no-cache` needs no key

    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def cache_key(catalogue: Catalogue) -> str:
    """A hash of everything the analysis depends on, each part length-prefixed."""
    digest = hashlib.sha256()
    parts: list[bytes] = [FORMAT.encode(), str(VERSION).encode(), catalogue.digest.encode(),
                          *_engine_parts()]
    # the analysis' diagnostics name files relative to the working directory
    named = {display_path(catalogue.root / "rules")} | {placed.file for placed in catalogue.rules}
    parts.append(b"paths")
    parts += [name.encode("utf-8", "surrogateescape") for name in sorted(named)]
    for part in parts:
        _frame(digest, part)
    return digest.hexdigest()


# --------------------------------------------------------------------------- reading and writing


def _entry_at(path: Path) -> _Entry | None:
    raw = read_regular(path, MAX_ENTRY_BYTES)
    if raw is None:
        return None
    try:
        return _Entry.model_validate_json(raw)
    except (ValidationError, ValueError):
        return None


def open_cache(say: Callable[[str], None] | None = None) -> Path | None:
    """The cache folder to use for this run, or None; ``say`` hears once why it is not used."""
    return usable_dir(say)


def read_analysis(catalogue: Catalogue, folder: Path | None) -> list[Diagnostic] | None:
    """The cached analysis of ``catalogue``, or None (a miss) unless an entry checks out."""
    if folder is None:
        return None
    key = cache_key(catalogue)
    entry = _entry_at(folder / f"analysis-{key}.json")
    if entry is None or entry.key != key or any(f.code not in CODES for f in entry.diagnostics):
        return None
    return [Diagnostic(f.file, f.line, f.column, f.code, f.message, f.hint, Severity(f.severity))
            for f in entry.diagnostics]


def write_analysis(catalogue: Catalogue, diagnostics: list[Diagnostic],
                   folder: Path | None) -> None:
    """Store the analysis of ``catalogue`` (replacing whatever stood there), then prune."""
    if folder is None:
        return
    key = cache_key(catalogue)
    try:
        entry = _Entry(format=FORMAT, version=VERSION, key=key,
                       diagnostics=[_Finding.model_validate(d.as_dict()) for d in diagnostics])
    except ValidationError:
        return  # a finding the schema would refuse on reading: not worth storing
    path = folder / f"analysis-{key}.json"
    try:
        if path.is_symlink() or (path.exists() and not path.is_file()):
            path.unlink()  # an entry is a file of ours: never write through a link or into a device
        write_atomic(path, entry.model_dump_json())
        _prune(folder)
    except (OSError, OutputError):  # a cache that cannot be written is only slower
        pass


def _ours(path: Path) -> float | None:
    """The modification time of ``path`` if this tool wrote it, else None."""
    if not ENTRY_NAME.match(path.name):
        return None
    try:
        info = path.lstat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        return None
    entry = _entry_at(path)
    if entry is None or path.name != f"analysis-{entry.key}.json":
        return None
    return info.st_mtime


def _prune(folder: Path) -> None:
    entries = []
    for path in folder.iterdir():
        written = _ours(path)
        if written is not None:
            entries.append((written, path.name, path))
    for _, _, stale in sorted(entries)[:-KEEP]:
        try:
            stale.unlink()
        except OSError as error:
            if error.errno != errno.ENOENT:
                raise
