"""Many requests at once: from files, folders, JSON Lines, or the generated corpus.

Used by `collab diff` and `collab batch`. Each request keeps a name a person can find it
by: the file, `file:line` in JSON Lines, or `generated #n`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.documents import Document, load_document
from engine.errors import CollabError, Diagnostic, InputError, RequestError, display_path
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
        elif path.is_file() or str(path) == "-":
            yield path
        else:
            raise InputError([Diagnostic(display_path(path), 0, 0, "IO001",
                                         "no such file or folder",
                                         "name request files, JSON Lines files or folders")])


def parse_line(file: str, number: int, raw: bytes) -> NamedRequest:
    """Line ``number`` of a JSON Lines file as a request, or why it is not one.

    Lines are decoded one by one, so a line that is not UTF-8 is one bad line, not the end
    of the file.
    """
    name = f"{file}:{number}"
    try:
        return NamedRequest(name, json.loads(raw.decode("utf-8")), line=(file, number))
    except UnicodeDecodeError as error:
        problem = Diagnostic(file, number, error.start + 1, "IO005",
                             f"not UTF-8 text ({error.reason})", "write the requests as UTF-8")
    except json.JSONDecodeError as error:
        problem = Diagnostic(file, number, error.colno, "JSON001", f"not JSON: {error.msg}",
                             "write one JSON object per line")
    except RecursionError:
        problem = Diagnostic(file, number, 0, "JSON001", "not JSON this tool reads: nested too "
                             "deeply", "a request nests a few levels; check what wrote the line")
    except ValueError as error:  # e.g. an integer of more than 4,300 digits
        problem = Diagnostic(file, number, 0, "JSON001",
                             f"not JSON this tool reads: {str(error)[:80]}",
                             "check what wrote the line")
    return NamedRequest(name, problems=(problem,))


def read_lines(path: Path) -> Iterator[NamedRequest]:
    """The requests of a JSON Lines file (``-``: standard input), one per non-blank line."""
    import sys

    shown = "<stdin>" if str(path) == "-" else display_path(path)
    try:
        stream = sys.stdin.buffer if str(path) == "-" else path.open("rb")
        with stream:
            for number, line in enumerate(stream, start=1):
                if line.strip():
                    yield parse_line(shown, number, line)
    except OSError as error:
        raise InputError([Diagnostic(shown, 0, 0, "IO003", f"cannot read: {error.strerror}",
                                     "check the path and its permissions")]) from None


def read_requests(paths: Iterable[Path]) -> Iterator[NamedRequest]:
    """Every request in ``paths``: request files, JSON Lines files, folders of either."""
    for path in _files(paths):
        if path.suffix == LINES_SUFFIX or str(path) == "-":
            yield from read_lines(path)
            continue
        try:
            document = load_document(path)
            yield NamedRequest(display_path(path), document.data, document=document)
        except CollabError as error:
            yield NamedRequest(display_path(path), problems=tuple(error.diagnostics))
