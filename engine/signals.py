"""SIGTERM stops a command the way Ctrl-C does, with its own exit code.

The handler turns SIGTERM into whatever SIGINT does at that moment (a KeyboardInterrupt,
deferred while durable-rules is inside a call), so the same clean-up runs for both: the
output file left as it was, temporary files removed, workers stopped. The CLI then exits
143 (128 + SIGTERM) instead of 130.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from types import FrameType

EXIT_INTERRUPTED = 130  # as a shell reports a command stopped by Ctrl-C (128 + SIGINT)
EXIT_TERMINATED = 143  # as a shell reports a command stopped by SIGTERM (128 + SIGTERM)

_terminated = False
_interrupted = False
_installed_by = 0  # the process that installed the handlers


def _default_in_child() -> None:
    """A forked child (a multiprocessing pool's worker) dies at SIGTERM as usual, even when
    blocked in C code where a Python handler would never run (Pool.terminate would hang)."""
    with contextlib.suppress(ValueError):  # not the main thread: nothing was installed there
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    global _terminated
    if os.getpid() != _installed_by:  # a child that escaped _default_in_child: die as usual
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    _terminated = True
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler) and handler is not signal.default_int_handler:
        handler(signal.SIGINT, frame)  # interrupt(), or durable-rules' deferral over it
    else:
        raise KeyboardInterrupt


def interrupt(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C as Python's own handler does it (KeyboardInterrupt), noted for stop_requested."""
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def stop_on_sigterm() -> None:
    """Make SIGTERM raise KeyboardInterrupt like Ctrl-C, and note both (stop_requested); from
    the main thread only. Ctrl-C's handler is replaced only where it is still Python's own."""
    global _installed_by, _unraisable
    if _installed_by == 0:
        os.register_at_fork(after_in_child=_default_in_child)
    _installed_by = os.getpid()
    signal.signal(signal.SIGTERM, _on_sigterm)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, interrupt)
    if sys.unraisablehook is not _quiet_lost_interrupt:
        _unraisable = sys.unraisablehook
        sys.unraisablehook = _quiet_lost_interrupt


_unraisable = sys.__unraisablehook__


def _quiet_lost_interrupt(unraisable: sys.UnraisableHookArgs) -> None:
    """A KeyboardInterrupt of Ctrl-C or SIGTERM raised where Python cannot pass it on (a
    __del__, a weakref callback, a library's C or Rust code) is lost, and Python would print
    its traceback as "Exception ignored in ..." while the command goes on to stop cleanly
    (stop_requested): the user is spared that traceback. Anything else is reported as before."""
    if not (issubclass(unraisable.exc_type, KeyboardInterrupt) and stop_requested()):
        _unraisable(unraisable)


def stop_requested() -> bool:
    """Whether Ctrl-C or SIGTERM arrived. Their KeyboardInterrupt can be lost: raised while the
    garbage collector runs a weakref callback or a __del__ (multiprocessing has such callbacks),
    it is printed as "Exception ignored" and the program goes on. A long loop asks this to stop
    anyway."""
    return (_terminated or _interrupted) and os.getpid() == _installed_by


def stopped_by() -> tuple[int, str]:
    """The exit code and word for the KeyboardInterrupt being handled."""
    return (EXIT_TERMINATED, "terminated") if _terminated else (EXIT_INTERRUPTED, "interrupted")
