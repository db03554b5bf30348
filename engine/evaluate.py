"""Stage 4: evaluate a request against a compiled catalogue with durable-rules, into a Plan.

durable-rules decides which rules match; the catalogue says what a matching rule does. Stages
run in pipeline order, and what one stage decides (the scenario, defaults) is part of the
facts of the next. durable-rules 2.0.28 is unmaintained and keeps global state in its C core,
so it is used with care (see ../shared/durable-rules.md):

- one Host per process, rulesets registered once per catalogue content (on first use) and
  then reused;
- every evaluation gets a fresh session id and deletes its state afterwards, so no
  evaluation sees another's facts;
- calls are serialised with a lock (the C core takes none);
- exceptions inside actions are swallowed by durable-rules, so the state is checked for them;
- durable-rules' firing order is not guaranteed, so the plan is ordered from the catalogue;
- deleting a session whose fact no rule matched (MessageNotHandledException) crashes the
  process with a segmentation fault (measured here), so every ruleset has a catch-all
  sentinel rule and every fact is handled.
"""

from __future__ import annotations

import copy
import itertools
import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from engine.catalogue import Catalogue, PlacedRule
from engine.compile import ANCHOR, CompiledCatalogue, CompiledStage, Partition
from engine.errors import Diagnostic, EngineError
from engine.facts import nest, request_facts, with_decisions
from engine.models import (
    OUTCOME_PRECEDENCE,
    Decision,
    FromFact,
    Outcome,
    Plan,
    PlanRejection,
    PlanStep,
    PlanWarning,
    Ref,
    Request,
    Scalar,
)

_PLACEHOLDER = re.compile(r"\{([a-z_.]+)\}")
_SENTINEL = "__every_request__"  # not a valid rule id, so it cannot clash with one


class _DeferredInterrupts:
    """Ctrl-C during a durable-rules call, raised once the call is over.

    Raised inside durable-rules' action dispatch, a KeyboardInterrupt is caught there and
    comes out as an ordinary error (a failed plan, and a batch going on). So while the main
    thread is inside a call, SIGINT only takes note, and KeyboardInterrupt is raised after
    the session is deleted. Outside calls Ctrl-C acts as always. The handler is installed
    once, and only over Python's default one.
    """

    def __init__(self) -> None:
        self.inside = False
        self.pending = False
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, frame: object) -> None:
        if not self.inside:
            raise KeyboardInterrupt
        self.pending = True

    @contextmanager
    def deferred(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        self.inside = True
        try:
            yield
        finally:
            self.inside = False
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt


class _RulesHost:
    """The process's one durable-rules Host and the rulesets registered in it."""

    def __init__(self) -> None:
        from durable.engine import Host  # imported late: it starts timer threads

        self._host = Host()
        self._interrupts = _DeferredInterrupts()
        self._lock = threading.Lock()
        self._registered: set[str] = set()
        self._fired: dict[str, list[str]] = {}
        self._sids = itertools.count(1)

    def _action(self, rule_id: str) -> Any:
        def record(closure: Any) -> None:
            self._fired[str(closure.s.sid)].append(rule_id)

        return record

    def _register(self, partition: Partition) -> None:
        """Register ``partition``'s ruleset on first use; the caller holds the lock."""
        definition = {
            rule_id: {"all": [{"m": copy.deepcopy(cond)}], "run": self._action(rule_id)}
            for rule_id, cond in partition.conditions.items()
        }
        definition[_SENTINEL] = {"all": [{"m": dict(ANCHOR)}], "run": self._action(_SENTINEL)}
        self._host.set_rulesets({partition.ruleset: definition})
        self._registered.add(partition.ruleset)

    def matching_rules(self, partition: Partition, facts: dict[str, Any]) -> set[str]:
        """Ids of the rules of ``partition`` whose conditions hold for ``facts`` (nested)."""
        with self._lock, self._interrupts.deferred():
            if partition.ruleset not in self._registered:
                self._register(partition)
            sid = str(next(self._sids))
            self._fired[sid] = []
            try:
                self._host.assert_fact(partition.ruleset, {**facts, "sid": sid, **ANCHOR})
                state = self._host.get_state(partition.ruleset, sid)
                if "exception" in state:
                    raise EngineError([Diagnostic("<engine>", 0, 0, "ENG001",
                                                  f"a rule action failed: {state['exception']}",
                                                  "this is a bug: please report it")])
                return set(self._fired[sid]) - {_SENTINEL}
            finally:
                self._host.delete_state(partition.ruleset, sid)
                del self._fired[sid]


_host: _RulesHost | None = None
_host_lock = threading.Lock()


def _rules_host() -> _RulesHost:
    global _host
    with _host_lock:
        if _host is None:
            _host = _RulesHost()
        return _host


def _fill(text: str, facts: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        found = facts.get(match.group(1))
        if found is None or found == "":
            return "(not given)"
        if isinstance(found, bool):
            return "yes" if found else "no"
        return str(found)

    return _PLACEHOLDER.sub(value, text)


Matcher = Callable[[CompiledCatalogue, CompiledStage, dict[str, Any]], set[str]]


def durable_matcher(compiled: CompiledCatalogue, stage: CompiledStage,
                    facts: dict[str, Any]) -> set[str]:
    """The rules engine's answer: which rules of ``stage`` match ``facts``.

    Only the rules that can match the request's operation and service are asked, with only
    the facts they read (engine.compile: partitions); a stage without such rules is skipped.
    """
    partition = stage.partition(facts["operation"], facts["service.id"])
    if not partition.conditions:
        return set()
    read = {name: value for name, value in facts.items() if name in partition.facts}
    return _rules_host().matching_rules(partition, nest(read))


def python_matcher(compiled: CompiledCatalogue, stage: CompiledStage,
                   facts: dict[str, Any]) -> set[str]:
    """The same answer from engine.match, without durable-rules (analysis, floor)."""
    partition = stage.partition(facts["operation"], facts["service.id"])
    return {rule_id for rule_id, check in partition.predicates if check(facts)}


@dataclass(frozen=True)
class StageTrace:
    """What one stage saw and which of its rules matched."""

    stage: str
    facts: dict[str, Any]
    matched: tuple[PlacedRule, ...]


@dataclass(frozen=True)
class Evaluation:
    """What the rules decided for one request; the Plan is built from it when asked for."""

    catalogue: Catalogue
    request: Request
    facts: dict[str, Any]  # the final facts, with every decision applied
    decisions: tuple[Decision, ...]
    stages: tuple[StageTrace, ...]

    @property
    def matched(self) -> list[PlacedRule]:
        return [placed for stage in self.stages for placed in stage.matched]

    @property
    def outcome(self) -> Outcome:
        matched = self.matched
        outcomes: set[Outcome] = {p.rule.then.outcome for p in matched if p.rule.then.outcome}
        if any(p.rule.then.reject is not None for p in matched):
            outcomes.add("rejected")
        return next((o for o in OUTCOME_PRECEDENCE if o in outcomes), "ready")

    @cached_property
    def plan(self) -> Plan:
        return _plan(self)


def evaluate(compiled: CompiledCatalogue, request: Request,
             match: Matcher = durable_matcher) -> Plan:
    """The plan for ``request``. Pure: the same input always gives the same plan."""
    return trace(compiled, request, match).plan


def trace(compiled: CompiledCatalogue, request: Request,
          match: Matcher = durable_matcher) -> Evaluation:
    """The plan for ``request`` with what each stage saw and matched (for explain, analysis)."""
    catalogue = compiled.catalogue
    decided: dict[str, Scalar] = {}
    decisions: list[Decision] = []
    matched: list[PlacedRule] = []
    stages: list[StageTrace] = []
    base = request_facts(catalogue, request)
    facts = with_decisions(catalogue, request, base, decided)
    for stage in compiled.stages:
        fired = match(compiled, stage, facts)
        stage_matched = [p for p in catalogue.stage_rules(stage.stage) if p.rule.id in fired]
        stages.append(StageTrace(stage.stage, facts, tuple(stage_matched)))
        for placed in stage_matched:
            for fact, value in placed.rule.then.set.items():
                resolved = facts.get(value.from_) if isinstance(value, FromFact) else value
                if resolved is None:
                    continue
                _decide(decided, decisions, fact, resolved, placed)
        matched += stage_matched
        if any(placed.rule.then.set for placed in stage_matched):
            facts = with_decisions(catalogue, request, base, decided)  # the next stage sees the decisions
    return Evaluation(catalogue, request, facts, tuple(decisions), tuple(stages))


def _decide(decided: dict[str, Scalar], decisions: list[Decision], fact: str, value: Scalar,
            placed: PlacedRule) -> None:
    if fact in decided and decided[fact] != value:
        earlier = next(d for d in decisions if d.fact == fact)
        raise EngineError([Diagnostic(placed.file, 0, 0, "ENG002",
                                      f"rules '{earlier.rule}' and '{placed.rule.id}' both decide "
                                      f"{fact}, as {decided[fact]!r} and {value!r}",
                                      "make their conditions exclude each other")])
    decided[fact] = value
    decisions.append(Decision(fact=fact, value=value, rule=placed.rule.id,
                              source=placed.rule.source))


def _plan(evaluation: Evaluation) -> Plan:
    catalogue, request, facts = evaluation.catalogue, evaluation.request, evaluation.facts
    matched = evaluation.matched
    phases = [p.id for p in catalogue.pipeline.phases]
    raw_steps = sorted(
        ((phases.index(step.phase), placed.order, index, placed, step)
         for placed in matched for index, step in enumerate(placed.rule.then.steps)),
        key=lambda item: item[:3],
    )
    rejections = [
        PlanRejection(code=p.rule.then.reject.code, message=_fill(p.rule.then.reject.message, facts),
                      hint=_fill(p.rule.then.reject.hint, facts), rule=p.rule.id, source=p.rule.source)
        for p in matched if p.rule.then.reject is not None
    ]
    warnings = [
        PlanWarning(code=w.code, message=_fill(w.message, facts), rule=p.rule.id,
                    source=p.rule.source)
        for p in matched for w in p.rule.then.warnings
    ]
    steps = [] if rejections else [
        PlanStep(number=number, phase=step.phase, actor=step.actor, text=_fill(step.text, facts),
                 rule=placed.rule.id, source=placed.rule.source)
        for number, (_, _, _, placed, step) in enumerate(raw_steps, start=1)
    ]
    service = catalogue.services[request.service]
    variant_id = facts.get("variant.id")
    scenario_id = facts.get("scenario")
    scenario = next((s for s in catalogue.pipeline.scenarios if s.id == scenario_id), None)
    return Plan(
        operation=request.operation,
        service=Ref(id=service.id, name=service.name),
        variant=Ref(id=variant_id, name=service.variant(variant_id).name) if variant_id else None,
        customer=request.customer.name,
        outcome=evaluation.outcome,
        scenario=Ref(id=scenario.id, name=scenario.name) if scenario else None,
        decisions=list(evaluation.decisions),
        steps=steps,
        warnings=warnings,
        rejections=rejections,
    )
