"""Stage 1: read YAML (or JSON) files into plain data, remembering where every value stood.

PyYAML's safe loader is used with two changes: a mapping with a duplicate key is an error
(PyYAML keeps the last value silently), and every node's position is recorded in a map from
its path (e.g. ``("variants", 2, "paying")``) to its line and column, so that later stages can
point at the exact line of a mistake.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from engine.catalogue.syntax import explain
from engine.errors import Diagnostic, InputError, display_path
from engine.files import read_bounded

PathKey = tuple[str | int, ...]

MAX_FILE_BYTES = 2_000_000
MAX_VALUES = 100_000  # values in one file once aliases are expanded ("billion laughs")
MAX_DEPTH = 50  # mappings and lists nested in one another
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_MERGE = "tag:yaml.org,2002:merge"
_OCTAL = re.compile(r"^[-+]?0[0-7_]+$")
_BASE_60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_HEX_OR_BINARY = re.compile(r"^[-+]?0[xb][0-9a-fA-F_]+$")


@dataclass
class Document:
    """A loaded file: its data and where each part of it was written."""

    path: Path
    data: Any
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    digest: str = ""  # sha256 of the text that was parsed (the catalogue's identity is built on it)

    @cached_property
    def name(self) -> str:  # cached: resolving the path is the slow part of many diagnostics
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
        self.visited = 0  # nodes walked by _build, aliases counted each time
        self.ancestors: set[int] = set()  # the nodes _build is inside of (an alias loop test)
        self.constructing: yaml.Node | None = None  # the node being built, for its position

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        self.constructing = node
        return super().construct_object(node, deep)


def _construct(loader: _Loader, node: yaml.Node, document: bool = False) -> Any:
    """Build the value of ``node``; a value PyYAML cannot build is refused at its line.

    PyYAML's constructor fails with plain Python errors on malformed values (a date
    2001-13-45, `!!int abc`, `!!bool maybe`, an integer of 5,000 digits).
    """
    try:
        return loader.construct_document(node) if document else loader.construct_object(node)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as error:
        failed = loader.constructing or node
        text = failed.value if isinstance(failed, yaml.ScalarNode) else ""
        shown = text if len(text) <= 40 else text[:40] + "..."
        reason = str(error) if len(str(error)) <= 80 else str(error)[:80] + "..."
        raise _RefusedError(failed, f"YAML cannot read the value {shown!r} ({reason})",
                            "quote it if it is text; write plain values, without tags like !!int"
                            ) from None


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _RefusedError(Exception):
    """A value refused before anything is built from it, at its node."""

    def __init__(self, node: yaml.Node, message: str, hint: str, code: str = "YAML001") -> None:
        super().__init__(message)
        self.node, self.message, self.hint, self.code = node, message, hint, code


_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


def _build(loader: _Loader, node: yaml.Node, path: PathKey) -> Any:
    """The value of the composed node tree, built in one walk that also records positions and
    duplicate keys (PyYAML's own constructor would walk it a second time: at 100x the shipped
    catalogue the two walks took more time than parsing).

    Plain text, numbers, booleans, nulls, mappings and lists are built here as PyYAML's safe
    constructor builds them; any other tag goes to that constructor. An alias makes the same
    node appear again (built again: a copy), so the walk also bounds what aliases expand to: a
    node inside itself, more than MAX_VALUES values or MAX_DEPTH levels are refused before
    anything is built from them.
    """
    loader.visited += 1
    if loader.visited > MAX_VALUES:
        raise _RefusedError(node, f"the file holds more than {MAX_VALUES:,} values once its "
                            "aliases are expanded",
                            "write the values out, or use fewer nested aliases", "YAML004")
    if len(path) > MAX_DEPTH:
        raise _RefusedError(node, f"values are nested more than {MAX_DEPTH} levels deep",
                            "flatten the structure", "YAML004")
    if id(node) in loader.ancestors:
        raise _RefusedError(node, "an alias refers to a value that contains it (a loop)",
                            "an alias (*name) may only repeat a value defined before and "
                            "outside it", "YAML004")
    loader.positions.setdefault(path, _mark(node))
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        if tag == _STR:
            return node.value
        value = _refuse_surprising_number(loader, node)
        if value is not _UNBUILT:
            return value
        if tag == _BOOL and node.value.lower() in loader.bool_values:
            return loader.bool_values[node.value.lower()]
        if tag == _NULL:
            return None
        return _construct(loader, node)
    if isinstance(node, yaml.MappingNode):
        loader.ancestors.add(id(node))
        built: dict[Any, Any] = {}
        seen: dict[object, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _RefusedError(key_node, "a key must be a plain value, not a list or "
                                    "mapping", "write the key as text, e.g. `name:`")
            if key_node.tag == _MERGE:
                raise _RefusedError(key_node, "`<<:` is a YAML merge key (it copies the fields "
                                    "of another mapping in), which catalogue files do not use",
                                    "write the fields out here; an alias (*name) may still "
                                    "repeat a single value", "YAML005")
            # compared as YAML reads them: `yes:` and `true:`, `1:` and `0x1:` are one key
            key = key_node.value if key_node.tag == _STR else _construct(loader, key_node)
            if not isinstance(key, Hashable):  # a tag made a list, set or mapping of it
                raise _RefusedError(key_node, "a key must be a plain value, not a list or "
                                    "mapping", "write the key as text, e.g. `name:`")
            if key in seen:
                line, column = _mark(key_node)
                loader.duplicates.append((key_node.value, line, column, seen[key]))
                continue
            mark = _mark(key_node)
            seen[key] = mark[0]
            step = key if isinstance(key, str | int) else str(key)  # e.g. a date as a key
            loader.positions[(*path, step)] = mark
            built[key] = _build(loader, value_node, (*path, step))
        loader.ancestors.discard(id(node))
        return built if tag == _MAP else _construct(loader, node, document=True)  # !!set, !!omap
    if isinstance(node, yaml.SequenceNode):
        loader.ancestors.add(id(node))
        items = []
        for index, item in enumerate(node.value):
            loader.positions[(*path, index)] = _mark(item)
            items.append(_build(loader, item, (*path, index)))
        loader.ancestors.discard(id(node))
        return items if tag == _SEQ else _construct(loader, node, document=True)  # !!pairs
    return _construct(loader, node)


_UNBUILT = object()


def _refuse_surprising_number(loader: _Loader, node: yaml.ScalarNode) -> Any:
    """A plain number YAML 1.1 reads otherwise than most people do: 012 (octal: 10), 1:30
    (base 60: 90), 0x1F (hexadecimal: 31). Refused, saying what YAML made of it; else the
    number's value (_UNBUILT for what is not a plain number)."""
    if node.tag not in (_INT, _FLOAT):
        return _UNBUILT
    text = node.value
    if node.tag == _INT and text.isascii() and text.isdigit() and len(text) < 19 and (
            text[0] != "0" or text == "0"):
        return int(text)  # the common case, as PyYAML reads it
    value = _construct(loader, node)
    if node.style:  # quoted with a tag (!!int "12"): not a number someone misread
        return value
    if node.tag == _INT and _OCTAL.match(text) and text.strip("+-0_"):
        said = f"as the octal (base 8) number {value}"
        hint = f"write {int(text.replace('_', ''), 10)} if you mean that number"
    elif _BASE_60.match(text):
        said = f"as the base-60 number {value} (each ':' counts what precedes it 60 times, as in a time)"
        hint = "write the number you mean"
    elif node.tag == _INT and _HEX_OR_BINARY.match(text):
        said = f"as the {'hexadecimal' if 'x' in text.lower() else 'binary'} number {value}"
        hint = "write the number in decimal"
    else:
        return value
    raise _RefusedError(node, f"YAML reads {text} {said}",
                        f"{hint}; put it in quotes (\"{text}\") if it is text", "YAML006")


def _read_text(path: Path, name: str, streams: bool) -> str:
    """The file's text: opened, checked (a file, its size) and only then read, bounded."""
    raw = read_bounded(path, name, MAX_FILE_BYTES, streams=streams)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise InputError([Diagnostic(name, line, column, "IO005",
                                     f"is not UTF-8 (byte 0x{raw[error.start]:02X} cannot be "
                                     "decoded)", "save the file as UTF-8")]) from None


def _syntax_error(name: str, text: str, error: yaml.MarkedYAMLError) -> Diagnostic:
    """The parser's complaint, in the writer's words where the mistake is recognised."""
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    problem = error.problem or error.context or "invalid YAML"
    if "\t" in problem or "tab" in problem:
        return Diagnostic(name, line, column, "YAML001",
                          "a tab character: YAML indents with spaces only",
                          "replace the tabs at the start of the line with spaces")
    if "constructor for the tag" in problem:
        return Diagnostic(name, line, column, "YAML001", problem,
                          "tags (!!python/..., !custom) are not allowed: write plain values")
    explained = explain(text, line, problem) if line else None
    if explained:
        return Diagnostic(name, explained.line, explained.column or column, "YAML001",
                          explained.message, explained.hint)
    return Diagnostic(name, line, column, "YAML001", problem,
                      "fix the YAML syntax here: check this line's indentation and that of "
                      "the line above it, and that brackets and quotes are closed")


def load_document(path: Path, *, streams: bool = False) -> Document:
    """Read one YAML or JSON file. Raises InputError with file and line on any problem.

    With ``streams`` (a request) a pipe or `/dev/stdin` is read too; a catalogue file must be
    a regular file (IO007), so a FIFO or a link to a device in `services/` cannot hang or
    flood the load.
    """
    name = display_path(path)
    text = _read_text(path, name, streams)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError([Diagnostic(name, 0, 0, "YAML002", "the file is empty",
                                         "write the document, or remove the file")])
        data = _build(loader, node, ())
        if loader.duplicates:
            raise InputError([
                Diagnostic(name, line, column, "YAML003",
                           f"duplicate key '{key}' (first written on line {first})",
                           "remove one of them: YAML keeps only the last, silently")
                for key, line, column, first in loader.duplicates
            ])
    except _RefusedError as error:
        line, column = _mark(error.node)
        raise InputError([Diagnostic(name, line, column, error.code, error.message,
                                     error.hint)]) from None
    except yaml.MarkedYAMLError as error:
        raise InputError([_syntax_error(name, text, error)]) from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        character = error.character if isinstance(error.character, str) else chr(error.character)
        raise InputError([Diagnostic(name, line, column, "YAML001",
                                     f"the character U+{ord(character):04X} is not allowed in YAML",
                                     "remove it: control characters cannot appear in the file")]
                         ) from None
    except yaml.YAMLError as error:
        problem = " ".join(str(error).split())
        raise InputError([Diagnostic(name, 0, 0, "YAML001", problem,
                                     "fix the YAML syntax")]) from None
    finally:
        loader.dispose()
    document = Document(path=path, data=data, positions=loader.positions,
                        digest=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
    document.__dict__["name"] = name  # the cached_property, already known
    return document
