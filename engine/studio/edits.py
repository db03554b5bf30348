"""Saving a file of the catalogue from the studio without losing an edit made elsewhere
(issue 21, "No edit lost"). No route uses it yet: the studio still writes nothing.

The page edits a file as it read it: its text and its version (the SHA-256 of its bytes).
A save names that version. When the file on disk changed since (an editor, a git
checkout, another page), nothing is written: the answer is a Conflict holding both texts,
for the page to show side by side. The comparison and the write happen under one lock, and
the write replaces the file atomically (engine.files.write_atomic), so two saves of the
studio cannot interleave; an editor's save in the instant between the comparison and the
rename is the one case not caught. Only files of the catalogue's folders are read or written, links
followed (engine.studio.folder), and every read keeps the CLI's size limit (IO004).

A route that saves must also be guarded as one that changes state (engine.studio.guard:
`writer`).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from engine.catalogue.documents import MAX_FILE_BYTES
from engine.errors import Diagnostic, InputError
from engine.files import read_bounded, write_atomic
from engine.studio.folder import READABLE, CatalogueFolder

NEW = ""  # the version of a file that does not exist yet
SUFFIXES = (".yaml", ".yml", ".json")


def version_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class Version:
    """A file as the page reads it, or as a save left it."""

    relative: str  # to the catalogue folder, e.g. services/scanner.yaml
    text: str
    version: str  # version_of its bytes; NEW when there is no such file


@dataclass(frozen=True)
class Conflict:
    """A save refused because the file changed on disk since the page read it."""

    relative: str
    mine: str  # the text the page sent
    theirs: Version  # the file as it is on disk now


class Editor:
    """Reads and saves the files of one catalogue folder (one per studio)."""

    def __init__(self, folder: CatalogueFolder) -> None:
        self.folder = folder
        self._lock = threading.Lock()

    def path(self, relative: str) -> Path:
        """The file ``relative`` names, which must be a YAML or JSON file of the catalogue's
        folders once links are followed; else InputError (STU012)."""
        path = self.folder.root / relative
        parts = Path(relative).parts
        if not parts or ".." in parts or Path(relative).is_absolute() \
                or not any(relative.startswith(f"{folder}/") for folder in READABLE) \
                or path.suffix not in SUFFIXES or not self.folder.inside(path):
            raise InputError([Diagnostic(relative[:200], 0, 0, "STU012",
                                         "not a file the studio may write",
                                         "name a .yaml or .json file of services/, rules/, "
                                         "examples/ or tests/scenarios/")])
        return path

    def _read(self, relative: str, path: Path) -> Version:
        if not path.exists() and not path.is_symlink():
            return Version(relative, "", NEW)
        raw = read_bounded(path, relative, MAX_FILE_BYTES)
        return Version(relative, raw.decode("utf-8", errors="replace"), version_of(raw))

    def read(self, relative: str) -> Version:
        return self._read(relative, self.path(relative))

    def save(self, relative: str, text: str, version: str) -> Version | Conflict:
        """Write ``text`` to ``relative`` if the file is still at ``version`` (NEW: it must
        not exist); else write nothing and return the Conflict."""
        path = self.path(relative)
        with self._lock:
            current = self._read(relative, path)
            if current.version != version:
                return Conflict(relative, text, current)
            write_atomic(path, text)
        return self._read(relative, path)
