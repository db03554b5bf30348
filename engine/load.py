"""Stage 1: read YAML (or JSON) files into plain data, remembering where every value stood.

PyYAML's safe loader is used with two changes: a mapping with a duplicate key is an error
(PyYAML keeps the last value silently), and every node's position is recorded in a map from
its path (e.g. ``("variants", 2, "paying")``) to its line and column, so that later stages can
point at the exact line of a mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine.errors import Diagnostic, InputError, display_path

PathKey = tuple[str | int, ...]

MAX_FILE_BYTES = 2_000_000


@dataclass
class Document:
    """A loaded file: its data and where each part of it was written."""

    path: Path
    data: Any
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return display_path(self.path)

    def position(self, key: PathKey) -> tuple[int, int]:
        """Line and column of the deepest part of ``key`` that exists in the file."""
        for end in range(len(key), -1, -1):
            found = self.positions.get(tuple(key[:end]))
            if found:
                return found
        return (1, 1)

    def diagnostic(self, key: PathKey, code: str, message: str, hint: str = "") -> Diagnostic:
        line, column = self.position(key)
        return Diagnostic(self.name, line, column, code, message, hint)


# libyaml's loader where PyYAML was built with it (several times faster), else pure Python.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeBase):  # type: ignore[valid-type,misc]
    """Safe loader that rejects duplicate keys and records positions."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.positions: dict[PathKey, tuple[int, int]] = {}
        self.duplicates: list[tuple[str, int, int, int]] = []


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _record(loader: _Loader, node: yaml.Node, path: PathKey) -> None:
    """Walk the composed node tree once, recording positions and duplicate keys."""
    loader.positions.setdefault(path, _mark(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[object, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                line, column = _mark(key_node)
                loader.duplicates.append((str(key), line, column, seen[key]))
                continue
            seen[key] = _mark(key_node)[0]
            loader.positions[(*path, key)] = _mark(key_node)
            _record(loader, value_node, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            loader.positions[(*path, index)] = _mark(item)
            _record(loader, item, (*path, index))


def _read_text(path: Path) -> str:
    name = display_path(path)

    def fail(code: str, message: str, hint: str) -> InputError:
        return InputError([Diagnostic(name, 0, 0, code, message, hint)])

    if not path.exists():
        raise fail("IO001", "file not found", "check the path and try again")
    if path.is_dir():
        raise fail("IO002", "is a directory, not a file", "name a .yaml or .json file")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise fail("IO003", f"cannot be read: {error.strerror}", "check its permissions") from None
    if len(raw) > MAX_FILE_BYTES:
        raise fail(
            "IO004",
            f"is {len(raw):,} bytes; files over {MAX_FILE_BYTES:,} bytes are refused",
            "split it into smaller files",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise fail(
            "IO005",
            f"is not UTF-8 (byte {error.start} cannot be decoded)",
            "save the file as UTF-8",
        ) from None


def load_document(path: Path) -> Document:
    """Read one YAML or JSON file. Raises InputError with file and line on any problem."""
    text = _read_text(path)
    name = display_path(path)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError([Diagnostic(name, 0, 0, "YAML002", "the file is empty",
                                         "write the document, or remove the file")])
        _record(loader, node, ())
        if loader.duplicates:
            raise InputError([
                Diagnostic(name, line, column, "YAML003",
                           f"duplicate key '{key}' (first written on line {first})",
                           "remove one of them: YAML keeps only the last, silently")
                for key, line, column, first in loader.duplicates
            ])
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = error.problem or error.context or "invalid YAML"
        hint = "YAML indents with spaces, never tabs" if "\t" in problem or "tab" in problem \
            else "fix the YAML syntax at this position"
        raise InputError([Diagnostic(name, line, column, "YAML001", problem, hint)]) from None
    except yaml.YAMLError as error:
        raise InputError([Diagnostic(name, 0, 0, "YAML001", str(error),
                                     "fix the YAML syntax")]) from None
    finally:
        loader.dispose()
    return Document(path=path, data=data, positions=loader.positions)
