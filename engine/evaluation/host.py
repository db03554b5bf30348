"""The durable-rules host: which rules of a compiled stage match a request's facts.

durable-rules decides which rules match; the catalogue says what a matching rule does. Its C
core, the extension module `durable_rules_engine`, is called directly: its Python wrapper
(durable/engine.py) ran a Python closure per firing, turned the session state and each
message to and from JSON, and started two timer threads per Host that never stop (about 3% of
a core while idle) for timers and queued messages, which nothing here uses. Here a firing
costs one call returning the rule's name (benchmarks/README.md has the profiles). durable-rules
2.0.28 is unmaintained and keeps global state in its C core, so it is used with care (see
../shared/durable-rules.md):

- rulesets are registered once per catalogue content (on first use), then reused; those of
  the KEPT_CATALOGUES catalogues used last are kept, older ones deleted from the C core
  (`delete_ruleset`), so a long-lived process that sees many catalogues (the studio, at each
  save) does not grow without bound (issue 22, item 8);
- each ruleset keeps one session, reused by the evaluations that ask it: an evaluation
  asserts its fact under an id of its own, runs the rules it fires and retracts the fact by
  that id, so no evaluation sees another's facts (a fresh session per evaluation, deleted
  afterwards, cost about 11 us an ask against 8, JSON included: the C core creates and frees
  a session's pools and asserts its state message each time); the sessions of the
  LIVE_SESSIONS rulesets used last stay, older ones are deleted (200-320 KB each);
- calls are serialised with a lock (the C core takes none);
- every rule is anchored on an equality, and a sentinel rule matches every fact: deleting a
  session whose fact no rule matched crashes the process;
- no ruleset exceeds the C core's fixed limits (engine.evaluation.limits splits a partition
  into several rulesets); the session of a ruleset the C core failed on is left undeleted
  (deleting it may abort the process);
- a ruleset the C core fails on is never used again: the partition's rulesets are registered
  anew and asked once more, and a second failure is an internal error (seen once in a million
  plans: error 307, an action's frame the core had itself deleted);
- rules are registered under their index in the partition ("0", "1", ...), so a firing's
  rule is read from the head of its message without decoding the rest.

What the engine answered is remembered per partition and typed projection of exactly the facts
its rules read (a bounded table of fired rule ids; failures are not remembered): a request
whose stage facts were seen before costs a dictionary look-up.

The fact is written as JSON by hand from the partition's keys, encoded once, and its
scalars (json.dumps' own string encoder for text): json.dumps with ensure_ascii=False builds
an encoder per call, and the projection had to be made into a dict first.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import json.encoder
import signal
import threading
from collections import OrderedDict
from typing import Any

from engine.errors import CatalogueError, Diagnostic, EngineError
from engine.evaluation import limits
from engine.evaluation.compile import ANCHOR, CompiledCatalogue, CompiledStage, Partition
from engine.signals import interrupt

_SENTINEL = "s"  # not an index, so it cannot clash with a rule
_ABSENT = object()
_ANCHOR_FIELD = ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in ANCHOR.items())
_encode_text = json.encoder.encode_basestring  # json.dumps' own, with ensure_ascii=False
LIVE_SESSIONS = 64  # rulesets whose session is kept between evaluations (200-320 KB each; the
# shipped catalogue has 34 rulesets)
MEMO_SIZE = 8_192  # answers remembered, the oldest going first: about 1.2 KB each, 10 MB at most (the
# generated corpus of 8,198 requests needs 6,505)
KEPT_CATALOGUES = 8  # catalogues whose rulesets stay registered (as compiled_catalogue's cache)


class _DeferredInterrupts:
    """Ctrl-C during a durable-rules evaluation, raised once it is over.

    A KeyboardInterrupt between two calls into the C core would leave a session behind, so
    while the main thread is inside an evaluation SIGINT only takes note, and the handler it
    replaced (which raises KeyboardInterrupt) runs after the session is deleted. Outside,
    Ctrl-C acts as always. It is installed once, and only over Python's own handler or the
    CLI's (engine.signals.interrupt, which notes the Ctrl-C first).
    """

    def __init__(self) -> None:
        self.inside = False
        self.pending = False
        self.raise_interrupt: Any = signal.default_int_handler
        self._main = threading.main_thread().ident
        current = signal.getsignal(signal.SIGINT)
        if threading.current_thread() is threading.main_thread() and \
                current in (signal.default_int_handler, interrupt):
            self.raise_interrupt = current
            signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        if not self.inside:
            self.raise_interrupt(signum, frame)
        self.pending = True

    def deferred(self) -> _DeferredInterrupts:
        """A context: Ctrl-C inside it (main thread only) is raised when it is left."""
        return self

    def __enter__(self) -> None:
        if threading.get_ident() == self._main:
            self.inside = True

    def __exit__(self, *exc: object) -> None:
        if threading.get_ident() != self._main:
            return
        self.inside = False
        if self.pending:
            self.pending = False
            self.raise_interrupt(signal.SIGINT, None)


def _bug(message: str) -> EngineError:
    return EngineError([Diagnostic("<engine>", 0, 0, "ENG001", message,
                                   "this is a bug: please report it")])


def _core() -> Any:
    """durable-rules' C extension, or an error that says how to install it."""
    try:
        import durable_rules_engine  # type: ignore[import-not-found]
    except ImportError as error:
        raise EngineError([Diagnostic(
            "<engine>", 0, 0, "ENG004", f"the rules engine durable-rules cannot be loaded: {error}",
            "it is compiled from C source when installed: with a C compiler and the Python "
            "headers there, reinstall it: CPPFLAGS='-DPyEval_CallObject=PyObject_CallObject' "
            ".venv/bin/pip install --no-cache-dir --force-reinstall durable-rules==2.0.28 "
            "(README.md: set-up)")]) from None
    return durable_rules_engine


def evaluator() -> str:
    """The rules engine and its version, and whether its C extension loads (`--version`)."""
    from importlib import metadata

    try:
        version = metadata.version("durable-rules")
    except metadata.PackageNotFoundError:
        return "durable-rules (not installed: see README.md, set-up)"
    try:
        _core()
    except EngineError as error:
        return f"durable-rules {version} (cannot be loaded: {error.diagnostics[0].message})"
    return f"durable-rules {version}"


Rulesets = tuple[tuple[int, tuple[str, ...]], ...]  # (C core handle, its rules by index)


class _RulesHost:
    """The process's rulesets in durable-rules' C core, their sessions, and what they answered."""

    def __init__(self) -> None:
        self._core = _core()
        self._interrupts = _DeferredInterrupts()
        self._lock = threading.Lock()
        self._rulesets: dict[str, Rulesets] = {}
        # the ruleset names of each catalogue (by digest), the one used last at the end
        self._catalogues: OrderedDict[str, set[str]] = OrderedDict()
        self._keys: dict[str, tuple[str, ...]] = {}  # '"<fact>":' of each partition's read facts
        # each C core handle's kept session (its sid), the one used last at the end
        self._sessions: OrderedDict[int, str] = OrderedDict()
        self._sids = itertools.count(1)
        self._ids = itertools.count(1)  # the facts' ids: an evaluation's own, never reused
        self._memo: dict[tuple[Any, ...], frozenset[str]] = {}
        self.open_facts = 0  # facts asserted and not yet retracted (tests check it is 0)

    def _register(self, partition: Partition) -> Rulesets:
        """One ruleset per group of ``partition``'s rules within the C core's limits; the
        caller holds the lock."""
        registered = []
        try:
            grouped = limits.groups(partition.conditions)
        except ValueError:  # a rule too big for any ruleset: `collab validate` reports it
            raise CatalogueError([found for placed in partition.members
                                  if (found := limits.beyond_limits(placed))]) from None
        for number, group in enumerate(grouped):
            definition: dict[str, Any] = {
                str(index): {"all": [{"m": partition.conditions[rule_id]}]}
                for index, rule_id in enumerate(group)}
            definition[_SENTINEL] = {"all": [{"m": ANCHOR}]}
            try:
                handle = self._core.create_ruleset(f"{partition.ruleset}/{number}",
                                                   json.dumps(definition, ensure_ascii=False))
            except self._core.error as error:
                raise _bug(f"durable-rules refused a ruleset: {error}") from None
            registered.append((handle, tuple(group)))
        self._rulesets[partition.ruleset] = rulesets = tuple(registered)
        self._catalogues.setdefault(partition.owner, set()).add(partition.ruleset)
        self._catalogues.move_to_end(partition.owner)
        while len(self._catalogues) > KEPT_CATALOGUES:
            self._release(self._catalogues.popitem(last=False)[1])
        return rulesets

    def _release(self, names: set[str]) -> None:
        """Delete these rulesets, and their sessions, from the C core, and forget their
        answers; the caller holds the lock. Their sessions hold no fact: each evaluation
        retracts its own."""
        for name in names:
            self._keys.pop(name, None)
            for handle, _ in self._rulesets.pop(name, ()):
                if (sid := self._sessions.pop(handle, None)) is not None:
                    with contextlib.suppress(self._core.error):
                        self._core.delete_state(handle, sid)
                with contextlib.suppress(self._core.error):  # already unusable: nothing to free
                    self._core.delete_ruleset(handle)
        self._memo = {key: found for key, found in self._memo.items() if key[0] not in names}

    @property
    def registered(self) -> int:
        """How many rulesets are registered in the C core (tests check it stays bounded)."""
        return sum(len(rulesets) for rulesets in self._rulesets.values())

    @property
    def live_sessions(self) -> dict[int, str]:
        """The kept sessions: C core handle -> sid (tests check they hold no fact)."""
        return dict(self._sessions)

    def _session(self, handle: int) -> str:
        """A new session for ``handle``, its sid kept; the caller holds the lock. The session
        used longest ago goes beyond LIVE_SESSIONS."""
        sessions = self._sessions
        sessions[handle] = sid = str(next(self._sids))
        if len(sessions) > LIVE_SESSIONS:
            old_handle, old_sid = sessions.popitem(last=False)
            with contextlib.suppress(self._core.error):  # its ruleset failed: nothing to free
                self._core.delete_state(old_handle, old_sid)
        return sid

    def _fired(self, handle: int, rule_ids: tuple[str, ...], body: str) -> list[str]:
        """The rules of one ruleset that the fact ``body`` (its fields, no braces) fires, in
        the ruleset's session, the fact retracted afterwards; the C core's ``error`` if it
        fails. A session whose fact may be left in it is never used again."""
        core = self._core
        sid = self._sessions.get(handle)
        if sid is None:
            sid = self._session(handle)
        else:
            self._sessions.move_to_end(handle)  # used last: kept longest
        head = f'{{"sid":"{sid}","id":"{next(self._ids)}"'
        fired = []
        asserted = False
        try:
            result = core.assert_fact(handle, f"{head},{body}}}")
            if result[0] != 0:  # not handled: the sentinel always is
                raise _bug(f"durable-rules did not handle a request (result {result[0]})")
            asserted = True
            self.open_facts += 1
            state = result[1]
            started = core.start_action_for_state(handle, state)
            message = started[1] if started else None
            while message:
                index = message[2:message.index('"', 2)]  # '{"<index>": ...'
                if index != _SENTINEL:
                    fired.append(rule_ids[int(index)])
                message = core.complete_and_start_action(handle, state)
            retracted = core.retract_fact(handle, f"{head}}}")
            if retracted[0] != 0:
                raise core.error(f"durable-rules did not retract a fact (result {retracted[0]})")
            asserted = False
            self.open_facts -= 1
        except BaseException:
            self._sessions.pop(handle, None)  # given up, not deleted: that may abort
            if asserted:
                self.open_facts -= 1  # left in that session, which no evaluation asks again
            raise
        return fired

    def matching_rules(self, partition: Partition, facts: dict[str, Any],
                       memo: bool = True) -> frozenset[str]:
        """Ids of the rules of ``partition`` whose conditions hold for ``facts`` (flat);
        without ``memo``, durable-rules is asked even if it answered the same before."""
        values = tuple(map(facts.get, partition.read, itertools.repeat(_ABSENT)))
        if memo:
            key = (partition.ruleset, tuple(map(type, values)), values)  # typed: True is not 1
            found = self._memo.get(key)
            if found is not None:
                return found
        with self._lock, self._interrupts:
            found = self._ask(partition, values)
            if memo:
                if len(self._memo) >= MEMO_SIZE:
                    del self._memo[next(iter(self._memo))]
                self._memo[key] = found
        return found

    def _body(self, partition: Partition, values: tuple[Any, ...]) -> str:
        """The fact's JSON fields: the anchor and each fact of ``partition`` the request has.
        durable-rules reads a dotted name in a condition from a nested object or from a key
        with that name alike: the flat facts need no nesting."""
        keys = self._keys.get(partition.ruleset)
        if keys is None:
            keys = self._keys[partition.ruleset] = tuple(
                f"{json.dumps(name, ensure_ascii=False)}:" for name in partition.read)
        parts = [_ANCHOR_FIELD]
        for key, value in zip(keys, values, strict=True):
            if value is _ABSENT:
                continue
            kind = type(value)
            if kind is str:
                parts.append(key + _encode_text(value))
            elif kind is bool:
                parts.append(key + ("true" if value else "false"))
            elif kind is int:
                parts.append(key + int.__repr__(value))
            else:
                parts.append(key + json.dumps(value, ensure_ascii=False))
        return ",".join(parts)

    def _ask(self, partition: Partition, values: tuple[Any, ...]) -> frozenset[str]:
        """Every ruleset of ``partition`` asked about the facts ``values``; the caller holds
        the lock."""
        if partition.owner in self._catalogues:
            self._catalogues.move_to_end(partition.owner)
        body = self._body(partition, values)
        for _ in range(2):
            rulesets = self._rulesets.get(partition.ruleset) or self._register(partition)
            fired: list[str] = []
            try:
                for handle, rule_ids in rulesets:
                    fired += self._fired(handle, rule_ids, body)
                return frozenset(fired)
            except self._core.error as error:  # its handles and sessions are dropped, never
                del self._rulesets[partition.ruleset]  # deleted: that may abort the process
                for handle, _ in rulesets:
                    self._sessions.pop(handle, None)
                failure = error
        raise _bug(f"durable-rules failed on a request, twice, in fresh rulesets: {failure}")

    def prepare(self, partition: Partition) -> None:
        """Register ``partition``'s rulesets now if it has rules and they are not yet."""
        if partition.conditions:
            with self._lock, self._interrupts:
                if partition.ruleset not in self._rulesets:
                    self._register(partition)

    def forget(self) -> None:
        """Empty the table of answers (benchmarks: first-seen requests)."""
        with self._lock:
            self._memo.clear()


_host: _RulesHost | None = None
_host_lock = threading.Lock()


def rules_host() -> _RulesHost:
    global _host
    if _host is not None:  # made once: no lock to read it
        return _host
    with _host_lock:
        if _host is None:
            _host = _RulesHost()
        return _host


def durable_matcher(compiled: CompiledCatalogue, stage: CompiledStage,
                    facts: dict[str, Any]) -> frozenset[str]:
    """The rules engine's answer: which rules of ``stage`` match ``facts``.

    Only the rules that can match the request's operation and service are asked, with only
    the facts they read (engine.evaluation.compile: partitions); a stage without such rules
    is skipped.
    """
    partition = stage.partition(facts["operation"], facts["service.id"])
    if not partition.conditions:
        return frozenset()
    return rules_host().matching_rules(partition, facts)


def durable_matcher_without_memo(compiled: CompiledCatalogue, stage: CompiledStage,
                                 facts: dict[str, Any]) -> frozenset[str]:
    """durable_matcher asking durable-rules every time (benchmarks: first-seen requests)."""
    partition = stage.partition(facts["operation"], facts["service.id"])
    if not partition.conditions:
        return frozenset()
    return rules_host().matching_rules(partition, facts, memo=False)
