"""The cache folder the analysis (engine.tools.cache) and catalogue snapshots
(engine.catalogue.snapshot) share, and how its entries are read without trusting them.

Where: $COLLAB_CACHE_DIR, else $XDG_CACHE_HOME/collab, else ~/.cache/collab; COLLAB_CACHE_DIR
set to an empty string turns the cache off. A folder not owned by the user, or writable by
group or others, is not used at all: someone else could plant entries in it. Entries are read
only as regular files of the user's, of a bounded size, opened without following a link and
without blocking (a FIFO or a device in an entry's place is a miss, never a hang).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from engine.errors import display_path


def cache_dir() -> Path | None:
    """The configured cache folder (it may not exist yet), or None when the cache is off."""
    configured = os.environ.get("COLLAB_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "collab"


def usable_dir(say: Callable[[str], None] | None = None, what: str = "analysis cache"
               ) -> Path | None:
    """The cache folder if it is safe to use: a folder of this user's, writable by no one else.

    It is made (private) if missing. Why a folder is not used goes to ``say``, naming ``what``.
    """
    folder = cache_dir()
    if folder is None:
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError as error:
        if say:
            say(f"{what} not used: {display_path(folder)}: {error.strerror}")
        return None
    reason = ""
    if not stat.S_ISDIR(info.st_mode):
        reason = "is not a folder"
    elif hasattr(os, "getuid") and info.st_uid != os.getuid():
        reason = "belongs to another user"
    elif info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        reason = (f"is writable by others (mode {stat.S_IMODE(info.st_mode):o}; "
                  "`chmod go-w` it to use it)")
    if reason:
        if say:
            say(f"{what} not used: {display_path(folder)} {reason}")
        return None
    return folder


def read_regular(path: Path, limit: int, *, own: bool = False) -> bytes | None:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes (and, with
    ``own``, one of this user's), else None.

    Opened without following a link and without blocking (a FIFO would otherwise wait for a
    writer), checked, then read with a bounded read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        if own and hasattr(os, "getuid") and info.st_uid != os.getuid():
            return None
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(descriptor, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks) if size <= limit else None
    except OSError:
        return None
    finally:
        os.close(descriptor)
