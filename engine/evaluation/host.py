"""The durable-rules host: which rules of a compiled stage match a request's facts.

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
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from engine.errors import Diagnostic, EngineError
from engine.evaluation.compile import ANCHOR, CompiledCatalogue, CompiledStage, Partition
from engine.request.facts import nest

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


