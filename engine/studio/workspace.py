"""What the studio shows, kept up to date with the catalogue folder on disk.

A worker thread recomputes after every change of the folder (watched with watchfiles):
first the catalogue's checks (validation without the analysis, at once), then the impact of
the requests a change can concern, then the analysis, then the impact over the rest of the
requests. Each part is published as soon as it is known, with a version number the page
polls. Every result comes from the library functions the CLI uses (validate_catalogue,
plan, explain, compare), so the page and the CLI always agree; the studio only orders the
work so that what a change concerns shows first.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.locate import load_catalogue
from engine.catalogue.types import Operation
from engine.errors import (
    CollabError,
    Diagnostic,
    EngineError,
    InputError,
    Severity,
    display_path,
)
from engine.evaluation.compile import may_match
from engine.evaluation.evaluate import compiled_catalogue
from engine.evaluation.evaluate import plan as make_plan
from engine.plan.model import Plan
from engine.request.lines import LINES_SUFFIX, REQUEST_SUFFIXES, NamedRequest, read_requests
from engine.request.model import Request
from engine.request.parse import load_request, parse_request
from engine.tools.analyse import summarise
from engine.tools.diff import DiffReport, catalogue_at_revision, compare
from engine.tools.explain import Explanation, explain
from engine.tools.flows import OperationFlow, operation_flows
from engine.tools.generate import corpus
from engine.tools.validate import validate_catalogue

OPERATIONS: tuple[str, ...] = Operation.__args__  # type: ignore[attr-defined]
CHUNK = 400  # requests compared between two publications of the impact's progress
FOLDERS = ("services", "rules", "examples")  # what the studio reads and watches in the root
MAX_REVISION = 200  # characters of a revision name


@dataclass(frozen=True)
class Validation:
    """`collab validate` of the working copy: ``analysed`` once the analysis has run."""

    problems: tuple[Diagnostic, ...]
    analysed: bool

    @property
    def errors(self) -> list[Diagnostic]:
        return [p for p in self.problems if p.severity == Severity.ERROR]


@dataclass(frozen=True)
class Impact:
    """`collab diff --old REV --new ROOT examples --generated`, complete or in progress."""

    revision: str
    report: DiffReport | None = None
    problems: tuple[Diagnostic, ...] = ()  # why there is no report (a bad revision, ...)
    total: int = 0  # requests to compare
    first: int = 0  # of them, the ones the change concerns, compared first
    done: bool = False

    @property
    def compared(self) -> int:
        return self.report.compared if self.report else 0


@dataclass(frozen=True)
class PlanResult:
    """What `collab plan` and `collab explain` give for one request, or its diagnostics."""

    status: str  # allowed | rejected | invalid | timeout | error
    diagnostics: tuple[Diagnostic, ...] = ()
    plan: Plan | None = None
    explanation: Explanation | None = None


@dataclass(frozen=True)
class PlanJob:
    """One request to plan, as the page sent it. Picklable: it is planned in a worker
    process with the catalogue (engine.studio.evaluator)."""

    kind: str  # "example" (value: its path), "text" (the pasted text) or "data" (the form's)
    value: Any
    lang: str | None = None  # the language of the plan's texts; None: the catalogue's
    suffix: str = ".yaml"  # of a pasted text: .yaml or .json
    root: Path | None = None  # of an example: the catalogue folder it must lie in


def plan_job(catalogue: Catalogue, job: PlanJob) -> PlanResult:
    """The plan and explanation of ``job`` under ``catalogue``, as `collab plan` and
    `collab explain` give them, or the diagnostics of the request."""
    def read() -> Request:
        if job.kind == "example":
            path = Path(job.value)
            if job.root is not None and not path.resolve().is_relative_to(job.root.resolve()):
                raise InputError([Diagnostic(display_path(path), 0, 0, "STU010",
                                             "is a symbolic link that leads out of the "
                                             "catalogue folder, so the studio does not read it",
                                             "copy the file into the catalogue")])
            return load_request(path, catalogue)
        if job.kind == "text":
            return _pasted(catalogue, str(job.value), job.suffix)
        return parse_request(job.value, catalogue, "<form>")

    try:
        request = read()
        result = make_plan(catalogue, request, job.lang)
        explanation = explain(compiled_catalogue(catalogue), request, lang=job.lang)
    except RecursionError:
        return PlanResult("invalid", (Diagnostic("<request>", 0, 0, "JSON001",
                                                 "nested too deeply",
                                                 "a request nests a few levels"),))
    except CollabError as error:
        status = "error" if isinstance(error, EngineError) else "invalid"
        return PlanResult(status, tuple(error.diagnostics))
    status = "rejected" if result.outcome == "rejected" else "allowed"
    return PlanResult(status, (), result, explanation)


def _pasted(catalogue: Catalogue, text: str, suffix: str) -> Request:
    """A pasted request, read as the CLI reads a file (named <pasted> in diagnostics)."""
    with tempfile.TemporaryDirectory(prefix="collab-studio-") as scratch:
        path = Path(scratch) / f"pasted{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            return load_request(path, catalogue)
        except CollabError as error:
            shown = display_path(path)
            error.diagnostics = [dataclasses.replace(d, file="<pasted>")
                                 if d.file in (shown, str(path)) else d
                                 for d in error.diagnostics]
            raise


@dataclass
class _State:
    version: int = 0
    catalogue: Catalogue | None = None
    validation: Validation = field(default_factory=lambda: Validation((), False))
    flows: dict[str, OperationFlow] = field(default_factory=dict)
    impact: Impact = field(default_factory=lambda: Impact("HEAD"))


class Workspace:
    """The catalogue folder in use and everything derived from it."""

    def __init__(self, root: Path, revision: str = "HEAD", watch: bool = True) -> None:
        self.root = root
        self.examples = root / "examples"
        # `--old` as given when the studio started: the only folder the Impact page may load
        self.given_revision = revision
        self._given_folder = Path(revision).resolve() if Path(revision).is_dir() else None
        self._state = _State(impact=Impact(revision))
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._pending = True  # a recomputation is due
        self._generation = 0
        self._stop = threading.Event()
        self._old: dict[str, Catalogue] = {}  # commit or folder -> the catalogue there
        self._threads = [threading.Thread(target=self._work, name="studio-work", daemon=True)]
        if watch:
            self._threads.append(threading.Thread(target=self._watch, name="studio-watch",
                                                  daemon=True))

    # -- reading -------------------------------------------------------------------------

    @property
    def version(self) -> int:
        return self._state.version

    @property
    def catalogue(self) -> Catalogue | None:
        return self._state.catalogue

    @property
    def validation(self) -> Validation:
        return self._state.validation

    @property
    def impact(self) -> Impact:
        return self._state.impact

    @property
    def flows(self) -> dict[str, OperationFlow]:
        return self._state.flows

    def inside(self, path: Path) -> bool:
        """Whether ``path``, its links followed, lies in the catalogue folder: a link in the
        catalogue (which git stores, so a pull request can bring one) never leads the studio
        to a file elsewhere (`examples -> /`, `examples/x.yaml -> /etc/passwd`)."""
        try:
            return path.resolve().is_relative_to(self.root.resolve())
        except (OSError, RuntimeError):  # a loop of links
            return False

    def example_names(self) -> list[str]:
        """The request files directly in examples/ (those the page offers)."""
        if not self.examples.is_dir() or not self.inside(self.examples):
            return []
        return sorted(p.name for p in self.examples.iterdir()
                      if p.suffix in REQUEST_SUFFIXES and p.is_file() and self.inside(p))

    def example_files(self) -> list[Path]:
        """The request files in examples/ and below, as `collab diff examples` reads them,
        without those whose links lead out of the catalogue."""
        if not self.examples.is_dir() or not self.inside(self.examples):
            return []
        return sorted(p for p in self.examples.rglob("*") if p.is_file()
                      and p.suffix in (*REQUEST_SUFFIXES, LINES_SUFFIX) and self.inside(p))

    def links_out(self) -> list[Diagnostic]:
        """A diagnostic (STU010) for each file or folder of services/, rules/ and examples/
        whose links lead out of the catalogue folder: errors for the catalogue's own (it is not
        loaded then), warnings for the examples (left out)."""
        found: list[Diagnostic] = []
        for name in FOLDERS:
            folder = self.root / name
            if not folder.exists():
                continue
            paths = [folder] if not self.inside(folder) else sorted(folder.rglob("*"))
            severity = Severity.WARNING if name == "examples" else Severity.ERROR
            found += [Diagnostic(display_path(path), 0, 0, "STU010",
                                 "is a symbolic link that leads out of the catalogue folder, "
                                 "so the studio does not read it",
                                 "copy the file into the catalogue, or start the studio over "
                                 "the folder that holds it", severity)
                      for path in paths if not self.inside(path)]
        return found

    # -- running -------------------------------------------------------------------------

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._wake:
            self._wake.notify_all()

    def changed(self) -> None:
        """The folder changed (or the revision): recompute, dropping work in progress."""
        with self._wake:
            self._generation += 1
            self._pending = True
            self._wake.notify_all()

    def revision_problem(self, revision: str) -> Diagnostic | None:
        """Why the Impact page cannot compare with ``revision``, or None: it must be a git
        revision of the catalogue's repository, or the folder given with `--old` at start (a
        page must not make the studio read any folder on the machine)."""
        if revision == self.given_revision:
            return None
        shown = revision[:80]
        if not revision or len(revision) > MAX_REVISION or revision.startswith("-") \
                or not revision.isprintable():
            return Diagnostic(shown, 0, 0, "STU009", "not a git revision name",
                              "name a commit, branch or tag such as HEAD~1")
        if _commit(self.root, revision) is None:
            return Diagnostic(shown, 0, 0, "STU009",
                              "not a git revision of the catalogue's repository",
                              "name a commit, branch or tag such as HEAD~1; a catalogue folder "
                              "can only be named when the studio starts: collab studio --old DIR")
        return None

    def set_revision(self, revision: str) -> Diagnostic | None:
        """Compare the working copy with ``revision`` from now on, or say why not."""
        problem = self.revision_problem(revision)
        if problem is None and revision != self._state.impact.revision:
            self._publish(impact=Impact(revision))
            self.changed()
        return problem

    def refresh_now(self) -> None:
        """Recompute in the calling thread (tests, and the first page without a worker)."""
        self._pending = False
        self._recompute(self._generation)

    def _publish(self, **parts: Any) -> None:
        with self._lock:
            self._state = dataclasses.replace(self._state, version=self._state.version + 1,
                                              **parts)

    def _stale(self, generation: int) -> bool:
        return generation != self._generation or self._stop.is_set()

    def _watch(self) -> None:
        """Watch the catalogue root, not its folders: a folder watched by itself is followed
        where it is moved (`mv rules rules.bak`), and the one made in its place
        (`cp -r rules.bak rules`) would go unseen. Only changes below services/, rules/ and
        examples/ count."""
        import watchfiles

        root = self.root.resolve()

        def concerns(change: Any, path: str) -> bool:
            try:
                return Path(path).relative_to(root).parts[:1] in [(name,) for name in FOLDERS]
            except ValueError:
                return False

        while not self._stop.is_set():
            with contextlib.suppress(Exception):  # the root itself removed: watch again
                for _ in watchfiles.watch(root, watch_filter=concerns, stop_event=self._stop,
                                          debounce=150, step=50, rust_timeout=500,
                                          yield_on_timeout=False, raise_interrupt=False):
                    self.changed()
            self._stop.wait(1.0)

    def _work(self) -> None:
        while not self._stop.is_set():
            with self._wake:
                while not self._pending and not self._stop.is_set():
                    self._wake.wait()
                self._pending = False
                generation = self._generation
            if self._stop.is_set():
                return
            try:
                self._recompute(generation)
            except Exception as error:  # a bug: shown on the pages, the server stays up
                problem = _internal(error)
                self._publish(validation=Validation((problem,), True),
                              impact=dataclasses.replace(self.impact, problems=(problem,),
                                                         report=None, done=True))

    # -- computing -----------------------------------------------------------------------

    def _recompute(self, generation: int) -> None:
        links = self.links_out()
        if any(link.severity == Severity.ERROR for link in links):
            self._publish(catalogue=None, validation=Validation(tuple(links), True),
                          impact=Impact(self.impact.revision, problems=tuple(links), done=True))
            return
        catalogue, problems = validate_catalogue(self.root, analysis=False)
        problems = [*problems, *links]
        errors = tuple(p for p in problems if p.severity == Severity.ERROR)
        usable = catalogue if catalogue is not None and not errors else None
        revision = self.impact.revision
        self._publish(catalogue=usable, validation=Validation(tuple(problems), usable is None),
                      impact=Impact(revision, problems=errors, done=bool(errors)))
        if usable is None or self._stale(generation):
            return
        impact = _ImpactRun(self, generation, usable)
        impact.concerned()  # first what the change concerns: a saved file shows in a moment
        if self._stale(generation):
            return
        _, analysed = validate_catalogue(self.root, analysis=True, cache=True)
        if self._stale(generation):
            return
        self._publish(validation=Validation((*analysed, *links), True))
        impact.rest()
        if self._stale(generation):
            return
        self._publish(flows=operation_flows(usable))

    def _examples(self) -> list[NamedRequest]:
        return list(read_requests(self.example_files()))

    @staticmethod
    def _generated(catalogue: Catalogue) -> Iterator[NamedRequest]:
        """The requests `collab diff --generated` adds, named as it names them."""
        for number, data in enumerate(corpus(catalogue), start=1):
            yield NamedRequest(f"generated #{number}: {summarise(data)}", data)

    def _old_catalogue(self, revision: str) -> Catalogue:
        if revision == self.given_revision and self._given_folder is not None:
            return load_catalogue(self._given_folder)
        key = _commit(self.root, revision) or revision
        if key not in self._old:
            with tempfile.TemporaryDirectory(prefix="collab-studio-") as scratch:
                self._old = {key: load_catalogue(catalogue_at_revision(revision, self.root,
                                                                       Path(scratch)))}
        return self._old[key]

    def _compare(self, run: _ImpactRun, requests: list[NamedRequest], chunk: int,
                 finishing: bool = False) -> None:
        """Compare ``requests`` in chunks, publishing the impact so far after each one."""
        starts = list(range(0, len(requests), chunk)) or [0]
        for start in starts:
            if run.old is None or self._stale(run.generation):
                return
            part = requests[start:start + chunk]
            run.reports.append(compare(run.old, run.new, part, old_name=run.revision,
                                       new_name=run.new_name))
            merged = _merge(run.reports, run.order, run.revision, run.new_name)
            self._publish(impact=Impact(run.revision, merged, total=run.total, first=run.first,
                                        done=finishing and start == starts[-1]))

    # -- one request ---------------------------------------------------------------------
    # The app plans in worker processes (engine.studio.evaluator) with the job and the
    # catalogue; these run in the calling thread (tests, scripts).

    def example_job(self, name: str, lang: str | None = None) -> PlanJob | PlanResult:
        """The job planning the example ``name``, or why there is none."""
        if name not in self.example_names():
            return PlanResult("invalid", (Diagnostic(name, 0, 0, "IO001", "no such example",
                                                     "pick one of the examples listed"),))
        return PlanJob("example", self.examples / name, lang, root=self.root)

    def plan(self, job: PlanJob | PlanResult) -> PlanResult:
        if isinstance(job, PlanResult):
            return job
        catalogue = self.catalogue
        if catalogue is None:
            return PlanResult("invalid", tuple(self.validation.errors))
        return plan_job(catalogue, job)

    def plan_example(self, name: str, lang: str | None = None) -> PlanResult:
        return self.plan(self.example_job(name, lang))

    def plan_text(self, text: str, suffix: str = ".yaml", lang: str | None = None) -> PlanResult:
        return self.plan(PlanJob("text", text, lang, suffix))

    def plan_data(self, data: Any, lang: str | None = None) -> PlanResult:
        return self.plan(PlanJob("data", data, lang))

    def before_after(self, name: str) -> tuple[Plan | None, Plan | None] | None:
        report = self.impact.report
        if report is None:
            return None
        for change in report.changed:
            if change.name == name:
                return change.old, change.new
        return None


class _ImpactRun:
    """One comparison of the working copy with the revision: `collab diff --old REV
    examples --generated`, with the requests the change concerns compared first."""

    def __init__(self, workspace: Workspace, generation: int, new: Catalogue) -> None:
        self.workspace, self.generation, self.new = workspace, generation, new
        self.revision = workspace.impact.revision
        self.new_name = display_path(workspace.root)
        self.reports: list[DiffReport] = []
        self.order: dict[str, int] = {}  # request name -> its place in the diff's order
        self.total = self.first = 0
        self.rest_of: list[NamedRequest] = []
        self.old: Catalogue | None = None

    def concerned(self) -> None:
        workspace = self.workspace
        try:
            self.old = workspace._old_catalogue(self.revision)
            examples = workspace._examples()
        except CollabError as error:
            workspace._publish(impact=Impact(self.revision, problems=tuple(error.diagnostics),
                                             done=True))
            return
        touched = _concerned(self.old, self.new)
        self.order.update((r.name, n) for n, r in enumerate(examples))
        first = [r for r in examples if _key(r) in touched]
        workspace._compare(self, first, 20)  # the examples, a few at a time: the first to show
        generated = list(workspace._generated(self.new))
        self.order.update((r.name, len(examples) + n) for n, r in enumerate(generated))
        self.total = len(examples) + len(generated)
        more = [r for r in generated if _key(r) in touched]
        self.first = len(first) + len(more)
        workspace._compare(self, more, 100)
        self.rest_of = [r for r in examples + generated if _key(r) not in touched]

    def rest(self) -> None:
        if self.old is not None:
            self.workspace._compare(self, self.rest_of, CHUNK, finishing=True)


def _internal(error: Exception) -> Diagnostic:
    return Diagnostic("<studio>", 0, 0, "STU005",
                      f"internal error: {type(error).__name__}: {error}",
                      "this is a bug; please report it")


def _key(request: NamedRequest) -> tuple[str, str]:
    data = request.data if isinstance(request.data, dict) else {}
    return str(data.get("operation")), str(data.get("service"))


def _concerned(old: Catalogue, new: Catalogue) -> set[tuple[str, str]]:
    """(operation, service) pairs a change from ``old`` to ``new`` can concern: those of a
    changed service, and those a changed rule may match (old or new version)."""
    services = sorted(set(old.services) | set(new.services))
    changed_services = {s for s in services if old.services.get(s) != new.services.get(s)}
    old_rules = {p.rule.id: p.rule for p in old.rules}
    new_rules = {p.rule.id: p.rule for p in new.rules}
    changed_rules = [rule for rule_id in set(old_rules) | set(new_rules)
                     for rule in (old_rules.get(rule_id), new_rules.get(rule_id))
                     if rule is not None and old_rules.get(rule_id) != new_rules.get(rule_id)]
    return {(operation, service) for operation, service in itertools.product(OPERATIONS, services)
            if service in changed_services
            or any(may_match(rule.when, operation, service) for rule in changed_rules)}


def _merge(reports: list[DiffReport], order: dict[str, int], old_name: str,
           new_name: str) -> DiffReport:
    """One report from reports over parts of the requests, in the requests' order."""
    merged = DiffReport(old_name, new_name)
    for report in reports:
        merged.compared += report.compared
        merged.changed += report.changed
        merged.invalid += report.invalid
    merged.changed.sort(key=lambda change: order[change.name])
    merged.invalid.sort(key=lambda item: order[item[0]])
    return merged


def _commit(root: Path, revision: str) -> str | None:
    import subprocess

    try:
        done = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet",
                               "--end-of-options", revision + "^{commit}"], capture_output=True, text=True,
                              check=False, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None
