"""Benchmarks of collab: one table of figures against the targets (benchmarks/README.md).

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/run.py [--smoke] [--json benchmarks/results.json]

Each measure is one function below and gives rows of (measure, figure, target, met?).
Figures are printed, not asserted: the run exits 0 whatever the targets say, and 1 only when
a measure could not be taken (a command failed, or the floor or the ZEN table decided an
activation differently from the engine: the comparison would then be meaningless).
``--smoke`` takes every measure at tiny sizes in well under a minute, so that CI keeps the
benchmark working; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import hashlib
import itertools
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from floor import Decision, activation_decision

from engine import (
    check_catalogue,
    compiled_catalogue,
    default_catalogue_dir,
    load_catalogue,
    parse_request,
    validate_catalogue,
)
from engine.catalogue.catalogue import Catalogue
from engine.evaluation.compile import compile_catalogue
from engine.evaluation.evaluate import evaluate, python_matcher, trace
from engine.evaluation.host import MEMO_SIZE, durable_matcher, durable_matcher_without_memo, rules_host
from engine.request.facts import derive, nest
from engine.request.model import Request
from engine.tools.generate import corpus

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BIN = Path(sys.executable).parent  # the virtualenv's bin/: collab and python
EXAMPLE = "examples/activate-eekonomi-spcs-customer.yaml"
ZEN_TABLE = HERE / "activation.zen.json"


@dataclass(frozen=True)
class Sizes:
    corpus_step: int  # every n-th request of the generated corpus
    rounds: int  # timed passes over those requests
    cold_runs: int  # process starts timed
    scales: tuple[int, ...]  # catalogue copies
    scale_repeats: int  # validations timed per size (best taken)
    batch_requests: int
    batch_repeats: int  # runs per job count (best taken)
    memory_marks: tuple[int, ...]  # evaluations before each RSS reading


FULL = Sizes(corpus_step=1, rounds=3, cold_runs=11, scales=(1, 10, 100), scale_repeats=3,
             batch_requests=100_000, batch_repeats=3, memory_marks=(1_000, 10_000, 100_000))
# under 5 minutes on the 2-core machine at load 12: the in-process figures as in FULL, fewer
# process runs, smaller batch and catalogue scaling (100x does not finish: benchmarks/README.md)
QUICK = Sizes(corpus_step=1, rounds=3, cold_runs=5, scales=(1, 2, 5), scale_repeats=1,
              batch_requests=5_000, batch_repeats=3, memory_marks=(1_000, 10_000, 100_000))
SMOKE = Sizes(corpus_step=25, rounds=1, cold_runs=2, scales=(1, 2, 4), scale_repeats=1,
              batch_requests=500, batch_repeats=1, memory_marks=(300, 1_000, 3_000))


@dataclass(frozen=True)
class Row:
    measure: str
    figure: str
    target: str = ""
    met: bool | None = None  # None: no target


class MeasureError(Exception):
    """A measure could not be taken; the run reports it and exits 1."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- timing helpers -------------------------------------------------------------------------


def timed(call: Callable[[Any], object], items: Sequence[Any]) -> list[int]:
    """Nanoseconds of ``call(item)`` for each item, one pass."""
    clock = time.process_time_ns  # CPU time of this process: the machine may be shared
    times = []
    for item in items:
        start = clock()
        call(item)
        times.append(clock() - start)
    return times


@dataclass(frozen=True)
class Latency:
    median_us: float
    p99_us: float
    per_second: float  # calls / total time of the calls

    @classmethod
    def of(cls, times_ns: list[int]) -> Latency:
        p99 = statistics.quantiles(times_ns, n=100)[98] if len(times_ns) > 1 else times_ns[0]
        return cls(statistics.median(times_ns) / 1e3, p99 / 1e3, len(times_ns) * 1e9 / sum(times_ns))

    def text(self) -> str:
        return f"median {self.median_us:,.1f} us, p99 {self.p99_us:,.1f} us, {self.per_second:,.0f}/s"


def round_robin(calls: dict[str, Callable[[Any], object]], items: Sequence[Any], rounds: int,
                before: dict[str, Callable[[], object]] | None = None) -> dict[str, Latency]:
    """Time every call over ``items``, taking turns each round so noise hits all alike;
    ``before[name]()`` runs, untimed, before each of that call's passes (the warm-up's too)."""
    before = before or {}
    for name, call in calls.items():  # warm: rulesets registered, caches filled
        before.get(name, lambda: None)()
        for item in items:
            call(item)
    samples: dict[str, list[int]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            before.get(name, lambda: None)()
            samples[name] += timed(call, items)
    return {name: Latency.of(times) for name, times in samples.items()}


def ratio_row(measure: str, numerator: float, denominator: float, target: str,
              holds: Callable[[float], bool]) -> Row:
    ratio = numerator / denominator
    return Row(measure, f"{ratio:.2f}x", target, holds(ratio))


# --- 1. plan evaluation ----------------------------------------------------------------------


def corpus_requests(catalogue: Catalogue, step: int) -> list[Request]:
    """Every ``step``-th request of the generated corpus, parsed (not timed)."""
    return [parse_request(data, catalogue)
            for data in itertools.islice(corpus(catalogue), 0, None, step)]


def forget() -> None:
    """Empty the engine's table of answers: in the pass that follows, every request is new to
    it (others of the same pass may share a stage's facts)."""
    rules_host().forget()


def plan_evaluation(sizes: Sizes, figures: dict[str, Any]) -> list[Row]:
    """The full plan (steps, texts, warnings, models) on the whole generated corpus."""
    catalogue = load_catalogue()
    compiled = compiled_catalogue(catalogue)
    requests = corpus_requests(catalogue, sizes.corpus_step)
    operations = Counter(r.operation for r in requests)
    log(f"plan evaluation: {len(requests)} requests x {sizes.rounds} rounds")
    # memo_first_seen's pass (table emptied before it) fills the table again for memo_repeated
    found = round_robin({
        "engine": lambda r: evaluate(compiled, r, durable_matcher_without_memo),
        "memo_first_seen": lambda r: evaluate(compiled, r, durable_matcher),
        "memo_repeated": lambda r: evaluate(compiled, r, durable_matcher),
        "python": lambda r: evaluate(compiled, r, python_matcher),
    }, requests, sizes.rounds, before={"memo_first_seen": forget})
    figures["plan_evaluation"] = {"requests": len(requests), "rounds": sizes.rounds,
                                  "operations": dict(operations),
                                  **{name: asdict(latency) for name, latency in found.items()}}
    mix = f"{len(requests)} requests, {len(operations)} operations"
    engine = found["engine"].median_us
    return [
        Row(f"full plan ({mix}): engine, durable-rules asked on every stage", found["engine"].text(),
            "<= 120 us median", engine <= 120),
        Row("  engine with memo, first-seen (table emptied before each of its passes, in the turns)",
            found["memo_first_seen"].text()),
        Row("  engine with memo, repeated requests", found["memo_repeated"].text()),
        Row("  Python matcher", found["python"].text()),
    ]


# --- 2. the decision: engine, floor, peer -----------------------------------------------------


def engine_decision(compiled: Any, request: Request, match: Any) -> Decision:
    """The decision on ``request`` as the engine takes it (no plan built): the same parts as
    the floor's and ZEN's."""
    evaluation = trace(compiled, request, match)
    facts = evaluation.facts
    codes = tuple(sorted(p.rule.then.reject.code for p in evaluation.matched
                         if p.rule.then.reject is not None))
    return (evaluation.outcome, facts.get("scenario"), facts.get("variant.id"),
            facts.get("invoice_recipient"), facts.get("agreement_period"), codes)


def zen_peer() -> tuple[Any, Any]:
    """GoRules ZEN with benchmarks/activation.zen.json: a ZenEngine holding it under the key
    'activation', and the same table as a ZenDecision (create_decision).

    ZenEngine.evaluate(key) is the one compared: it reuses the decision it loaded, while
    ZenDecision.evaluate costs more per call (timed too, as a note).
    """
    import zen

    text = ZEN_TABLE.read_text(encoding="utf-8")
    engine = zen.ZenEngine({"loader": {"type": "static", "content": {"activation": json.loads(text)}}})
    return engine, engine.create_decision(zen.ZenDecisionContent(text))


def zen_result(response: dict[str, Any]) -> Decision:
    result = response["result"]  # ZEN leaves out what is null
    period = result.get("period")
    return (result["outcome"], result.get("scenario"), result.get("variant"),
            result.get("recipient"), int(period) if period is not None else None,
            tuple(sorted(result["codes"])))


def deciding_catalogue(catalogue: Catalogue) -> Catalogue:
    """A copy of ``catalogue`` holding only the rules that decide: those that set a fact,
    reject or give an outcome. The rest (21-24 of an activation's 41-44 rules in its
    partitions) only add steps or warnings to the plan, which the decision does not read and
    ZEN's table does not hold. Its own digest, so its rulesets are its own."""
    deciding = tuple(placed for placed in catalogue.rules
                     if placed.rule.then.set or placed.rule.then.reject or placed.rule.then.outcome)
    digest = hashlib.sha256(f"{catalogue.digest} deciding rules only".encode()).hexdigest()
    return dataclasses.replace(catalogue, rules=deciding, digest=digest)


def activation(sizes: Sizes, figures: dict[str, Any]) -> list[Row]:
    """The decision on every activation (outcome, scenario, variant, payer, period, rejection
    codes): the engine, the floor and ZEN each take the request and give that tuple."""
    catalogue = load_catalogue()
    compiled = compiled_catalogue(catalogue)
    deciding = compile_catalogue(deciding_catalogue(catalogue))
    requests = [r for r in corpus_requests(catalogue, sizes.corpus_step) if r.operation == "activate"]
    try:
        peer, decision = zen_peer()
    except ImportError:
        raise MeasureError("zen-engine is not installed: .venv/bin/pip install -e '.[bench]'") from None

    def floor(r: Request) -> Decision:
        return activation_decision(catalogue, derive(catalogue, r, {}))

    def zen_input(r: Request) -> dict[str, Any]:
        """The request's facts as ZEN takes them: its scalars (a text in several languages,
        such as a service's name, is read by no decision)."""
        return nest({name: value for name, value in derive(catalogue, r, {}).items()
                     if value is None or isinstance(value, str | int | bool)})

    def zen_table(r: Request) -> Decision:
        return zen_result(peer.evaluate("activation", zen_input(r)))

    def zen_decision(r: Request) -> Decision:
        return zen_result(decision.evaluate(zen_input(r)))

    inputs = {id(r): zen_input(r) for r in requests}  # made before timing: ZEN's evaluate alone

    def zen_evaluate_only(r: Request) -> object:
        return peer.evaluate("activation", inputs[id(r)])

    disagreements = []
    for request in requests:
        expected = engine_decision(compiled, request, durable_matcher_without_memo)
        for name, decide in (("floor", floor), ("ZEN", zen_table),
                             ("memo", lambda r: engine_decision(compiled, r, durable_matcher)),
                             ("Python matcher", lambda r: engine_decision(compiled, r, python_matcher)),
                             ("deciding rules only",
                              lambda r: engine_decision(deciding, r, durable_matcher_without_memo))):
            decided = decide(request)
            if decided != expected:
                disagreements.append(f"{name} on {request.service} ({request.customer.name}): "
                                     f"{decided} != engine {expected}")
    if disagreements:
        raise MeasureError("the activation decision differs from the engine's:\n  "
                           + "\n  ".join(disagreements[:10]))
    outcomes = Counter(engine_decision(compiled, r, python_matcher)[0] for r in requests)
    rules_asked = {name: statistics.mean(
        sum(len(stage.partition("activate", r.service).conditions) for stage in c.stages)
        for r in requests) for name, c in (("all", compiled), ("deciding", deciding))}

    log(f"activation decision: {len(requests)} activations x {sizes.rounds} rounds")
    found = round_robin({
        "engine": lambda r: engine_decision(compiled, r, durable_matcher_without_memo),
        "engine_deciding_rules": lambda r: engine_decision(deciding, r, durable_matcher_without_memo),
        "memo_first_seen": lambda r: engine_decision(compiled, r, durable_matcher),
        "memo_repeated": lambda r: engine_decision(compiled, r, durable_matcher),
        "python": lambda r: engine_decision(compiled, r, python_matcher),
        "derive": lambda r: derive(catalogue, r, {}),
        "floor": floor,
        "zen": zen_table,
        "zen_evaluate": zen_evaluate_only,
        "zen_create_decision": zen_decision,
    }, requests, sizes.rounds, before={"memo_first_seen": forget})
    figures["activation"] = {"requests": len(requests), "agree": len(requests),
                             "outcomes": dict(outcomes), "rules_asked_per_activation": rules_asked,
                             **{name: asdict(latency) for name, latency in found.items()}}
    median = {name: latency.median_us for name, latency in found.items()}
    engine, memo, floor_, zen_ = median["engine"], median["memo_repeated"], median["floor"], median["zen"]
    equal = median["engine_deciding_rules"]
    python = median["python"]
    figures.setdefault("ratios", {}).update(
        engine_vs_floor=engine / floor_, engine_vs_zen=engine / zen_, memo_vs_zen=memo / zen_,
        equal_work_engine_vs_zen=equal / zen_)
    return [
        Row("activations: floor, ZEN, memo, Python matcher and the deciding rules alone take the "
            "engine's decision",
            f"{len(requests)} of {len(requests)} ({', '.join(f'{o} {n}' for o, n in outcomes.items())})"),
        Row(f"  decision, first-seen: engine, every rule of the partitions ({rules_asked['all']:.0f} "
            "per activation), durable-rules asked on every stage", found["engine"].text()),
        Row(f"  decision, first-seen: engine, only the rules that decide ({rules_asked['deciding']:.0f} "
            "per activation)", found["engine_deciding_rules"].text()),
        Row("  decision, first-seen: engine with memo (table emptied before each of its passes)",
            found["memo_first_seen"].text()),
        Row("  decision, repeated: engine with memo", found["memo_repeated"].text()),
        Row("  decision: engine with the Python matcher", found["python"].text()),
        Row("  decision: floor (derive + plain Python)", found["floor"].text()),
        Row("  decision: ZEN (derive + nest + ZenEngine.evaluate + reading its result)", found["zen"].text()),
        Row("  (ZenEngine.evaluate alone, its input made beforehand)", found["zen_evaluate"].text()),
        Row("  (derive alone: in the engine's trace, the floor and ZEN alike)", found["derive"].text()),
        Row("  (ZEN via create_decision().evaluate, with derive + nest)",
            found["zen_create_decision"].text()),
        ratio_row("equal work: engine with only the deciding rules / ZEN (medians)", equal, zen_, "<= 0.8x",
                  lambda x: x <= 0.8),
        ratio_row("engine / ZEN (medians; the engine also matches the rules that only add steps or "
                  "warnings, which ZEN's table does not hold)", engine, zen_, "<= 1x", lambda x: x <= 1),
        ratio_row("engine / floor, first-seen (medians)", engine, floor_, "<= 5x", lambda x: x <= 5),
        ratio_row("engine with memo / ZEN, repeated (medians)", memo, zen_, "<= 0.3x",
                  lambda x: x <= 0.3),
        Row("  (Python matcher / floor; / ZEN)", f"{python / floor_:.2f}x; {python / zen_:.2f}x"),
    ]


# --- 3. cold start ---------------------------------------------------------------------------


def run_timed(command: list[str], ok: tuple[int, ...] = (0,),
              env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds of ``command`` and the CPU seconds (user + system) of its process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=env, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in ok:
        raise MeasureError(f"{' '.join(command)} exited {done.returncode}: "
                           f"{done.stderr.decode(errors='replace')[-500:]}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def wall_time(command: list[str], ok: tuple[int, ...] = (0,),
              env: dict[str, str] | None = None) -> float:
    return run_timed(command, ok, env)[0]


def cold_start(sizes: Sizes, figures: dict[str, Any]) -> list[Row]:
    """Whole processes, wall time, in turns: `collab plan` against importing its dependencies,
    `collab --version` against starting Python, and `collab validate --no-cache`."""
    python = sys.executable
    commands = {
        "plan": ([str(BIN / "collab"), "plan", EXAMPLE], (0, 1)),
        "deps_import": ([python, "-c", "import durable_rules_engine, pydantic, yaml, click"], (0,)),
        "version": ([str(BIN / "collab"), "--version"], (0,)),
        "python": ([python, "-c", "pass"], (0,)),
        "validate_no_cache": ([str(BIN / "collab"), "validate", "--no-cache"], (0,)),
    }
    # As on a user's machine: bytecode is written once and read afterwards (a sandbox or CI
    # may set PYTHONDONTWRITEBYTECODE, and every start would then compile what has no .pyc).
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for command, ok in commands.values():  # once untimed: files in the page cache, bytecode written
        run_timed(command, ok, env)
    log(f"cold start: {sizes.cold_runs} runs of each, in turns")
    for _ in range(sizes.cold_runs):
        for name, (command, ok) in commands.items():
            wall, cpu = run_timed(command, ok, env)
            walls[name].append(wall)
            cpus[name].append(cpu)
    median = {name: statistics.median(times) for name, times in walls.items()}
    best = {name: min(times) for name, times in walls.items()}
    cpu = {name: statistics.median(times) for name, times in cpus.items()}
    figures["cold_start"] = {"wall_s": walls, "cpu_s": cpus, "median_s": median, "best_s": best,
                             "median_cpu_s": cpu}
    # the CPU ratios (user + system of each process) hold where other sessions load the machine
    # and stretch every wall time
    figures.setdefault("ratios", {}).update(
        cold_plan_vs_deps_import=median["plan"] / median["deps_import"],
        cold_plan_vs_deps_import_cpu=cpu["plan"] / cpu["deps_import"],
        version_vs_python=median["version"] / median["python"],
        version_vs_python_cpu=cpu["version"] / cpu["python"],
        validate_no_cache_s=median["validate_no_cache"])

    def ms(name: str) -> str:
        return (f"median {median[name] * 1e3:,.0f} ms (best {best[name] * 1e3:,.0f} ms), "
                f"{cpu[name] * 1e3:,.0f} ms CPU")

    return [
        Row(f"cold start: collab plan {EXAMPLE.split('/')[-1]} ({sizes.cold_runs} runs in turns)",
            ms("plan"), "< 300 ms", median["plan"] < 0.3),
        Row("  its dependencies imported: python -c 'import durable_rules_engine, pydantic, yaml, click'",
            ms("deps_import")),
        ratio_row("  collab plan / dependencies' import (medians)", median["plan"], median["deps_import"],
                  "<= 1.6x", lambda x: x <= 1.6),
        ratio_row("  the same in CPU time (medians)", cpu["plan"], cpu["deps_import"], "<= 1.6x",
                  lambda x: x <= 1.6),
        Row("collab --version", ms("version")),
        Row("  python -c pass", ms("python")),
        ratio_row("  collab --version / python -c pass (medians)", median["version"], median["python"],
                  "<= 2x", lambda x: x <= 2),
        ratio_row("  the same in CPU time (medians)", cpu["version"], cpu["python"], "<= 2x",
                  lambda x: x <= 2),
        Row("collab validate --no-cache (shipped catalogue, with the analysis, whole process)",
            ms("validate_no_cache"), "<= 0.8 s",
            median["validate_no_cache"] <= 0.8),
    ]


# --- 4. catalogue scaling --------------------------------------------------------------------


def _service_id(service_id: str, copy: int) -> str:
    return f"{service_id}_k{copy}"


def _renamed_test(test: Any, copy: int) -> Any:
    """A `service.id` test (a value, a list, or {not|in|not_in: ...}) naming the copies."""
    if isinstance(test, str):
        return _service_id(test, copy)
    if isinstance(test, list):
        return [_renamed_test(value, copy) for value in test]
    if isinstance(test, dict):
        return {op: _renamed_test(value, copy) if op in ("not", "in", "not_in") else value
                for op, value in test.items()}
    return test


def _renamed_when(when: dict[str, Any], copy: int) -> dict[str, Any]:
    renamed = dict(when)
    if "service.id" in renamed:
        renamed["service.id"] = _renamed_test(renamed["service.id"], copy)
    if "any" in renamed:
        renamed["any"] = [_renamed_when(alternative, copy) for alternative in renamed["any"]]
    return renamed


def _renamed_service(service: dict[str, Any], copy: int) -> dict[str, Any]:
    renamed = {**service, "id": _service_id(service["id"], copy), "name": f"{service['name']} {copy}"}
    if "bundles" in renamed:
        renamed["bundles"] = [_service_id(b, copy) for b in renamed["bundles"]]
    renamed["variants"] = [
        {**variant, "disables": [{**ref, "service": _service_id(ref["service"], copy)}
                                 for ref in variant["disables"]]} if "disables" in variant else variant
        for variant in service["variants"]]
    return renamed


def _renamed_rules(document: dict[str, Any], copy: int) -> dict[str, Any]:
    return {**document, "rules": [
        {**rule, "id": f"{rule['id']}-k{copy}", "when": _renamed_when(rule.get("when", {}), copy)}
        for rule in document["rules"]]}


def _applies(test: Any, service_id: str) -> bool:
    """Whether a `service.id` test (absent, a value, a list, not, in, not_in) admits it."""
    if test is None:
        return True
    if isinstance(test, str):
        return test == service_id
    if isinstance(test, list):
        return service_id in test
    if "not" in test:
        return bool(test["not"] != service_id)
    if "in" in test:
        return service_id in test["in"]
    if "not_in" in test:
        return service_id not in test["not_in"]
    return True


def _own_rules(document: dict[str, Any], copy: int, services: list[str]) -> dict[str, Any]:
    """Copy ``copy`` of a rule file whose every rule names the services of its copy it
    applies to, so that each service keeps the shipped number of rules."""
    rules = []
    for rule in document["rules"]:
        when = rule.get("when", {})
        applies = [_service_id(s, copy) if copy > 1 else s
                   for s in services if _applies(when.get("service.id"), s)]
        renamed = _renamed_when(when, copy) if copy > 1 else dict(when)
        rules.append({**rule, "id": f"{rule['id']}-k{copy}" if copy > 1 else rule["id"],
                      "when": {**renamed, "service.id": applies}})
    return {**document, "rules": rules}


GROWTHS = ("copied", "own")


def synthetic_catalogue(root: Path, copies: int, growth: str = "copied") -> None:
    """The shipped catalogue and ``copies - 1`` renamed copies of its services and rules.

    Copy k has services `<id>_k<k>` (bundles and disabled add-ons pointing at copy k) and
    rules `<id>-k<k>`. With growth "copied", a rule's `service.id` test names copy k's
    services and rules without such a test are copied as they are, so they apply to every
    copy's services: each service is matched against ``copies`` times the shipped rules, and
    the work grows with the square of the size. With growth "own" (services with their own
    rules, as a catalogue grows in practice), every rule of every copy, the shipped one too,
    names the services of its copy it applies to.
    """
    shipped = default_catalogue_dir()
    shutil.copytree(shipped / "services", root / "services")
    shutil.copytree(shipped / "rules", root / "rules")

    def load(path: Path) -> Any:
        return yaml.safe_load(path.read_text(encoding="utf-8"))

    def write(path: Path, data: Any) -> None:
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    services = [(p, load(p)) for p in sorted((shipped / "services").glob("*.yaml"))]
    service_ids = [service["id"] for _, service in services]
    rule_files = [(p, load(p)) for p in sorted((shipped / "rules").glob("*.yaml"))
                  if p.name not in ("pipeline.yaml", "domain.yaml")]
    if growth == "own":
        for path, document in rule_files:
            write(root / "rules" / path.name, _own_rules(document, 1, service_ids))
    for copy in range(2, copies + 1):
        for path, service in services:
            write(root / "services" / f"{_service_id(path.stem, copy)}.yaml",
                  _renamed_service(service, copy))
        for path, document in rule_files:
            write(root / "rules" / f"{path.stem}-k{copy}.yaml",
                  _own_rules(document, copy, service_ids) if growth == "own"
                  else _renamed_rules(document, copy))


def best_time(call: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


PLANS_AT_SCALE = """
import itertools, json, sys, time
from engine import load_catalogue, plan
from engine.tools.generate import corpus
catalogue = load_catalogue(sys.argv[1])
copies, step = sys.argv[2:]
chosen = (r for r in corpus(catalogue)  # the services of the first and the last copy
          if copies == "1" or "_k" not in r["service"] or r["service"].endswith("_k" + copies))
requests = list(itertools.islice(chosen, 0, None, int(step)))
start = time.perf_counter()
outcomes = [plan(catalogue, request).outcome for request in requests]
print(json.dumps({"requests": len(requests), "seconds": time.perf_counter() - start}))
"""

ANALYSIS_AT_SCALE = """
import json, resource, sys, time
from pathlib import Path
from engine import validate_catalogue
def cpu():
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                resource.getrusage(resource.RUSAGE_CHILDREN)))
start, started = time.perf_counter(), cpu()
catalogue, problems = validate_catalogue(sys.argv[1], analysis=True, cache=False)
seconds, cpu_seconds = time.perf_counter() - start, cpu() - started
peak = next(int(line.split()[1]) * 1024 for line in Path("/proc/self/status").read_text().splitlines()
            if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_rss": peak,
                  "rules": len(catalogue.rules),
                  "errors": sum(p.severity.value == "error" for p in problems)}))
"""


def child(script: str, *args: str) -> dict[str, Any]:
    """Run ``script`` in its own process: a crash (a signal) fails the measure, not the run."""
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=REPO, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise MeasureError(f"{script.split(chr(10))[2]} ... {' '.join(args)} exited "
                           f"{done.returncode}: {done.stderr[-500:]}")
    return dict(json.loads(done.stdout))


def catalogue_scaling(sizes: Sizes, figures: dict[str, Any]) -> list[Row]:
    seconds: dict[int, float] = {}
    counts: dict[int, tuple[int, int, int]] = {}
    plans: dict[int, dict[str, Any]] = {}
    analysed: dict[int, dict[str, Any]] = {}
    copied: dict[int, dict[str, Any]] = {}  # the analysis of the copied catalogues
    small, middle, large = sizes.scales
    with tempfile.TemporaryDirectory(prefix="collab-bench-") as tmp:
        for copies in sizes.scales:
            root = Path(tmp) / f"x{copies}"
            synthetic_catalogue(root, copies)
            catalogue, problems = check_catalogue(root)
            errors = [p for p in problems if p.severity.value == "error"]
            if catalogue is None or errors:
                raise MeasureError(f"the {copies}x catalogue does not validate: "
                                   + "; ".join(str(p.as_dict()) for p in errors[:5]))
            counts[copies] = (len(catalogue.services),
                              sum(len(s.variants) for s in catalogue.services.values()),
                              len(catalogue.rules))
            log(f"catalogue scaling: {copies}x = {counts[copies]} services, variants, rules")
            seconds[copies] = best_time(lambda root=root: validate_catalogue(root, analysis=False),
                                        sizes.scale_repeats)
            log(f"catalogue scaling: plans at {copies}x, the first and last copies' services")
            plans[copies] = child(PLANS_AT_SCALE, str(root), str(copies), str(2 * sizes.corpus_step))
        for copies in (small, middle):
            root = Path(tmp) / f"own{copies}"
            synthetic_catalogue(root, copies, growth="own")
            log(f"catalogue scaling: validate with analysis, {copies}x with their own rules")
            analysed[copies] = min((child(ANALYSIS_AT_SCALE, str(root))
                                    for _ in range(sizes.scale_repeats)), key=lambda f: f["seconds"])
            log(f"catalogue scaling: validate with analysis, {copies}x copied")
            copied[copies] = min((child(ANALYSIS_AT_SCALE, str(Path(tmp) / f"x{copies}"))
                                  for _ in range(sizes.scale_repeats)), key=lambda f: f["seconds"])

    def exponent(a: int, b: int) -> float:
        return math.log(seconds[b] / seconds[a]) / math.log(b / a)

    # judged on CPU time (forked workers included): wall time also counts a shared machine
    analysis_exponent = (math.log(analysed[middle]["cpu_seconds"] / analysed[small]["cpu_seconds"])
                         / math.log(middle / small))
    copied_exponent = (math.log(copied[middle]["cpu_seconds"] / copied[small]["cpu_seconds"])
                       / math.log(middle / small))
    figures["catalogue_scaling"] = {"seconds": seconds, "counts": counts, "plans": plans,
                                    "analysis_own_rules": analysed, "analysis_copied": copied}
    figures.setdefault("ratios", {}).update(analysis_exponent=analysis_exponent,
                                            analysis_exponent_copied=copied_exponent,
                                            load_validate_exponent=exponent(middle, large))
    mib = 1024 * 1024
    rows = [
        Row(f"catalogue load + validate, {k}x ({'/'.join(map(str, counts[k]))} "
            "services/variants/rules)", f"{seconds[k] * 1e3:,.0f} ms",
            "< 2 s" if k == large else "", seconds[k] < 2 if k == large else None)
        for k in sizes.scales
    ]
    rows += [
        Row(f"  plans at {k}x (1 in {2 * sizes.corpus_step} requests of its first and last copies' "
            "services, durable-rules)",
            f"{plans[k]['requests']:,} plans, {plans[k]['requests'] / plans[k]['seconds']:,.0f}/s",
            "no crash", True)
        for k in sizes.scales
    ]
    own = analysed[middle]
    return [
        *rows,
        Row(f"  growth exponent {middle}x -> {large}x", f"{exponent(middle, large):.2f}", "<= 1.1",
            exponent(middle, large) <= 1.1),
        Row(f"  growth exponent {small}x -> {large}x", f"{exponent(small, large):.2f}"),
        Row(f"validate with analysis, {small}x (no cache)",
            f"{analysed[small]['seconds']:.2f} s ({analysed[small]['cpu_seconds']:.2f} s CPU)"),
        Row(f"validate with analysis, {middle}x, services with their own rules "
            f"({own['rules']} rules)", f"{own['seconds']:.2f} s ({own['cpu_seconds']:.2f} s CPU)",
            "< 5 s", own["seconds"] < 5),
        Row(f"  growth exponent {small}x -> {middle}x (CPU time)", f"{analysis_exponent:.2f}",
            "<= 1.1", analysis_exponent <= 1.1),
        Row(f"  peak RSS at {middle}x (main process)", f"{own['peak_rss'] / mib:,.0f} MiB", "< 500 MB",
            own["peak_rss"] < 500e6),
        Row(f"validate with analysis, {middle}x copied ({copied[middle]['rules']} rules; those "
            "naming no service apply to every copy's)",
            f"{copied[middle]['seconds']:.2f} s ({copied[middle]['cpu_seconds']:.2f} s CPU; "
            f"{small}x: {copied[small]['cpu_seconds']:.2f} s CPU)"),
        Row(f"  growth exponent {small}x -> {middle}x, copied (CPU time)", f"{copied_exponent:.2f}",
            "<= 1.1", copied_exponent <= 1.1),
    ]


# --- 5. batch ----------------------------------------------------------------------------------


def batch(sizes: Sizes, figures: dict[str, Any]) -> list[Row]:
    """`collab batch` with 1 and 2 jobs as whole processes, in interleaved pairs (the order
    within a pair alternating), so that a change in the machine's load hits both alike."""
    collab = str(BIN / "collab")
    n = sizes.batch_requests
    runs: dict[int, list[tuple[float, float]]] = {1: [], 2: []}  # (wall s, CPU s of the tree)
    with tempfile.TemporaryDirectory(prefix="collab-bench-") as tmp:
        requests, plans = Path(tmp) / "requests.jsonl", Path(tmp) / "plans.jsonl"
        wall_time([collab, "generate", "--count", str(n), "-o", str(requests)])

        def run(jobs: int) -> tuple[float, float]:
            return run_timed([collab, "batch", str(requests), "-o", str(plans), "--jobs", str(jobs)])

        run(1)  # once untimed: page cache, bytecode
        for pair in range(sizes.batch_repeats):
            log(f"batch: {n} requests, pair {pair + 1} of {sizes.batch_repeats}")
            for jobs in (1, 2) if pair % 2 == 0 else (2, 1):
                runs[jobs].append(run(jobs))
    # per pair: the wall-clock speed-up, and the CPU-normalised one (requests per CPU second
    # with 2 jobs over that with 1, times 2: the speed-up two otherwise idle cores would give)
    wall_ratios = [one[0] / two[0] for one, two in zip(runs[1], runs[2], strict=True)]
    cpu_ratios = [2 * one[1] / two[1] for one, two in zip(runs[1], runs[2], strict=True)]
    efficiency, wall_efficiency = statistics.median(cpu_ratios), statistics.median(wall_ratios)
    rate = {jobs: statistics.median(n / wall for wall, _ in found) for jobs, found in runs.items()}
    per_cpu = {jobs: statistics.median(n / cpu for _, cpu in found) for jobs, found in runs.items()}
    busy = {jobs: statistics.median(cpu / wall for wall, cpu in found) for jobs, found in runs.items()}
    figures["batch"] = {"requests": n, "pairs": sizes.batch_repeats, "runs": runs,
                        "per_second": rate, "per_cpu_second": per_cpu, "cores_busy": busy,
                        "efficiency_cpu_normalised": cpu_ratios, "efficiency_wall": wall_ratios,
                        "cores": os.cpu_count()}
    figures.setdefault("ratios", {}).update(batch_efficiency_2_jobs=efficiency,
                                            batch_wall_efficiency_2_jobs=wall_efficiency)
    return [
        Row(f"batch, {n:,} requests, 1 job (whole process, median of {sizes.batch_repeats} runs)",
            f"{rate[1]:,.0f} requests/s, {per_cpu[1]:,.0f} per CPU second ({busy[1]:.2f} cores busy)"),
        Row("batch, 2 jobs (each run paired with a 1-job run)",
            f"{rate[2]:,.0f} requests/s, {per_cpu[2]:,.0f} per CPU second ({busy[2]:.2f} cores busy)",
            ">= 10,000/s", rate[2] >= 10_000),
        Row("  efficiency, CPU-normalised (2 x requests per CPU second, 2 jobs / 1 job; median of pairs)",
            f"{efficiency:.2f}", ">= 1.85", efficiency >= 1.85),
        Row("  efficiency, wall clock (rate 2 jobs / rate 1 job; median of pairs; the machine's load "
            "counts)", f"{wall_efficiency:.2f}"),
    ]


# --- 6. memory -----------------------------------------------------------------------------------


def rss_bytes() -> int:
    try:
        import psutil
    except ImportError:  # Linux without psutil
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    return int(psutil.Process().memory_info().rss)


def peak_rss_bytes() -> int:
    """The process's highest RSS so far: VmHWM on Linux, where ru_maxrss would report the
    parent's RSS at fork if that was higher (it survives exec)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere


def memory_child(*marks: int) -> None:
    """In its own process: evaluate the corpus round and round; RSS before evaluating and
    after each of ``marks`` evaluations (each after a gc.collect), the engine's table of
    answers then, and the peak (also before evaluating: generating the corpus). Prints JSON."""
    catalogue = load_catalogue()
    compiled = compiled_catalogue(catalogue)
    requests = corpus_requests(catalogue, 1)
    gc.collect()
    readings = {0: rss_bytes()}
    remembered = {0: 0}
    peak_before = peak_rss_bytes()
    memo = rules_host()._memo  # read only: how full the bounded table is
    for done, request in enumerate(itertools.islice(itertools.cycle(requests), max(marks)), start=1):
        evaluate(compiled, request)
        if done in marks:
            gc.collect()
            readings[done] = rss_bytes()
            remembered[done] = len(memo)
    peak = max(peak_rss_bytes(), *readings.values())  # the high-water mark can lag the RSS read
    print(json.dumps({"corpus": len(requests), "rss": readings, "memo_entries": remembered,
                      "memo_size": MEMO_SIZE, "peak_before": peak_before, "peak": peak}))


def memory(sizes: Sizes, figures: dict[str, Any]) -> list[Row]:
    marks = sizes.memory_marks
    log(f"memory: {marks[-1]:,} evaluations in a child process")
    done = subprocess.run([sys.executable, __file__, "--memory-child", *map(str, marks)],
                          cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise MeasureError(f"the memory child exited {done.returncode}: {done.stderr[-500:]}")
    found = json.loads(done.stdout)
    rss = {int(k): v for k, v in found["rss"].items()}
    entries = {int(k): v for k, v in found["memo_entries"].items()}
    warm = next((m for m in marks[:-1] if m >= found["corpus"]), marks[0])  # once round the corpus
    growth, growth_all = rss[marks[-1]] / rss[warm] - 1, rss[marks[-1]] / rss[marks[0]] - 1
    figures["memory"] = {**found, "evaluations": marks, "growth_after_warm_up": growth,
                         "growth": growth_all}
    mib = 1024 * 1024
    return [
        Row("RSS with the corpus parsed, before evaluating", f"{rss[0] / mib:.1f} MiB"),
        *(Row(f"RSS after {mark:,} evaluations", f"{rss[mark] / mib:.1f} MiB "
              f"(table of answers: {entries[mark]:,} of at most {found['memo_size']:,})")
          for mark in marks),
        Row(f"  growth {warm:,} -> {marks[-1]:,} (after one pass over the {found['corpus']:,} corpus "
            "requests)", f"{growth * 100:+.1f} %", "<= 2 %", growth <= 0.02),
        Row(f"  growth {marks[0]:,} -> {marks[-1]:,} (the table filling up)", f"{growth_all * 100:+.1f} %"),
        Row("peak RSS of that process", f"{found['peak'] / mib:.1f} MiB"),
    ]


# --- the table -----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
                 platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    memory_kib = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")), 0) if Path("/proc/meminfo").exists() else 0

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {"cores": os.cpu_count(), "cpu": model, "memory_gib": round(memory_kib / 1024 ** 2, 1),
            "python": platform.python_version(), "system": platform.platform(),
            "durable-rules": version("durable-rules"), "zen-engine": version("zen-engine")}


def load_average() -> list[float]:
    """The machine's load average (1, 5, 15 minutes): other sessions share its cores."""
    return [round(x, 2) for x in os.getloadavg()]


def table(rows: list[Row]) -> str:
    cells = [("measure", "figure", "target", "met?")] + [
        (r.measure, r.figure, r.target, "" if r.met is None else "yes" if r.met else "NO") for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


MEASURES = [plan_evaluation, activation, cold_start, catalogue_scaling, batch, memory]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: only shows that every measure runs")
    parser.add_argument("--quick", action="store_true",
                        help="every measure in under 5 minutes: a smaller batch and catalogue scaling")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here as JSON")
    parser.add_argument("--only", nargs="+", metavar="MEASURE", choices=[m.__name__ for m in MEASURES],
                        help="take only these measures (to rerun a noisy one): "
                        + ", ".join(m.__name__ for m in MEASURES))
    parser.add_argument("--memory-child", type=int, nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child)
        return 0

    sizes = SMOKE if args.smoke else QUICK if args.quick else FULL
    figures: dict[str, Any] = {"machine": machine(), "smoke": args.smoke, "quick": args.quick,
                               "sizes": asdict(sizes), "load_before": load_average()}
    rows: list[Row] = []
    failed = []
    started = time.perf_counter()
    for measure in MEASURES:
        if args.only and measure.__name__ not in args.only:
            continue
        load, began = load_average(), time.strftime("%H:%M:%S", time.gmtime())
        try:
            rows += measure(sizes, figures)
        except MeasureError as error:
            failed.append(f"{measure.__name__}: {error}")
            rows.append(Row(measure.__name__.replace("_", " "), "FAILED (see below)"))
        figures.setdefault("load", {})[measure.__name__] = {"utc": began, "before": load,
                                                             "after": load_average()}
        rows.append(Row(f"  (load average before and after {measure.__name__}, from {began} UTC)",
                        f"{load[0]:.2f} -> {load_average()[0]:.2f}"))
    figures["rows"] = [asdict(row) for row in rows]
    figures["seconds"] = time.perf_counter() - started
    figures["load_after"] = load_average()

    info = figures["machine"]
    print(f"collab benchmarks{' (smoke: tiny sizes, figures mean nothing)' if args.smoke else ''}: "
          f"{info['cores']} cores, {info['cpu']}, {info['memory_gib']} GiB, Python {info['python']}, "
          f"durable-rules {info['durable-rules']}, zen-engine {info['zen-engine']}")
    print(table(rows))
    met = [r.met for r in rows if r.met is not None]
    print(f"{sum(met)} of {len(met)} targets met; {figures['seconds']:.0f} s; load average "
          f"{figures['load_before']} before, {figures['load_after']} after")
    for failure in failed:
        print(f"FAILED {failure}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
