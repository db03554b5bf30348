"""Fuzz target: the file loader, the request parser and the catalogue checker, on any bytes.

One input is tried as
  1. a request file (YAML or JSON): engine.catalogue.documents.load_document, then
     engine.request.parse.request_from_document and parse_request, then engine.plan;
  2. a catalogue file, when it loads as a mapping that looks like one (`stage`/`rules`, or
     `variants`): written into a small catalogue and checked with engine.catalogue.checks.check_catalogue,
     then, if the catalogue is usable, compiled and evaluated on a few requests;
  3. a JSON Lines line for `collab batch`: engine.tools.batch.plan_line.
The only allowed outcomes are a value, or a CollabError the stage may raise (InputError,
RequestError, CatalogueError). Any other exception is a crash; so is an input taking longer
than SLOW seconds (the runner enforces it).

Run it with atheris (libFuzzer) when atheris is installed:

    python fuzz/fuzz_load.py -max_total_time=60 /tmp/new-inputs fuzz/corpus

or through `python fuzz/run.py --seconds 60`, which also works without atheris (hypothesis
then generates the inputs). KNOWN lists crashes that are reported and being fixed: they are
counted and printed, not raised, so that a run still finds new ones; COLLAB_FUZZ_STRICT=1
raises them too.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SLOW = 10.0  # seconds one input may take
sys.path.insert(0, str(ROOT))  # the checkout's engine, installed or not

_instrument: Any = contextlib.nullcontext()
if __name__ == "__main__":  # under atheris, coverage of the engine and PyYAML steers the fuzzing
    try:
        import atheris

        _instrument = atheris.instrument_imports(include=["engine", "yaml"])
    except ImportError:
        atheris = None

with _instrument:
    from engine import (
        CatalogueError,
        CollabError,
        InputError,
        Plan,
        RequestError,
        load_catalogue,
        plan,
    )
    from engine.catalogue.checks import check_catalogue
    from engine.catalogue.documents import load_document
    from engine.evaluation.compile import compile_catalogue
    from engine.evaluation.evaluate import evaluate
    from engine.request.parse import parse_request, request_from_document
    from engine.tools.batch import plan_line
    from engine.tools.generate import corpus


@dataclass(frozen=True)
class Known:
    """A crash already reported: which stage, which exception, raised where."""

    name: str
    stage: str  # "file", "catalogue" or "jsonl"
    types: tuple[type[BaseException], ...]
    where: str  # a path fragment of the innermost frame, e.g. "yaml/constructor.py"
    what: str

    def matches(self, stage: str, error: BaseException) -> bool:
        frames = traceback.extract_tb(error.__traceback__)
        innermost = frames[-1].filename.replace(os.sep, "/") if frames else ""
        return (stage == self.stage or (self.stage == "file" and stage == "catalogue")) and \
            isinstance(error, self.types) and self.where in innermost


KNOWN: list[Known] = []  # none today: every crash found so far is fixed
STRICT = os.environ.get("COLLAB_FUZZ_STRICT") == "1"
known_seen: dict[str, int] = {}
known_kinds: dict[tuple[str, str], bytes] = {}  # (crash, exception and message): first input
outcomes: dict[str, int] = {}


class CrashError(Exception):
    """An input made a stage fail in a way it must not."""


_state: dict[str, Any] = {}


def _setup() -> dict[str, Any]:
    """The shipped catalogue, a scratch folder and a small catalogue to drop files into."""
    if not _state:
        if os.environ.get("COLLAB_FUZZ_SCRATCH"):  # run.py's folder, which it removes
            scratch = Path(tempfile.mkdtemp(prefix="target-", dir=os.environ["COLLAB_FUZZ_SCRATCH"]))
        else:
            scratch = Path(tempfile.mkdtemp(prefix="collab-fuzz-"))
            atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        mini = scratch / "catalogue"
        for folder, names in (("services", ("eekonomi.yaml", "lon_smart.yaml")),
                              ("rules", ("pipeline.yaml", "domain.yaml", "10-scenarios.yaml"))):
            (mini / folder).mkdir(parents=True)
            for name in names:
                shutil.copyfile(ROOT / folder / name, mini / folder / name)
        _state.update(catalogue=load_catalogue(ROOT), scratch=scratch, mini=mini,
                      file=scratch / "input.yaml")
    return _state


def _note(what: str) -> None:
    outcomes[what] = outcomes.get(what, 0) + 1


def _diagnosed(error: BaseException) -> None:
    """A CollabError must say what is wrong: at least one diagnostic with a code and message."""
    assert isinstance(error, CollabError)
    if not error.diagnostics or not all(d.code and d.message for d in error.diagnostics):
        raise CrashError(f"{type(error).__name__} without a usable diagnostic: {error!r}")


def _stage(stage: str, data: bytes, run: Any, allowed: tuple[type[BaseException], ...]) -> Any:
    """Run one stage; an allowed CollabError is an outcome, a known crash is noted, anything
    else is raised as it is (atheris and run.py report it)."""
    try:
        return run()
    except allowed as error:
        _diagnosed(error)
        _note(f"{stage}: {type(error).__name__}")
        return None
    except Exception as error:
        known = next((k for k in KNOWN if k.matches(stage, error)), None)
        if known is None or STRICT:
            raise
        frames = traceback.extract_tb(error.__traceback__)
        kind = f"{type(error).__name__} in {frames[-1].name if frames else '?'}"
        if (known.name, kind) not in known_kinds:  # print each kind of it once, with its input
            known_kinds[(known.name, kind)] = data[:200]
            print(f"\nknown crash {known.name} ({stage}): {kind}: {str(error)[:160]}"
                  f"\n  input: {data[:200]!r}", file=sys.stderr)
        known_seen[known.name] = known_seen.get(known.name, 0) + 1
        _note(f"{stage}: known crash {known.name}")
        return None


def _as_file(data: bytes) -> None:
    state = _setup()
    catalogue, path = state["catalogue"], state["file"]
    path.write_bytes(data)
    document = _stage("file", data, lambda: load_document(path), (InputError,))
    if document is None:
        return
    _note("file: loaded")
    request = _stage("file", data, lambda: request_from_document(document, catalogue),
                     (RequestError,))
    again = _stage("file", data, lambda: parse_request(document.data, catalogue), (RequestError,))
    if (request is None) != (again is None):
        raise CrashError("request_from_document and parse_request disagree on the same data")
    if request is not None:
        result = plan(catalogue, request)  # a valid request: any exception is a crash
        if not isinstance(result, Plan) or (result.outcome == "rejected") != bool(result.rejections):
            raise CrashError(f"malformed plan: {result!r}")
        _note(f"file: plan {result.outcome}")
    data_value = document.data
    if isinstance(data_value, dict) and ({"stage", "rules"} & set(map(str, data_value)) or
                                         "variants" in data_value):
        _as_catalogue_file(data, data_value)


def _as_catalogue_file(data: bytes, value: dict[Any, Any]) -> None:
    state = _setup()
    mini: Path = state["mini"]
    target = (mini / "rules" / "50-fuzz.yaml" if {"stage", "rules"} & set(map(str, value))
              else mini / "services" / "fuzz.yaml")
    target.write_bytes(data)
    try:
        checked = _stage("catalogue", data, lambda: check_catalogue(mini), (CatalogueError,))
        if checked is None:
            return
        fuzzed, problems = checked
        if any(not (p.code and p.message) for p in problems):
            raise CrashError("a catalogue diagnostic without a code or message")
        if fuzzed is None or any(p.severity.value == "error" for p in problems):
            _note("catalogue: refused")
            return
        _note("catalogue: usable")
        compiled = compile_catalogue(fuzzed)
        for index, request in enumerate(corpus(fuzzed)):
            if index >= 5:
                break
            try:
                evaluate(compiled, parse_request(request, fuzzed))
            except (RequestError, CatalogueError):
                continue
    finally:
        target.unlink()


def _as_jsonl(data: bytes) -> None:
    state = _setup()
    result = _stage("jsonl", data, lambda: plan_line(state["catalogue"], "fuzz.jsonl", 1, data),
                    ())
    if result is None:
        return
    line, outcome, _codes = result
    parsed = json.loads(line)
    if ("plan" in parsed) == (outcome == "invalid"):
        raise CrashError(f"batch line says {outcome} but holds {sorted(parsed)}")
    _note(f"jsonl: {outcome}")


def check_input(data: bytes) -> None:
    """The fuzz target: raises on a crash, returns otherwise."""
    _as_file(data)
    _as_jsonl(data)


def TestOneInput(data: bytes) -> None:  # noqa: N802 (atheris' name)
    check_input(data)


def main() -> None:
    if atheris is None:
        sys.exit("atheris is not installed: use `python fuzz/run.py --engine hypothesis`")
    _setup()
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()  # libFuzzer exits the process when done


def summary() -> str:
    return (f"fuzz outcomes: {json.dumps(outcomes, sort_keys=True)}\n"
            f"known crashes: {json.dumps(known_seen, sort_keys=True)}")


if __name__ == "__main__":
    main()
