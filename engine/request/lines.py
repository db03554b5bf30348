"""Many requests at once: from files, folders, JSON Lines, or the generated corpus.

Used by `collab diff` and `collab batch`. Each request keeps a name a person can find it
by: the file, `file:line` in JSON Lines, or `generated #n`.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.documents import Document, load_document
from engine.errors import CollabError, Diagnostic, InputError, RequestError, display_path
from engine.files import open_checked
from engine.request.model import Request
from engine.request.parse import parse_request, request_from_document

REQUEST_SUFFIXES = (".yaml", ".yml", ".json")
LINES_SUFFIX = ".jsonl"


@dataclass(frozen=True)
class NamedRequest:
    name: str
    data: Any = None  # the request as data; None when it could not be read
    problems: tuple[Diagnostic, ...] = ()  # why it could not be read
    document: Document | None = None  # for a request file: its line numbers
    line: tuple[str, int] | None = None  # for a JSON Lines request: (file, line number)

    def parse(self, catalogue: Catalogue) -> Request:
        """The request checked against ``catalogue``; raises RequestError."""
        if self.problems:
            raise RequestError(list(self.problems))
        if self.document is not None:
            return request_from_document(self.document, catalogue)
        try:
            return parse_request(self.data, catalogue, self.name)
        except RequestError as error:
            if self.line is None:
                raise
            file, number = self.line  # no positions inside a line: point at the line
            raise RequestError([replace(d, file=file, line=number, column=0)
                                for d in error.diagnostics]) from None


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file()
                              and p.suffix in (*REQUEST_SUFFIXES, LINES_SUFFIX))
        elif str(path) == "-" or path.exists():
            yield path  # a file, or a pipe such as <(...): read_lines and load_document check
        else:
            raise InputError([Diagnostic(display_path(path), 0, 0, "IO001",
                                         "no such file or folder",
                                         "name request files, JSON Lines files or folders")])


MAX_LINE_BYTES = 1_000_000  # a request is a few kilobytes
MAX_LINE_DEPTH = 50  # objects and lists nested in one another, as for YAML files
MAX_LIST_ITEMS = 1_000  # items in one list (subscriptions, addons, used services...)
_BOM = b"\xef\xbb\xbf"
_SKIP = 1 << 16  # bytes read at a time while skipping the rest of a line over the limit


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; a key written twice is an error (json keeps the last, silently)."""
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return data


def _within_limits(raw: bytes) -> bool:
    """Whether the text alone shows a line within the nesting and list limits: a list over
    MAX_LIST_ITEMS needs as many commas, nesting past MAX_LINE_DEPTH more opening brackets
    (brackets and commas inside strings only make the counts larger). A request has a few
    dozen of each, so the walk of over_limits is rarely needed."""
    return raw.count(b",") < MAX_LIST_ITEMS and \
        raw.count(b"[") + raw.count(b"{") <= MAX_LINE_DEPTH


def over_limits(data: Any) -> str | None:
    """What in ``data`` is over a per-line limit (nesting, list length), or None."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Iterable[Any] = value.values()
        elif isinstance(value, list):
            if len(value) > MAX_LIST_ITEMS:
                return (f"a list of {len(value):,} items; lists of more than "
                        f"{MAX_LIST_ITEMS:,} items are refused")
            children = value
        else:
            continue
        if depth > MAX_LINE_DEPTH:
            return f"values are nested more than {MAX_LINE_DEPTH} levels deep"
        stack.extend((child, depth + 1) for child in children)
    return None


def iter_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes, int]]:
    """(line number, line, bytes read so far) for every non-blank line of ``stream``.

    Read one line at a time and never more than MAX_LINE_BYTES + 1 bytes of one: a longer
    line comes cut there (parse_line refuses it) and the rest of it is skipped unread, so
    memory stays flat whatever the input (a 71 MB line, `/dev/zero` through a pipe). A BOM
    at the start of line 1 is dropped.
    """
    number = position = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        position += len(raw)
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while True:
                rest = stream.readline(_SKIP)
                position += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM):]
        if raw.strip():
            yield number, raw, position


def parse_line(file: str, number: int, raw: bytes) -> NamedRequest:
    """Line ``number`` of a JSON Lines file as a request, or why it is not one.

    Lines are decoded one by one, so a line that is not UTF-8 is one bad line, not the end
    of the file. A line over a limit (MAX_LINE_BYTES, MAX_LINE_DEPTH, MAX_LIST_ITEMS) or with
    a key written twice is refused with its own code.
    """
    name = f"{file}:{number}"
    if len(raw.rstrip(b"\r\n")) > MAX_LINE_BYTES:
        problem = Diagnostic(file, number, 0, "JSON003", f"the line is over {MAX_LINE_BYTES:,} "
                             "bytes; longer lines are refused unread",
                             "a request is a few kilobytes: check what wrote the line")
        return NamedRequest(name, problems=(problem,))
    try:
        data = json.loads(raw.decode("utf-8"), object_pairs_hook=_object)
    except UnicodeDecodeError as error:
        problem = Diagnostic(file, number, error.start + 1, "IO005",
                             f"not UTF-8 text ({error.reason})", "write the requests as UTF-8")
    except _DuplicateKeyError as error:
        problem = Diagnostic(file, number, 0, "JSON002", f"duplicate key '{error.key[:80]}'",
                             "remove one of them: JSON keeps only the last, silently")
    except json.JSONDecodeError as error:
        problem = Diagnostic(file, number, error.colno, "JSON001", f"not JSON: {error.msg}",
                             "write one JSON object per line")
    except RecursionError:
        problem = Diagnostic(file, number, 0, "JSON003", f"values are nested more than "
                             f"{MAX_LINE_DEPTH} levels deep",
                             "a request nests a few levels; check what wrote the line")
    except ValueError as error:  # e.g. an integer of more than 4,300 digits
        problem = Diagnostic(file, number, 0, "JSON001",
                             f"not JSON this tool reads: {str(error)[:80]}",
                             "check what wrote the line")
    else:
        over = None if _within_limits(raw) else over_limits(data)
        if over is None:
            return NamedRequest(name, data, line=(file, number))
        problem = Diagnostic(file, number, 0, "JSON003", over,
                             "a request nests a few levels and lists a few items; check what "
                             "wrote the line")
    return NamedRequest(name, problems=(problem,))


def collapse(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics with the same code, message and hint written once, with their count."""
    counts: dict[tuple[str, str, str], int] = {}
    first: dict[tuple[str, str, str], Diagnostic] = {}
    for diagnostic in diagnostics:
        key = (diagnostic.code, diagnostic.message, diagnostic.hint)
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, diagnostic)
    return [replace(d, message=f"{d.message} ({counts[key]:,} times)") if counts[key] > 1 else d
            for key, d in first.items()]


@contextmanager
def open_lines(path: Path) -> Iterator[tuple[str, BinaryIO, int | None]]:
    """(name, stream, size) of a JSON Lines input; size is None for a pipe or standard input.

    A regular file, a pipe (`-`, `<(...)`, a FIFO) or a terminal are read; a directory or a
    device (`/dev/zero`) is refused before a byte is read.
    """
    if str(path) == "-":
        if sys.stdin is None:  # started with `<&-`
            raise InputError([Diagnostic("<stdin>", 0, 0, "IO003", "cannot read: standard input "
                                         "is closed", "pipe the lines in, or name the file")])
        yield "<stdin>", sys.stdin.buffer, None
        return
    name = display_path(path)
    with open_checked(path, name, streams=True) as stream:
        status = os.fstat(stream.fileno())
        if stat.S_ISCHR(status.st_mode) and not stream.isatty():
            raise InputError([Diagnostic(name, 0, 0, "IO007", "is a device, not a regular file",
                                         "name a JSON Lines file, or pipe the lines in with -")])
        yield name, stream, status.st_size if stat.S_ISREG(status.st_mode) else None


def read_lines(path: Path) -> Iterator[NamedRequest]:
    """The requests of a JSON Lines file (``-``: standard input), one per non-blank line."""
    with open_lines(path) as (name, stream, _):
        try:
            for number, line, _ in iter_lines(stream):
                yield parse_line(name, number, line)
        except OSError as error:
            raise InputError([Diagnostic(name, 0, 0, "IO003", f"cannot read: {error.strerror}",
                                         "check the file and the disk")]) from None


def read_requests(paths: Iterable[Path]) -> Iterator[NamedRequest]:
    """Every request in ``paths``: request files, JSON Lines files, folders of either."""
    for path in _files(paths):
        if path.suffix == LINES_SUFFIX or str(path) == "-":
            yield from read_lines(path)
            continue
        try:
            document = load_document(path, streams=True)
            yield NamedRequest(display_path(path), document.data, document=document)
        except CollabError as error:
            yield NamedRequest(display_path(path), problems=tuple(error.diagnostics))
