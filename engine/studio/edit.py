"""Editing the catalogue from the studio: a change is proposed, checked, shown, then saved.

A change names one catalogue file (services/ or rules/), the digest of the text the page read,
and either edits at YAML paths (set, delete, insert, move: what the forms send) or the file's
whole new text. It is applied with ruamel.yaml's round trip, so comments, key order, quoting
and the layout of untouched parts stay as they were (every shipped file reads and writes back
byte-identical; a one-field edit changes that line only). Before anything is written the
edited catalogue is validated in a scratch copy and its impact measured on every example and
generated request; a save that would make the catalogue invalid is refused with the
diagnostics, and a file changed on disk since the page read it is never overwritten: the
proposal carries both texts instead.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import ScalarString

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.documents import MAX_FILE_BYTES
from engine.catalogue.types import Model
from engine.errors import CollabError, Diagnostic, InputError, Severity
from engine.files import read_bounded, write_atomic
from engine.request.lines import NamedRequest
from engine.tools.diff import DiffReport, compare
from engine.tools.validate import validate_catalogue

EDITABLE_FOLDERS = ("services", "rules")  # what the studio writes; never anything else
DEPENDENTS = ("examples", "tests/scenarios")  # validated with the edited catalogue

PathPart = str | int


class EditOp(Model):
    """One edit at a YAML path of a file, as a form sends it."""

    op: Literal["set", "delete", "insert", "move"] = Field(
        description="set: a value at the path (a key is added where missing); delete: the key or "
        "item at the path; insert: a new list item at the path's last index; move: the list item "
        "at the path to index `to` (reordering rules).")
    path: list[PathPart] = Field(min_length=1, max_length=32,
                                 description="Keys and list indexes from the file's top.",
                                 examples=[["variants", 0, "paying"]])
    value: Any = Field(None, description="The new value (set, insert): JSON-like data.")
    to: int | None = Field(None, ge=0, description="move: the item's new index.")


class Change(Model):
    """A change of one catalogue file, proposed by the studio's page."""

    file: str = Field(description="The file, relative to the catalogue folder.",
                      examples=["services/scanner.yaml"])
    base: str | None = Field(description="The sha256 of the text the page read; null for a new file.")
    edits: list[EditOp] = Field([], max_length=200)
    text: str | None = Field(None, max_length=MAX_FILE_BYTES,
                             description="Or: the file's whole new text (the source view).")

    @model_validator(mode="after")
    def _one_kind(self) -> Change:
        if bool(self.edits) == (self.text is not None):
            raise ValueError("give either `edits` or the whole `text`")
        return self


@dataclass
class Proposal:
    """What a change would do: the file before and after, the catalogue's diagnostics, the
    plans it changes; ``conflict`` holds the text on disk when it moved since the page read it."""

    file: str
    before: str
    after: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    impact: DiffReport | None = None
    conflict: str | None = None
    saved: bool = False

    @property
    def valid(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def savable(self) -> bool:
        return self.valid and self.conflict is None and self.before != self.after

    @property
    def digest(self) -> str:
        """The digest of the text the page holds after this proposal (saved or not)."""
        return digest(self.after)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _yaml() -> YAML:
    """The round-trip reader and writer, set to the catalogue's own layout: two spaces a level,
    list items indented two under their key, long lines left as written."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def catalogue_file(root: Path, relative: str) -> Path:
    """The file ``relative`` names, which must stay, links resolved, inside one of the
    catalogue's editable folders and be a YAML file: nothing else on the machine is written."""
    shown = relative
    parts = Path(relative).parts
    if (Path(relative).is_absolute() or ".." in parts or len(parts) < 2
            or parts[0] not in EDITABLE_FOLDERS or Path(relative).suffix != ".yaml"):
        raise InputError([Diagnostic(shown, 0, 0, "STU020",
                                     "the studio edits only .yaml files under services/ and rules/",
                                     "name a catalogue file such as services/scanner.yaml")])
    path = root / relative
    folder = (root / parts[0]).resolve()
    if not path.resolve().is_relative_to(folder) or (root / parts[0]).is_symlink():
        raise InputError([Diagnostic(shown, 0, 0, "STU020",
                                     "the file leaves the catalogue once its links are followed",
                                     "edit files that lie in the catalogue's own folders")])
    return path


def read_text(path: Path, shown: str) -> str:
    return read_bounded(path, shown, MAX_FILE_BYTES).decode("utf-8")


def round_trips(text: str) -> bool:
    """Whether the file writes back byte-identical when nothing is changed: only then can an
    edit be sure to change what it changes and nothing else."""
    try:
        return dump(_yaml().load(text)) == text
    except YAMLError:
        return False


def dump(data: Any) -> str:
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def apply(text: str, edits: Iterable[EditOp], shown: str) -> str:
    """``text`` with ``edits`` applied through the round trip."""
    if not round_trips(text):
        raise InputError([Diagnostic(shown, 0, 0, "STU021",
                                     "this file's layout would not survive a form's edit",
                                     "edit its text in the source view, or in your editor")])
    data = _yaml().load(text)
    for number, edit in enumerate(edits, start=1):
        try:
            _apply_one(data, edit)
        except (KeyError, IndexError, TypeError) as error:
            where = "/".join(str(p) for p in edit.path)
            raise InputError([Diagnostic(shown, 0, 0, "STU022",
                                         f"edit {number} ({edit.op} {where}) does not fit the file: "
                                         f"{error.__class__.__name__} {error}",
                                         "reload the page: the file may have changed")]) from None
    return dump(data)


def _container(data: Any, path: list[PathPart]) -> Any:
    node = data
    for part in path:
        node = node[part]
    return node


def _apply_one(data: Any, edit: EditOp) -> None:
    *parent_path, last = edit.path
    parent = _container(data, parent_path)
    value = _commented(edit.value)
    if edit.op == "set":
        if isinstance(parent, CommentedSeq) and not isinstance(last, int):
            raise TypeError("a list is indexed by a number")
        present = isinstance(parent, CommentedSeq) or last in parent
        parent[last] = _like(parent[last], value) if present else value
    elif edit.op == "delete":
        del parent[last]
    elif edit.op == "insert":
        if not isinstance(parent, CommentedSeq) or not isinstance(last, int):
            raise TypeError("insert goes into a list, at an index")
        parent.insert(min(last, len(parent)), value)
    else:  # move
        if not isinstance(parent, CommentedSeq) or not isinstance(last, int) or edit.to is None:
            raise TypeError("move takes a list item and `to`")
        item = parent.pop(last)
        parent.insert(min(edit.to, len(parent)), item)


def _like(old: Any, new: Any) -> Any:
    """``new`` written the way the value it replaces was: a flow list stays `[3, 12]`, a
    quoted string keeps its quotes, a folded text stays folded."""
    if isinstance(old, (CommentedSeq, CommentedMap)) and isinstance(new, (CommentedSeq, CommentedMap)):
        if old.fa.flow_style():
            new.fa.set_flow_style()
    elif isinstance(old, ScalarString) and isinstance(new, str):
        return type(old)(new)
    return new


def _commented(value: Any) -> Any:
    """JSON-like data as ruamel's nodes, so that a new mapping or list is written in block
    style like its neighbours."""
    if isinstance(value, dict):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[key] = _commented(item)
        return mapping
    if isinstance(value, list):
        return CommentedSeq(_commented(item) for item in value)
    return value


def propose(root: Path, change: Change, requests: Iterable[NamedRequest] = (),
            old: Catalogue | None = None) -> Proposal:
    """What ``change`` would do, written nowhere but a scratch copy of the catalogue."""
    path = catalogue_file(root, change.file)
    on_disk = read_text(path, change.file) if path.exists() else None
    if change.base is None and on_disk is not None:
        conflict: str | None = on_disk  # "new file", but one is there now
    elif change.base is not None and (on_disk is None or digest(on_disk) != change.base):
        conflict = on_disk if on_disk is not None else ""
    else:
        conflict = None
    before = on_disk or ""
    after = change.text if change.text is not None else apply(before, change.edits, change.file)
    proposal = Proposal(change.file, before, after, conflict=conflict)
    with tempfile.TemporaryDirectory(prefix="collab-edit-") as scratch:
        copy = Path(scratch)
        for folder in (*EDITABLE_FOLDERS, *DEPENDENTS):  # links are copied as links
            if (root / folder).is_dir() and not (root / folder).is_symlink():
                shutil.copytree(root / folder, copy / folder, symlinks=True)
        (copy / change.file).parent.mkdir(parents=True, exist_ok=True)
        (copy / change.file).write_text(after, encoding="utf-8")
        catalogue, proposal.diagnostics = validate_catalogue(copy, analysis=True)
        proposal.diagnostics = [_in_place(d, copy, root) for d in proposal.diagnostics]
        if catalogue is not None and proposal.valid and old is not None:
            proposal.impact = compare(old, catalogue, requests, "saved", "edited")
    return proposal


def _in_place(diagnostic: Diagnostic, copy: Path, root: Path) -> Diagnostic:
    """A diagnostic of the scratch copy, naming the file as the catalogue has it."""
    name = diagnostic.file
    for prefix in (str(copy) + "/", str(copy.resolve()) + "/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return Diagnostic(name, diagnostic.line, diagnostic.column, diagnostic.code,
                      diagnostic.message, diagnostic.hint, diagnostic.severity)


def save(root: Path, change: Change, requests: Iterable[NamedRequest] = (),
         old: Catalogue | None = None) -> Proposal:
    """Write ``change`` when it leaves the catalogue valid and the file is as the page read it;
    otherwise write nothing and say why (diagnostics, or the text now on disk)."""
    proposal = propose(root, change, requests, old)
    if proposal.savable:
        write_atomic(catalogue_file(root, change.file), proposal.after)
        proposal.saved = True
    return proposal


def refused(proposal: Proposal) -> CollabError | None:
    """Why a save was refused, as the studio shows it; None when it was saved or unchanged."""
    if proposal.saved or proposal.before == proposal.after:
        return None
    if proposal.conflict is not None:
        return InputError([Diagnostic(proposal.file, 0, 0, "STU023",
                                      "the file changed on disk since the page read it",
                                      "both versions are shown: merge them, then save again")])
    return InputError([d for d in proposal.diagnostics if d.severity is Severity.ERROR])
