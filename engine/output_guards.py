"""What writing an output must not trust: another run's temporary files, and another user's
links and FIFOs in a shared folder (issue 22, items 10 and 14). Used by engine.files.

Temporary files are named ``.NAME.collab-PID-XXXX.tmp`` and locked (``fcntl.flock``,
exclusive) for as long as they are written: one that holds no lock was left by a run that
died, and is removed. The lock, not the PID, tells: a PID means nothing in another PID
namespace (a container) or on another machine sharing the folder.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import stat
from pathlib import Path

from engine.errors import Diagnostic, OutputError

_TEMPORARY = re.compile(r"^\..+\.collab-(\d+)-[^.]+\.tmp$")


def _planted(entry: Path) -> str:
    """What ``entry`` is when another user planted it in a sticky, world-writable folder
    (/tmp): "a symbolic link" or "a FIFO" owned by neither this user nor the folder's owner;
    else "". The kernel's protected_symlinks and protected_fifos refuse to follow or open
    those; writing through a link is done by name here (its target is replaced), so the
    same rule is applied by hand."""
    try:
        found = entry.lstat()
        folder = entry.parent.stat()
    except OSError:
        return ""
    sticky = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
    if not sticky or found.st_uid in (os.geteuid(), folder.st_uid):
        return ""
    if stat.S_ISLNK(found.st_mode):
        return "a symbolic link"
    return "a FIFO" if stat.S_ISFIFO(found.st_mode) else ""


def refuse_planted(path: Path, shown: str) -> None:
    """Raise an OutputError (IO006) if a part of ``path`` is a link or FIFO another user
    planted in a sticky, world-writable folder (see _planted): never followed, never opened."""
    absolute = path.absolute()
    for part in (*reversed(absolute.parents[:-1]), absolute):
        kind = _planted(part)
        if kind:
            owner = part.lstat().st_uid
            raise OutputError([Diagnostic(
                shown, 0, 0, "IO006", f"cannot write: {part} is {kind} owned by another user "
                f"(uid {owner}) in a world-writable sticky folder, so it is not followed",
                "remove it, or write elsewhere (as the kernel's protected_symlinks and "
                "protected_fifos do, a link or FIFO someone else planted there is refused)")])


def _lock(descriptor: int) -> bool:
    """Take the exclusive lock of an open file without waiting: False if another holds it."""
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _remove_if_stale(entry: Path) -> bool:
    """Remove a temporary file no run holds the lock of: a run killed before it could."""
    try:
        descriptor = os.open(entry, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False  # gone, a link, or not ours to read: left alone
    try:
        opened = os.fstat(descriptor)
        if not stat.S_ISREG(opened.st_mode) or not _lock(descriptor):
            return False  # a live run's (or not a file at all); no locks here: OSError below
        if entry.lstat().st_ino != opened.st_ino:
            return False  # replaced meanwhile by another run's new file
        entry.unlink()
        return True
    except OSError:
        return False
    finally:
        os.close(descriptor)


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporary files that runs no longer alive left in ``folder``."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if _TEMPORARY.match(entry.name) and _remove_if_stale(entry):
            removed.append(entry)
    return removed


def locked_temporary(target: Path) -> tuple[int, int, str]:
    """A new temporary file beside ``target``, locked: (descriptor, a duplicate of it that
    keeps the lock until it is closed, name). Another run's sweep may remove the file between
    its creation and the lock: then it is made anew. On a file system without locks (some
    network and FUSE ones) it is written unlocked, and sweeps there leave every file alone."""
    import tempfile  # here: a command that writes no file does not import it (issue 23)

    for _ in range(10):
        descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.collab-{os.getpid()}-",
                                            suffix=".tmp", dir=target.parent)
        try:
            locked = _lock(descriptor)
        except OSError:  # ENOLCK, EOPNOTSUPP: no locks here
            locked = True
        try:
            if locked and Path(name).stat().st_ino == os.fstat(descriptor).st_ino:
                return descriptor, os.dup(descriptor), name
        except FileNotFoundError:
            pass
        os.close(descriptor)
    raise OSError(errno.EAGAIN, "cannot lock a temporary file: another process keeps "
                  "removing or locking them")
