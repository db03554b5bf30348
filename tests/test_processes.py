"""Work forks only where forking is safe: never while another thread runs (collab studio
analyses a saved catalogue from its worker thread, beside the server's), where a child could
inherit a lock held for ever. There it runs in this process, with the same result."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from engine import Catalogue
from engine.errors import Diagnostic, InputError
from engine.processes import aside, can_fork
from engine.tools.analyse import analyse


@contextmanager
def another_thread() -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def test_no_fork_beside_another_thread() -> None:
    with another_thread():
        assert not can_fork()


@pytest.mark.slow  # two whole analyses, 3 s (.ci/run runs it)
def test_the_analysis_beside_another_thread_runs_here_with_the_same_findings(
        catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_processes(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a process was started beside another thread")

    alone = analyse(catalogue)  # forked workers where this test runs on one thread
    with another_thread(), monkeypatch.context() as patched:
        patched.setattr(multiprocessing, "get_context", no_processes)
        assert analyse(catalogue) == alone


def _refuse() -> None:
    raise InputError([Diagnostic("missing.yaml", 0, 0, "IO001", "no such file or folder", "name it")])


def test_work_aside_runs_in_another_process_and_hands_back_its_result_or_its_error() -> None:
    parent = multiprocessing.current_process().pid
    with aside(lambda: multiprocessing.current_process().pid) as pid:
        assert pid() != parent
    with aside(_refuse) as refused, pytest.raises(InputError) as raised:
        refused()
    assert [d.code for d in raised.value.diagnostics] == ["IO001"]
    assert "missing.yaml: [error] no such file or folder (IO001)" in str(raised.value)


def test_work_aside_beside_another_thread_runs_here() -> None:
    parent = multiprocessing.current_process().pid
    with another_thread(), aside(lambda: multiprocessing.current_process().pid) as pid:
        assert pid() == parent
