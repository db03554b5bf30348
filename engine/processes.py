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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    """Whether forking is available and safe here: fork exists and this is the only thread."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


@contextmanager
def aside(work: Callable[[], T]) -> Iterator[Callable[[], T]]:
    """``work`` done in a forked process while the caller goes on (on a core the caller
    leaves idle); yields the function that waits for its result, or raises what it raised.

    A plain process and a pipe, not a Pool: a Pool's threads would make ``can_fork`` false
    for the work the caller forks meanwhile. Where forking is not safe, ``work`` runs when
    its result is asked for. Leaving the block early ends the process.
    """
    if not can_fork():
        yield work
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_answer, args=(work, sender), daemon=True)
    child.start()
    sender.close()
    answered: list[tuple[bool, Any]] = []

    def result() -> T:
        if not answered:
            answered.append(receiver.recv())
        ok, value = answered[0]
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    try:
        yield result
    finally:
        receiver.close()
        if child.is_alive() and not answered:
            child.terminate()
        child.join()


def _answer(work: Callable[[], Any], sender: Any) -> None:
    try:
        answer: tuple[bool, Any] = (True, work())
    except BaseException as error:  # handed to the parent, which raises it
        answer = (False, error)
    sender.send(answer)
    sender.close()


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
