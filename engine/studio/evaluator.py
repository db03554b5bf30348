"""The studio's evaluations, in worker processes that are stopped when they take too long.

A thread cannot be stopped: an evaluation past the time limit (a request made to be slow)
went on using a core after its answer said "timeout", and a few of them delayed every plan
after them. So the studio plans in processes, at most WORKERS at once, and kills one that
runs past its deadline; a fresh one takes its place. They are spawned, not forked: the
server's threads make a fork unsafe (engine.processes).

A worker gets the catalogue (pickled, about 150 KB) once per catalogue it plans with, and
is replaced after MAX_CATALOGUES of them, so its memory stays bounded however often the
catalogue is saved. A worker dies with its studio (PR_SET_PDEATHSIG where there is one,
else at the end of its pipe).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import threading
import time
import weakref
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from engine.catalogue.catalogue import Catalogue
from engine.errors import Diagnostic
from engine.studio.planning import PlanJob, PlanResult, plan_job

WORKERS = 2  # evaluations at once
TIMEOUT = 10.0  # seconds for one evaluation, waiting for a worker included
MAX_CATALOGUES = 20  # catalogues one worker plans with before it is replaced


def _problem(code: str, message: str, hint: str) -> Diagnostic:
    return Diagnostic("<request>", 0, 0, code, message, hint)


def _die_with(parent: int) -> None:
    """End this process when ``parent`` (the studio) is gone, even in the middle of a job, so
    that a worker does not outlive a studio killed with SIGKILL. A thread that watches the
    parent, not PR_SET_PDEATHSIG: the kernel sends that signal when the *thread* that started
    the worker ends, and the studio starts workers from its request threads, which come and go."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="collab-parent-watch", daemon=True).start()


def _serve(connection: Connection, parent: int) -> None:
    """A worker: plan each job with the catalogue last sent, until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the terminal: the studio stops us
    _die_with(parent)
    catalogue: Catalogue | None = None
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return  # the studio is gone
        if message[0] == "catalogue":
            catalogue = message[1]
            continue
        _, job, folder = message
        with contextlib.suppress(OSError):  # diagnostics name files as the studio's folder does
            if folder != Path.cwd():
                os.chdir(folder)
        try:
            if catalogue is None:
                raise RuntimeError("a job came before any catalogue")
            result = plan_job(catalogue, job)
        except Exception as error:  # a bug: the page shows it, the worker goes on
            result = PlanResult("error", (_problem(
                "STU005", f"internal error: {type(error).__name__}: {error}",
                "this is a bug; please report it"),))
        try:
            connection.send(result)
        except OSError:
            return


class _Worker:
    """One worker process and its end of the pipe."""

    def __init__(self, context: Any) -> None:
        self.connection, child = context.Pipe()
        self.process: BaseProcess = context.Process(target=_serve, args=(child, os.getpid()),
                                                    daemon=True, name="collab-studio-plan")
        self.process.start()
        child.close()
        self.digest: str | None = None  # of the catalogue it holds
        self.catalogues = 0  # catalogues it was sent

    def ask(self, catalogue: Catalogue, job: PlanJob, deadline: float) -> PlanResult | None:
        """The worker's answer, or None when the deadline passed first."""
        if self.digest != catalogue.digest:
            self.connection.send(("catalogue", catalogue))
            self.digest = catalogue.digest
            self.catalogues += 1
        self.connection.send(("plan", job, Path.cwd()))
        if not self.connection.poll(max(0.0, deadline - time.monotonic())):
            return None
        answer = self.connection.recv()
        return answer if isinstance(answer, PlanResult) else None

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()
        self.process.join(5)
        self.connection.close()


def _stop_all(workers: set[_Worker]) -> None:
    for worker in list(workers):
        worker.stop()
    workers.clear()


class Evaluator:
    """Plans jobs in worker processes, each within ``timeout`` seconds.

    Thread-safe and blocking (the app calls ``run`` in a thread). Workers are started on
    first use, or by ``start``; ``stop`` kills them (and so does the garbage collector).
    """

    def __init__(self, timeout: float = TIMEOUT, workers: int = WORKERS) -> None:
        self.timeout = timeout
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        for _ in range(workers):
            self._idle.put(None)  # a place for a worker, started when first needed
        self._workers: set[_Worker] = set()
        self._finalizer = weakref.finalize(self, _stop_all, self._workers)

    def start(self) -> None:
        """Start every worker now, so that the first plans do not wait for one."""
        taken = []
        while True:
            try:
                taken.append(self._idle.get_nowait())
            except queue.Empty:
                break
        for worker in taken:
            self._idle.put(worker if worker is not None else self._new())

    def stop(self) -> None:
        self._finalizer()

    @property
    def processes(self) -> list[BaseProcess]:
        """The worker processes alive (tests, the soak)."""
        return [worker.process for worker in list(self._workers) if worker.process.is_alive()]

    def _new(self) -> _Worker:
        worker = _Worker(self._context)
        self._workers.add(worker)
        return worker

    def _retire(self, worker: _Worker | None) -> None:
        if worker is not None:
            self._workers.discard(worker)
            worker.stop()

    def run(self, catalogue: Catalogue, job: PlanJob, started: float | None = None) -> PlanResult:
        """The plan of ``job``; a timeout (STU004) when it is not done ``timeout`` seconds
        after ``started`` (time.monotonic(); default: now), the work then stopped."""
        deadline = (started if started is not None else time.monotonic()) + self.timeout
        try:
            worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return PlanResult("timeout", (_problem(
                "STU011", f"the studio is busy: no evaluation could start within "
                f"{self.timeout:g} s", "try again in a moment"),))
        try:
            if worker is not None and worker.catalogues >= MAX_CATALOGUES \
                    and worker.digest != catalogue.digest:
                self._retire(worker)
                worker = None
            if worker is None or not worker.process.is_alive():
                self._retire(worker)
                worker = self._new()
            try:
                answer = worker.ask(catalogue, job, deadline)
            except (EOFError, OSError):  # it died (killed, out of memory)
                answer = PlanResult("error", (_problem(
                    "STU005", "internal error: the evaluation's process died",
                    "this is a bug; please report it"),))
                self._retire(worker)
                worker = None
                return answer
            if answer is None:
                self._retire(worker)
                worker = self._new()  # started now: it is ready by the next request
                return PlanResult("timeout", (_problem(
                    "STU004", f"the evaluation took more than {self.timeout:g} s and was "
                    "stopped", "the request is unusually large; try a smaller one"),))
            return answer
        except BaseException:
            self._retire(worker)
            worker = None
            raise
        finally:
            self._idle.put(worker)
