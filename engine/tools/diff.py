"""Impact of a catalogue change: which requests get a different plan, grouped by the change.

Each request is planned with the old and the new catalogue, and the two plans compared on
what a person acts on: outcome, scenario, defaults, steps, warnings and rejection codes. A
request the one catalogue accepts and the other finds invalid (say, a removed variant) is a
change too. The old catalogue may be a folder or a git revision of the new one's folder.
"""

from __future__ import annotations

import io
import itertools
import subprocess
import tarfile
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.locate import load_catalogue
from engine.errors import CollabError, Diagnostic, InputError, Verdict, display_path
from engine.evaluation.evaluate import plan
from engine.plan.model import Plan
from engine.request.lines import NamedRequest, read_requests
from engine.tools.analyse import summarise
from engine.tools.generate import corpus


@dataclass(frozen=True)
class RequestChange:
    name: str
    changes: tuple[str, ...]  # one line per change, e.g. "outcome: ready -> rejected"
    old: Plan | None
    new: Plan | None
    request: Any = None  # the request as data (what a case accepted from the diff holds)


@dataclass
class DiffReport:
    old_name: str
    new_name: str
    compared: int = 0
    changed: list[RequestChange] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)  # invalid under both

    @property
    def verdict(self) -> Verdict:
        return Verdict.NEGATIVE if self.changed else Verdict.OK

    @property
    def newly_valid(self) -> list[RequestChange]:
        """Requests the old catalogue found invalid (say, a variant it did not have): counted
        apart, since listing each of them is noise."""
        return [change for change in self.changed if change.old is None]

    @property
    def groups(self) -> dict[tuple[str, ...], list[str]]:
        """Requests whose plans change in exactly the same way, each way once with the
        requests it concerns, most frequent first; newly valid requests are left out."""
        grouped: dict[tuple[str, ...], list[str]] = {}
        for change in self.changed:
            if change.old is not None:
                grouped.setdefault(change.changes, []).append(change.name)
        return dict(sorted(grouped.items(), key=lambda item: (-len(item[1]), item[0])))


def _steps(plan: Plan) -> list[str]:
    return [f"step [{s.phase}] {s.actor}: {s.text} ({s.rule})" for s in plan.steps]


def _added_removed(label: str, old: list[str], new: list[str]) -> list[str]:
    removed = Counter(old) - Counter(new)
    added = Counter(new) - Counter(old)
    lines = [f"- {label}{item}" for item in sorted(removed.elements())]
    lines += [f"+ {label}{item}" for item in sorted(added.elements())]
    if not lines and old != new:
        lines.append(f"~ {label.strip() or 'steps'} reordered")
    return lines


def plan_changes(old: Plan, new: Plan) -> list[str]:
    """What differs between two plans for the same request, one line each."""
    lines = []
    if old.outcome != new.outcome:
        lines.append(f"outcome: {old.outcome} -> {new.outcome}")
    old_scenario = old.scenario.id if old.scenario else "none"
    new_scenario = new.scenario.id if new.scenario else "none"
    if old_scenario != new_scenario:
        lines.append(f"scenario: {old_scenario} -> {new_scenario}")
    lines += _added_removed("default ", [f"{d.fact} = {d.value}" for d in old.decisions],
                            [f"{d.fact} = {d.value}" for d in new.decisions])
    lines += _added_removed("", _steps(old), _steps(new))
    lines += _added_removed("warning ", [w.code for w in old.warnings], [w.code for w in new.warnings])
    lines += _added_removed("rejection ", [r.code for r in old.rejections],
                            [r.code for r in new.rejections])
    return lines


def _plan(catalogue: Catalogue, request: NamedRequest) -> Plan | str:
    """The plan, or the first reason the request is invalid under this catalogue."""
    try:
        return plan(catalogue, request.parse(catalogue))
    except CollabError as error:
        first = error.diagnostics[0]
        return f"{first.message} ({first.code})"


def compare(old: Catalogue, new: Catalogue, requests: Iterable[NamedRequest],
            old_name: str = "old", new_name: str = "new") -> DiffReport:
    report = DiffReport(old_name, new_name)
    for request in requests:
        report.compared += 1
        before, after = _plan(old, request), _plan(new, request)
        if isinstance(before, str) and isinstance(after, str):
            report.invalid.append((request.name, after))
            continue
        if isinstance(before, str):
            assert not isinstance(after, str)
            lines = [f"valid now (was: {before})", f"outcome: invalid -> {after.outcome}"]
            report.changed.append(RequestChange(request.name, tuple(lines), None, after,
                                                request.data))
            continue
        if isinstance(after, str):
            lines = [f"invalid now: {after}", f"outcome: {before.outcome} -> invalid"]
            report.changed.append(RequestChange(request.name, tuple(lines), before, None,
                                                request.data))
            continue
        lines = plan_changes(before, after)
        if lines:
            report.changed.append(RequestChange(request.name, tuple(lines), before, after,
                                                request.data))
    return report


def catalogue_at_revision(revision: str, folder: Path, into: Path) -> Path:
    """Extract the catalogue files of ``folder`` as they were at git ``revision`` into
    ``into``; returns the extracted catalogue folder."""
    def git(*args: str) -> bytes:
        try:
            done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                                  check=True)
        except FileNotFoundError:
            raise InputError([Diagnostic(revision, 0, 0, "IO001",
                                         "not a folder, and git is not installed to read it "
                                         "as a revision", "name a catalogue folder")]) from None
        except subprocess.CalledProcessError as error:
            reason = error.stderr.decode(errors="replace").strip().splitlines()
            raise InputError([Diagnostic(revision, 0, 0, "GIT001",
                                         "neither a folder nor a git revision of "
                                         f"{display_path(folder)}"
                                         + (f": {reason[-1]}" if reason else ""),
                                         "name a catalogue folder or a revision such as HEAD~1")]
                             ) from None
        return done.stdout

    top = Path(git("rev-parse", "--show-toplevel").decode().strip())
    relative = folder.resolve().relative_to(top.resolve())
    parts = [str(relative / name) if str(relative) != "." else name for name in ("rules", "services")]
    # The revision is resolved to a commit id first, after --end-of-options, so that a value
    # such as `--output=FILE` is a (missing) revision, never an option of git.
    commit = git("rev-parse", "--verify", "--quiet", "--end-of-options",
                 f"{revision}^{{commit}}").decode().strip()
    archive = git("archive", "--format=tar", commit, "--", *parts)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / relative


def diff(old: str, new_root: Path, paths: tuple[Path, ...] = (), generated: bool = False,
         new_name: str | None = None) -> DiffReport:
    """`collab diff`: plan ``paths`` (files, JSON Lines, folders) and, with ``generated``, the
    space generated from the new catalogue, under the ``old`` catalogue (a folder or a git
    revision of ``new_root``) and the one at ``new_root``."""
    if not paths and not generated:
        raise InputError([Diagnostic("collab diff", 0, 0, "IO001", "no requests to compare",
                                     "name request files or folders, or use --generated")])
    new = load_catalogue(new_root)
    with tempfile.TemporaryDirectory(prefix="collab-diff-") as scratch:
        old_root = Path(old)
        if not old_root.is_dir():
            old_root = catalogue_at_revision(old, new_root, Path(scratch))
        previous = load_catalogue(old_root)
        requests: Iterable[NamedRequest] = read_requests(paths) if paths else ()
        if generated:
            requests = itertools.chain(requests, (
                NamedRequest(f"generated #{n}: {summarise(data)}", data)
                for n, data in enumerate(corpus(new), start=1)))
        return compare(previous, new, requests, old_name=old,
                       new_name=new_name or display_path(new_root))
