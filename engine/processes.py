"""When work may be spread over forked processes.

A forked child has only the thread that forked: a lock another thread held at that moment
(the rules host's, the import system's, the allocator's) stays held in the child for ever,
and the child can hang. So work forks only where this process runs a single thread; in a
process with others (collab studio's server and file watcher) it runs where it is, or in
spawned processes. Python 3.12 warns about such forks; 3.14 stops forking by default.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading


def can_fork() -> bool:
    """Whether forking is available and safe here: fork exists and this is the only thread."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """Make this (child) process end when ``parent`` ends, even by SIGKILL.

    On Linux the kernel sends it SIGKILL (PR_SET_PDEATHSIG); elsewhere the caller also sees
    its parent go through its pipe (end of file) and should check ``parent_gone`` between
    pieces of work. A parent already gone before the request is caught here. The kernel's
    "parent" is the thread that started this process: it must be the one that stops it.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl: the pipe and parent_gone still tell
    if parent_gone(parent):
        os._exit(0)


def parent_gone(parent: int) -> bool:
    """Whether the process that started this one has ended (this one was re-parented)."""
    return os.getppid() != parent
