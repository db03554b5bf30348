"""Plan many requests, one JSON line in and one out, on every core.

Input: JSON Lines, one request per line. Output, in input order: for each line
``{"request": "file:line", "plan": {...}}`` or, when the line is not a valid request,
``{"request": "file:line", "error": [diagnostics]}`` — a bad line never stops the run.
Workers are processes (durable-rules serialises evaluations within one), each loading the
catalogue once; lines travel to them in chunks, and only a bounded number of chunks is in
flight, so memory stays flat however long the input.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import sys
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import TextIO

import click

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.locate import load_catalogue
from engine.errors import CollabError, Diagnostic, InputError, Verdict, display_path
from engine.evaluation.evaluate import plan
from engine.request.lines import parse_line

CHUNK = 250  # lines per task: large enough to amortise the IPC, small enough to keep order
IN_FLIGHT = 4  # chunks queued per worker

Line = tuple[str, int, bytes]  # (file, line number, the line as read)
Result = tuple[str, str, tuple[str, ...]]  # (output line, outcome or "invalid", rejection codes)

_catalogue: Catalogue | None = None


def plan_line(catalogue: Catalogue, file: str, number: int, raw: bytes) -> Result:
    """One input line planned: the output line, the outcome and the rejection codes."""
    request = parse_line(file, number, raw)
    try:
        result = plan(catalogue, request.parse(catalogue))
    except CollabError as error:
        errors = [d.as_dict() for d in error.diagnostics]
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


def _start_worker(root: str) -> None:
    global _catalogue
    _catalogue = load_catalogue(root)


def _plan_chunk(lines: list[Line]) -> list[Result]:
    assert _catalogue is not None
    return [plan_line(_catalogue, *line) for line in lines]


def _chunks(lines: Iterable[Line], size: int) -> Iterator[list[Line]]:
    chunk: list[Line] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def plan_lines(catalogue: Catalogue, lines: Iterable[Line], jobs: int = 1) -> Iterator[Result]:
    """The result of every line, in input order, using ``jobs`` processes."""
    if jobs <= 1:
        for line in lines:
            yield plan_line(catalogue, *line)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with context.Pool(jobs, initializer=_start_worker, initargs=(str(catalogue.root),)) as pool:
        window: deque[AsyncResult[list[Result]]] = deque()
        for chunk in _chunks(lines, CHUNK):
            window.append(pool.apply_async(_plan_chunk, (chunk,)))
            if len(window) >= jobs * IN_FLIGHT:
                yield from window.popleft().get()
        while window:
            yield from window.popleft().get()


def input_lines(name: str, stream: Iterable[bytes]) -> Iterator[Line]:
    """The non-blank lines of ``stream`` (a binary file) with their file name and number.

    Lines are decoded one by one by the workers, so a line that is not UTF-8 is one error
    line, not the end of the run.
    """
    for number, raw in enumerate(stream, start=1):
        if raw.strip():
            yield name, number, raw


@dataclass
class Summary:
    outcomes: Counter[str] = field(default_factory=Counter)
    rejections: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    jobs: int = 1

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

    def text(self) -> str:
        seconds, jobs = self.seconds, self.jobs
        rate = self.total / seconds if seconds else 0.0
        by_outcome = ", ".join(f"{outcome} {count}" for outcome, count in sorted(self.outcomes.items()))
        lines = [f"{self.total} request(s) in {seconds:.1f} s ({rate:,.0f} per second, "
                 f"{jobs} job(s)): {by_outcome or 'none'}"]
        if self.rejections:
            lines.append("rejections by code: " + ", ".join(
                f"{code} {count}" for code, count in
                sorted(self.rejections.items(), key=lambda item: (-item[1], item[0]))))
        return "\n".join(lines)


def run_batch(catalogue: Catalogue, input_file: Path, out: TextIO, jobs: int,
              progress: bool = False) -> Summary:
    """`collab batch`: plan every line of ``input_file`` (``-``: stdin) onto ``out``.

    With ``progress``, a bar on stderr shows how far the run is."""
    from_stdin = str(input_file) == "-"
    name = "<stdin>" if from_stdin else display_path(input_file)
    try:
        source = sys.stdin.buffer if from_stdin else input_file.open("rb")
        total = None
        if progress and not from_stdin:  # the bar's length: one quick pass over the file
            with input_file.open("rb") as counted:
                total = sum(1 for raw in counted if raw.strip())
    except OSError as error:
        raise InputError([Diagnostic(name, 0, 0, "IO001" if isinstance(error, FileNotFoundError)
                                     else "IO003", f"cannot read: {error.strerror}",
                                     "check the path and its permissions")]) from None
    summary = Summary(jobs=jobs)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        stack.enter_context(source)
        results = plan_lines(catalogue, input_lines(name, source), jobs)
        if progress:
            results = stack.enter_context(click.progressbar(
                results, length=total, label="planning", file=sys.stderr))
        for line, outcome, codes in results:
            out.write(line + "\n")
            summary.add(outcome, codes)
    summary.seconds = time.perf_counter() - started
    return summary
