"""Plan many requests, one JSON line in and one out, on every core.

Input: JSON Lines, one request per line, read once as a stream (a file, a pipe, `-`).
Output, in input order: for each line ``{"request": "file:line", "plan": {...}}`` or, when
the line is not a valid request, ``{"request": "file:line", "error": [diagnostics]}`` — a
bad line never stops the run.

Workers are forked processes (durable-rules serialises evaluations within one), each with one
chunk of lines at a time; only a bounded number of chunks (in lines and in bytes) is in
flight or waiting to be written, so memory stays flat however long the input. A worker that
dies stops the run at once (ENG005, naming the line it was on). Workers ignore Ctrl-C and
die at SIGTERM: the main process stops them either way, and leaves the output as it was. A
main process killed outright (SIGKILL) takes its workers with it (see _serve).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any, BinaryIO

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.locate import load_catalogue
from engine.errors import CollabError, Diagnostic, EngineError, InputError, Verdict
from engine.evaluation.evaluate import plan, prepare
from engine.files import Writer
from engine.processes import can_fork, die_with_parent, parent_gone
from engine.request.lines import collapse, iter_lines, open_lines, parse_line
from engine.signals import stop_requested

CHUNK = 250  # lines per task: large enough to amortise the IPC, small enough to keep order
CHUNK_BYTES = 1_000_000  # and at most about this many bytes of input per task
AHEAD = 4  # chunks planned or waiting to be written, per worker
STOP_SECONDS = 5.0  # how long a worker may take to finish once told to

Line = tuple[str, int, bytes]  # (file, line number, the line as read)
Result = tuple[str, str, tuple[str, ...]]  # (output line, outcome or "invalid", rejection codes)


def plan_line(catalogue: Catalogue, file: str, number: int, raw: bytes) -> Result:
    """One input line planned: the output line, the outcome and the rejection codes."""
    request = parse_line(file, number, raw)
    try:
        result = plan(catalogue, request.parse(catalogue))
    except CollabError as error:
        errors = [d.as_dict() for d in collapse(error.diagnostics)]
        return (json.dumps({"request": request.name, "error": errors}, ensure_ascii=False),
                "invalid", ())
    except Exception as error:  # a bug: reported on its line, and the run goes on
        bug = Diagnostic(file, number, 0, "ENG003", f"internal error: {type(error).__name__}: "
                         f"{str(error)[:200]}", "this is a bug: please report it with this line")
        return (json.dumps({"request": request.name, "error": [bug.as_dict()]}, ensure_ascii=False),
                "internal error", ())
    output = json.dumps({"request": request.name,
                         "plan": result.model_dump(mode="json", by_alias=True)},
                        ensure_ascii=False)
    return output, result.outcome, tuple(r.code for r in result.rejections)


# --------------------------------------------------------------------------- workers


def usable_cores() -> int:
    """The cores this process may run on (its affinity), at least 1."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def bounded_jobs(jobs: int | None) -> tuple[int, str]:
    """``jobs`` capped at the usable cores (default: all of them), and a note when capped."""
    cores = usable_cores()
    if jobs is None:
        return cores, ""
    if jobs > cores:
        return cores, (f"--jobs {jobs} is more than the {cores} core(s) this process may use: "
                       f"using {cores}")
    return jobs, ""


def _serve(connection: Connection, catalogue: Catalogue | None, root: str,
           current: Synchronized[int], parent: int, inherited: list[Connection]) -> None:
    """A worker: plan each chunk received, send back its results, until told to stop.

    Ctrl-C is left to the main process; SIGTERM kills quietly. Whatever happens the worker
    ends with os._exit: never a traceback, and never a flush of buffers it inherited.

    It never outlives the main process (issue 22, item 6): it closes the main process's pipe
    ends it inherited (its own and the other workers'), so that the main one's death is an
    end of file on its pipe; the kernel kills it with its parent where it can
    (PR_SET_PDEATHSIG); and it checks its parent between chunks.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    for other in inherited:
        other.close()
    die_with_parent(parent)
    code = 0
    try:
        if catalogue is None:  # spawned, not forked: load it again
            catalogue = load_catalogue(root)
        while (chunk := connection.recv()) is not None:
            if parent_gone(parent):
                break
            results = []
            for line in chunk:
                current.value = line[1]
                results.append(plan_line(catalogue, *line))
            connection.send(results)
    except EOFError:
        pass  # the main process is gone: nothing to do
    except BaseException:
        code = 70
    os._exit(code)


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection
    current: Synchronized[int]  # the line it is planning
    task: int | None = None  # the chunk it has, by sequence number
    file: str = ""


def _signal_name(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exited with status {exitcode}"


class Workers:
    """``jobs`` worker processes planning chunks of lines, results given back in order."""

    def __init__(self, catalogue: Catalogue, jobs: int) -> None:
        forked = can_fork()  # else spawned workers, which load the catalogue themselves
        context: Any = multiprocessing.get_context("fork" if forked else "spawn")
        if forked:
            prepare(catalogue)  # the workers share the compiled catalogue and its rulesets
        self.workers: list[_Worker] = []
        blocked = {signal.SIGINT, signal.SIGTERM}
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)  # until they set theirs
        try:
            try:
                self._start(context, forked, catalogue, jobs)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # a Ctrl-C meanwhile: now
        except BaseException:
            self.stop()
            raise

    def _start(self, context: Any, forked: bool, catalogue: Catalogue, jobs: int) -> None:
        for _ in range(jobs):
            ours, theirs = context.Pipe()
            current = context.Value("q", 0, lock=False)
            process = context.Process(
                target=_serve, daemon=True,
                args=(theirs, catalogue if forked else None, str(catalogue.root), current,
                      os.getpid(),
                      # a forked child inherits these ends of the main process: it closes them
                      [ours, *(w.connection for w in self.workers)] if forked else []))
            try:
                process.start()
            except OSError as error:  # a limit on processes: go on with those started
                if self.workers:
                    break
                raise EngineError([Diagnostic(
                    "<batch>", 0, 0, "ENG005", f"cannot start a worker process: {error.strerror}",
                    "a limit on processes (ulimit -u) is reached: use --jobs 1")]) from None
            finally:
                theirs.close()
            self.workers.append(_Worker(process, ours, current))

    def stop(self) -> None:
        """End every worker: told to when idle and healthy, killed otherwise."""
        for worker in self.workers:
            if worker.process.is_alive() and worker.task is None:
                try:
                    worker.connection.send(None)
                except OSError:
                    worker.process.kill()
            else:
                worker.process.kill()
        deadline = time.monotonic() + STOP_SECONDS
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()

    def _died(self, worker: _Worker) -> EngineError:
        time.sleep(0.05)  # a SIGTERM or Ctrl-C to the whole group is handled first, if any
        exitcode = worker.process.exitcode
        where = "while planning this line" if worker.task is not None else "between lines"
        return EngineError([Diagnostic(
            worker.file or "<batch>", worker.current.value if worker.task is not None else 0, 0,
            "ENG005", f"a worker process died ({_signal_name(exitcode)}) {where}; the run "
            "is stopped and the output left as it was",
            "SIGKILL is often the out-of-memory killer: try fewer --jobs; otherwise report "
            "this line as a bug")])

    def plan(self, chunks: Iterable[list[Line]]) -> Generator[Result, None, None]:
        """The results of every chunk's lines, in input order."""
        pending: dict[int, list[Result]] = {}
        source = iter(chunks)
        sent = written = 0
        exhausted = False
        while True:
            for worker in self.workers:
                if worker.task is None and not exhausted and sent - written < AHEAD * len(self.workers):
                    chunk = next(source, None)
                    if chunk is None:
                        exhausted = True
                        break
                    worker.task, worker.file = sent, chunk[0][0]
                    worker.current.value = chunk[0][1]
                    try:
                        worker.connection.send(chunk)
                    except OSError:
                        raise self._died(worker) from None
                    sent += 1
            busy = [worker for worker in self.workers if worker.task is not None]
            if not busy and exhausted:
                return
            ready = wait([w.connection for w in busy] + [w.process.sentinel for w in self.workers])
            for worker in busy:
                if worker.connection in ready:
                    try:
                        results = worker.connection.recv()
                    except (EOFError, OSError):
                        raise self._died(worker) from None
                    assert worker.task is not None
                    pending[worker.task] = results
                    worker.task = None
            for worker in self.workers:
                if worker.process.sentinel in ready and not worker.process.is_alive():
                    raise self._died(worker)
            while written in pending:
                yield from pending.pop(written)
                written += 1


def _chunks(lines: Iterable[Line]) -> Iterator[list[Line]]:
    chunk: list[Line] = []
    size = 0
    for line in lines:
        chunk.append(line)
        size += len(line[2])
        if len(chunk) == CHUNK or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def plan_lines(catalogue: Catalogue, lines: Iterable[Line],
               jobs: int = 1) -> Generator[Result, None, None]:
    """The result of every line, in input order, using ``jobs`` processes."""
    if jobs <= 1:
        for line in lines:
            yield plan_line(catalogue, *line)
        return
    workers = Workers(catalogue, jobs)
    try:
        yield from workers.plan(_chunks(lines))
    finally:
        workers.stop()


# --------------------------------------------------------------------------- input


def input_lines(name: str, stream: BinaryIO,
               progress: Callable[[int], None] | None = None) -> Iterator[Line]:
    """The non-blank lines of ``stream`` with their file name and number (see iter_lines).

    ``progress`` is told the bytes read after each line. Lines are decoded one by one by the
    workers, so a line that is not UTF-8 is one error line, not the end of the run.
    """
    try:
        for number, raw, position in iter_lines(stream):
            if progress is not None:
                progress(position)
            yield name, number, raw
    except OSError as error:
        raise InputError([Diagnostic(name, 0, 0, "IO003", f"cannot read: {error.strerror}",
                                     "check the file and the disk")]) from None


class Progress:
    """A progress line on stderr: the share of the file done, or lines and bytes of a stream.

    Redrawn at most ten times a second; it needs no count of the lines beforehand.
    """

    def __init__(self, size: int | None) -> None:
        self.size, self.lines, self.read, self.drawn = size, 0, 0, 0.0
        self.positions: deque[int] = deque()  # bytes read after each line not yet done

    def line_read(self, position: int) -> None:
        self.positions.append(position)

    def line_done(self) -> None:
        self.lines += 1
        self.read = self.positions.popleft() if self.positions else self.read
        now = time.monotonic()
        if now - self.drawn >= 0.1:
            self.drawn = now
            self._draw()

    def _draw(self, end: str = "") -> None:
        done = f"{self.lines:,} lines, {self.read / 1e6:,.1f} MB"
        if self.size:
            share = min(self.read / self.size, 1.0)
            bar = "#" * int(share * 30)
            text = f"planning  [{bar:<30}]  {share:4.0%}  {done}"
        else:
            text = f"planning  {done}"
        sys.stderr.write(f"\r{text}\x1b[K{end}")
        sys.stderr.flush()

    def close(self) -> None:
        self._draw(end="\n")


# --------------------------------------------------------------------------- the run


@dataclass
class Summary:
    outcomes: Counter[str] = field(default_factory=Counter)
    rejections: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    jobs: int = 1
    note: str = ""  # e.g. that --jobs was capped at the cores

    @property
    def verdict(self) -> Verdict:
        if self.outcomes["internal error"]:
            return Verdict.INTERNAL
        return Verdict.NEGATIVE if self.outcomes["invalid"] else Verdict.OK

    def add(self, outcome: str, codes: tuple[str, ...]) -> None:
        self.outcomes[outcome] += 1
        self.rejections.update(codes)

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())



def run_batch(catalogue: Catalogue, input_file: Path, out: Writer, jobs: int | None = None,
              progress: bool = False) -> Summary:
    """`collab batch`: plan every line of ``input_file`` (``-``: stdin) onto ``out``.

    ``jobs`` processes plan (default and at most: one per usable core; see Workers); with
    ``progress``, a line on stderr shows how far the run is. An error or an interruption
    stops the workers and goes on up, so that the caller's output file is left as it was.
    """
    used, note = bounded_jobs(jobs)
    summary = Summary(jobs=used, note=note)
    jobs = used
    started = time.perf_counter()
    with open_lines(input_file) as (name, stream, size):
        shown = Progress(size) if progress else None
        lines = input_lines(name, stream, shown.line_read if shown else None)
        workers = Workers(catalogue, jobs) if jobs > 1 else None
        try:
            results: Generator[Result, None, None] = (
                workers.plan(_chunks(lines)) if workers else plan_lines(catalogue, lines))
            with closing(results):
                for line, outcome, codes in results:
                    if stop_requested():  # a SIGTERM whose KeyboardInterrupt was swallowed
                        raise KeyboardInterrupt
                    out.write(line + "\n")
                    summary.add(outcome, codes)
                    if shown:
                        shown.line_done()
        finally:
            if workers:
                workers.stop()
            if shown:
                shown.close()
    summary.seconds = time.perf_counter() - started
    return summary
