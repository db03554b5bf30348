"""Reading and writing files so that hostile or broken ones cannot hurt.

Reading: a file is opened, checked (a regular file, its size) and only then read, and never
more than the limit is read, so `/dev/zero`, an endless pipe or a 3 GB sparse file costs at
most the limit.

Writing: a regular file is replaced whole or not at all (a temporary file in the same folder,
fsynced, then renamed over it); a device, a pipe, `-` or `/dev/stdout` is written in place,
never replaced; a symbolic link keeps pointing where it did and its target is replaced.
Temporary files are named ``.NAME.collab-PID-XXXX.tmp``: one left by a killed run (SIGKILL,
power loss) is removed by the next write into the same folder. Every OS error is an
OutputError (IO006) naming the path.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, TextIO

from engine.errors import Diagnostic, InputError, OutputError, Verdict, display_path

STDOUT = "<stdout>"
_TEMPORARY = re.compile(r"^\..+\.collab-(\d+)-[^.]+\.tmp$")
_FD_ALIASES = re.compile(r"^/(dev/(stdout|stderr|fd/\d+)|proc/[^/]+/fd/\d+)$")

_HINTS = {
    errno.ENOSPC: "the disk is full: free some space or write elsewhere",
    errno.EDQUOT: "the disk quota is used up: free some space or write elsewhere",
    errno.EFBIG: "the file size limit was reached (ulimit -f): raise it or write less",
    errno.EACCES: "check the permissions of the file and its folder",
    errno.EPERM: "check the permissions of the file and its folder",
    errno.EROFS: "the file system is read-only: write elsewhere",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "the path is a folder: name a file",
}


def cannot_write(shown: str, error: OSError) -> OutputError:
    """The error for an OS error while writing ``shown``."""
    reason = error.strerror or type(error).__name__
    hint = _HINTS.get(error.errno or 0, "check the path, the disk and the permissions")
    return OutputError([Diagnostic(shown, 0, 0, "IO006", f"cannot write: {reason}", hint)])


# --------------------------------------------------------------------------- reading


def _refuse(shown: str, code: str, message: str, hint: str) -> InputError:
    return InputError([Diagnostic(shown, 0, 0, code, message, hint)])


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def open_checked(path: Path, shown: str, *, streams: bool) -> BinaryIO:
    """``path`` opened for reading, once it is known to be a file (or, with ``streams``, a
    pipe, socket or character device: `<(...)`, `/dev/stdin`). Raises InputError (IO001,
    IO002, IO003, IO007) naming ``shown``.

    Without ``streams`` the file is opened non-blocking, so a FIFO cannot hang the open.
    """
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | (0 if streams else os.O_NONBLOCK)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        if path.is_symlink():
            raise _refuse(shown, "IO003", "is a symbolic link to nothing (or a loop of links)",
                          "point the link at the file, or name the file itself") from None
        raise _refuse(shown, "IO001", "file not found", "check the path and try again") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _refuse(shown, "IO003", "is a symbolic link to nothing (or a loop of links)",
                          "point the link at the file, or name the file itself") from None
        raise _refuse(shown, "IO003", f"cannot be read: {error.strerror}",
                      "check its permissions") from None
    mode = os.fstat(descriptor).st_mode
    if stat.S_ISDIR(mode):
        os.close(descriptor)
        raise _refuse(shown, "IO002", "is a directory, not a file", "name a file")
    if not stat.S_ISREG(mode) and not (streams and not stat.S_ISBLK(mode)):
        os.close(descriptor)
        raise _refuse(shown, "IO007", f"is {_kind(mode)}, not a regular file",
                      "name a file; a folder of files must hold only files")
    if not streams:
        os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, "rb")


def read_bounded(path: Path, shown: str, limit: int, *, streams: bool = False) -> bytes:
    """The bytes of ``path``, refused (IO004) without reading them when over ``limit``.

    A regular file's size is checked before reading; anything else (with ``streams``) is read
    up to ``limit`` + 1 bytes and no further.
    """
    with open_checked(path, shown, streams=streams) as stream:
        size = os.fstat(stream.fileno()).st_size
        regular = stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
        if regular and size > limit:
            raise _refuse(shown, "IO004", f"is {size:,} bytes; files over {limit:,} bytes are "
                          "refused", "split it into smaller files")
        try:
            raw = stream.read(limit + 1)
        except OSError as error:
            raise _refuse(shown, "IO003", f"cannot be read: {error.strerror}",
                          "check the file and the disk") from None
    if len(raw) > limit:
        raise _refuse(shown, "IO004", f"is over {limit:,} bytes; files over {limit:,} bytes "
                      "are refused", "split it into smaller files")
    return raw


# --------------------------------------------------------------------------- writing


class Writer(Protocol):
    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


class Output:
    """A text stream whose OS errors are OutputErrors naming its path.

    BrokenPipeError goes through unchanged: a reader that stopped early (`| head`) is not
    an error of ours.
    """

    def __init__(self, stream: Writer, shown: str) -> None:
        self.stream, self.shown = stream, shown

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise cannot_write(self.shown, error) from None

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise cannot_write(self.shown, error) from None


class StdoutGuard(io.TextIOBase):
    """Standard output whose OS errors are OutputErrors (IO006) naming `<stdout>`: disk full
    or a file size limit behind `>`, a stdout closed with `>&-` (``stream`` None)."""

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__()
        self.stream = stream

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.stream is not None and self.stream.isatty()

    def fileno(self) -> int:
        if self.stream is None:
            raise io.UnsupportedOperation("standard output is closed")
        return self.stream.fileno()

    def write(self, text: str) -> int:
        if self.stream is None:
            raise OutputError([Diagnostic(STDOUT, 0, 0, "IO006", "cannot write: standard "
                                          "output is closed", "run it without `>&-`, or "
                                          "write to a file with -o where the command has it")])
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise cannot_write(STDOUT, error) from None

    def flush(self) -> None:
        if self.stream is None:
            return
        try:
            self.stream.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise cannot_write(STDOUT, error) from None


@contextmanager
def guarded_stdout() -> Iterator[None]:
    """Within the block, sys.stdout is a StdoutGuard; it is flushed at the end, so that an
    error writing it is raised there and not lost at the interpreter's exit."""
    original = sys.stdout
    guard = StdoutGuard(original)
    sys.stdout = guard
    try:
        yield
    finally:
        sys.stdout = original
        guard.flush()


def _stdout() -> Writer:
    stdout: TextIO | None = sys.stdout
    return stdout if stdout is not None else StdoutGuard(None)


@contextmanager
def open_output(path: Path | None) -> Iterator[Output]:
    """Where a command writes: stdout (``None`` or ``-``), a device, pipe or `/dev/stdout`
    written in place, else a regular file replaced atomically when the block ends without
    an error."""
    if path is None or str(path) == "-":
        out = Output(_stdout(), STDOUT)
        yield out
        out.flush()
        return
    shown = display_path(path)
    try:
        mode: int | None = path.stat().st_mode
    except OSError:
        mode = None  # a new file, or a path atomic_writer reports
    if (mode is not None and not stat.S_ISREG(mode)) or _FD_ALIASES.match(str(path.absolute())):
        try:
            stream = path.open("a", encoding="utf-8", newline="\n")
        except OSError as error:
            raise cannot_write(shown, error) from None
        try:
            out = Output(stream, shown)
            yield out
            out.flush()
        finally:
            with contextlib.suppress(OSError):  # raised by the flush above, or the block's error
                stream.close()
        return
    with atomic_writer(path) as out:
        yield out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process
    return True


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporary files that runs no longer alive left in ``folder``."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        found = _TEMPORARY.match(entry.name)
        if found and int(found[1]) != os.getpid() and not _alive(int(found[1])):
            with contextlib.suppress(OSError):
                entry.unlink()
                removed.append(entry)
    return removed


@contextmanager
def atomic_writer(path: Path) -> Iterator[Output]:
    """A text stream whose content replaces ``path`` only once the block ends without error.

    It writes to a temporary file in the target's folder, fsyncs it and renames it over the
    target (atomic), so ``path`` holds either its old content or all of the new, never part
    of it. A symbolic link is followed: its target is replaced and the link kept.
    """
    shown = display_path(path)
    target = Path(os.path.realpath(path))
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        if not stat.S_ISREG(target.stat().st_mode):  # a device, a pipe, a folder: never renamed over
            raise cannot_write(shown, OSError(errno.EEXIST, "not a regular file, so not replaced"))
    try:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:  # a part of the path is a file
            raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)) from None
        remove_stale_temporaries(target.parent)
        descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.collab-{os.getpid()}-",
                                            suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise cannot_write(shown, error) from None
    temporary = Path(name)
    try:
        os.fchmod(descriptor, _mode(target))  # mkstemp makes it private; keep what `open` gives
        stream = os.fdopen(descriptor, "w", encoding="utf-8", newline="\n")
        try:
            out = Output(stream, shown)
            yield out
            out.flush()
            try:
                os.fsync(stream.fileno())  # the data is on disk before the name points at it
            except OSError as error:
                raise cannot_write(shown, error) from None
        finally:
            with contextlib.suppress(OSError):  # after a failed write its buffer cannot go
                stream.close()
        try:
            temporary.replace(target)
        except OSError as error:
            raise cannot_write(shown, error) from None
        _sync_folder(target.parent)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _sync_folder(folder: Path) -> None:
    """Make the rename durable; some file systems cannot, and then it is left to them."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


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


def sync_files(files: dict[str, str], folder: Path, check: bool, command: str) -> SyncReport:
    """Write each file whose text differs, atomically; with ``check``, write nothing and name
    the stale ones. A file already up to date is left alone (its time stamp too)."""
    written, stale = [], []
    for name, text in files.items():
        path = folder / name
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        if check:
            stale.append(name)
            continue
        write_atomic(path, text)  # never a half-written file where a good one was
        written.append(path)
    return SyncReport(folder, written, stale, command)
