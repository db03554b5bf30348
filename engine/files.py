"""Writing files so that a crash or Ctrl-C never leaves a half-written one behind."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from engine.errors import Verdict


@contextmanager
def atomic_writer(path: Path) -> Iterator[TextIO]:
    """A text stream whose content replaces ``path`` only once the block ends without error.

    It writes to a temporary file in the same folder and renames it (atomic), so ``path``
    holds either its old content or all of the new, never part of it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(descriptor, _mode(path))  # mkstemp makes it private; keep what `open` gives
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _mode(path: Path) -> int:
    """The existing file's permissions, else those a new file gets under the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (see atomic_writer)."""
    with atomic_writer(path) as stream:
        stream.write(text)


@dataclass(frozen=True)
class SyncReport:
    """Generated files (docs, schemas) written, or with ``check``, those found stale."""

    folder: Path
    written: list[Path]
    stale: list[str]
    command: str  # the command that writes them, for the hint

    @property
    def verdict(self) -> Verdict:
        return Verdict.NEGATIVE if self.stale else Verdict.OK

    def written_text(self) -> str:
        return "".join(f"wrote {path}\n" for path in self.written)

    def stale_text(self) -> str:
        """For stderr: which files are stale and how to bring them up to date."""
        if not self.stale:
            return ""
        return f"stale in {self.folder}: {', '.join(self.stale)}; run `{self.command}`\n"


def sync_files(files: dict[str, str], folder: Path, check: bool, command: str) -> SyncReport:
    """Write each file atomically; with ``check``, write nothing and name the stale ones."""
    written, stale = [], []
    for name, text in files.items():
        path = folder / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        write_atomic(path, text)  # never a half-written file where a good one was
        written.append(path)
    return SyncReport(folder, written, stale, command)


def output_stream(stack: ExitStack[bool | None], path: Path | None) -> TextIO:
    """stdout, or ``path`` written atomically when ``stack`` closes without an error."""
    if path is None:
        stdout: TextIO = sys.stdout
        return stdout
    return stack.enter_context(atomic_writer(path))
