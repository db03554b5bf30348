"""Static analysis of the rules over the catalogue's whole space.

The universe is the generated corpus (engine/tools/generate.py): every operation, service,
variant, customer kind, payer, period, ending and setting, each with every variation. Each
request is evaluated with the plain-Python matcher and the findings are reported as
diagnostics at the rule's line, each with a concrete example request:

- ANA001 two rules decide the same fact differently on one request (an overlap);
- ANA002 one rule says no approval is needed (outcome ready) and another requires it;
- ANA003 a rule rejects a request because of a value another rule defaulted;
- ANA004 an activation no scenario rule covers, or one no rule decides anything on (a gap);
- ANA005 a rule that matches no request of the space (unreachable);
- ANA006 a rule whose steps never show, because every request it matches is rejected;
- ANA007 a rule reading a fact that no request of the space carries;
- ANA008 a fact that no rule reads (a note);
- ANA009 an `allow:` whose finding no longer occurs (stale: the note beside it misleads).
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from engine.catalogue.catalogue import Catalogue, PlacedRule
from engine.catalogue.facts import FACTS, SETTING_PREFIX
from engine.catalogue.language import PLACEHOLDER
from engine.catalogue.messages import PIPELINE_FILE
from engine.catalogue.rule import FromFact, Rule, Then, When
from engine.errors import DecisionConflictError, Diagnostic, Severity, display_path
from engine.evaluation.compile import (
    CompiledCatalogue,
    CompiledStage,
    compile_catalogue,
    named_values,
)
from engine.evaluation.evaluate import Evaluation, Matcher, trace
from engine.evaluation.operators import Predicate, facts_read
from engine.processes import can_fork
from engine.request.model import Request
from engine.tools.generate import corpus


def summarise(data: dict[str, Any]) -> str:
    """A generated request in one line, naming what varies between requests of the space, e.g.
    `activate lon_smart/start, subscriber of standard, payer agency, period 12`."""
    customer, service = data["customer"], data["service"]
    subscribed = [s for s in customer.get("subscriptions", []) if s["service"] == service]
    kind = (f"subscriber of {subscribed[0]['variant']}"
            + "".join(f" {label} {subscribed[0][key]}" for key, label in
                      (("agreement_period", "period"), ("addons", "with")) if subscribed[0].get(key))
            if subscribed
            else "Spcs customer" if customer["spcs_customer"] else "new customer")
    parts = [f"{data['operation']} {service}/{data.get('variant', '-')}", kind]
    agency = data["agency"]
    for collaboration in customer.get("collaborations", []):
        words = [f"collaboration in {collaboration['service']}/{collaboration.get('variant') or '-'}"]
        words += [f"{label} {collaboration[key]}" for key, label in
                  (("invoice_recipient", "payer"), ("agreement_period", "period")) if key in collaboration]
        if collaboration["agency"] != agency["id"]:
            words.append("with another agency")
        if collaboration.get("linked") is False:
            words.append("unlinked")
        parts.append(" ".join(words))
    tasks = {task["id"]: task for task in agency.get("tasks", [])}
    if not tasks:
        parts.append("no task")
    elif "task" not in data:
        parts.append("no task named")
    elif not any(tasks.get(data["task"], {}).get(key) for key in ("responsible", "participants")):
        parts.append("nobody on the task")
    parts += [f"software {s['id']}" + (f" {s['version']}" if s.get("version") else "")
              for s in agency.get("software", [])]
    parts += [words for key, words in (("in_advisor", "not in Advisor"), ("main_contact", "no main contact"),
                                       ("mina_tjanster_main_contact", "no Mina tjänster main contact"))
              if not customer.get(key, key == "in_advisor")]
    parts += [f"{words} {customer[key]}" for key, words in
              (("mina_tjanster_account", "Mina tjänster account"), ("login_email", "login email"),
               ("used_services", "used before"), ("contact_details", "contact details"))
              if customer.get(key) not in (None, [])]
    for key, label in (("invoice_recipient", "payer"), ("agreement_period", "period")):
        if key in data:
            parts.append(f"{label} {data[key]}")
    parts += [f"{name} {value}" for name, value in sorted(data.get("settings", {}).items())]
    if "ending" in data:
        parts.append(f"ending by {data['ending']['by']}, service {data['ending']['service']}")
    return ", ".join(parts)


def _rule_reads(placed: PlacedRule) -> set[str]:
    rule = placed.rule
    names = facts_read(rule.when)
    names |= {v.from_ for v in rule.then.set.values() if isinstance(v, FromFact)}
    texts = ([s.text for s in rule.then.steps] + [w.message for w in rule.then.warnings]
             + list(rule.then.notes))
    if rule.then.reject:
        texts += [rule.then.reject.message, rule.then.reject.hint]
    for text in texts:
        for _, words in text.each():
            names |= set(PLACEHOLDER.findall(words))
    return names


Key = tuple[str, ...]
# a finding: the corpus index of its example (the first wins), rule id, code, message, hint
Finding = tuple[int, str, str, str, str, Severity]


@dataclass
class PathTally:
    """The plans of one operation with the same scenario and the same rules giving steps
    (the flowcharts group these into paths)."""

    first: int  # the corpus index of its first request: paths are drawn in corpus order
    plans: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    def merge(self, other: PathTally) -> None:
        self.first = min(self.first, other.first)
        self.plans += other.plans
        self.outcomes += other.outcomes


# operation, the rule that chose the scenario ("" if none), the rules giving steps (sorted)
PathKey = tuple[str, str, tuple[str, ...]]


@dataclass
class _Scan:
    """What evaluating (a share of) the corpus found."""

    matched: Counter[str] = field(default_factory=Counter)
    visible: Counter[str] = field(default_factory=Counter)
    facts_seen: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (op, service)
    by_operation: dict[str, set[str]] = field(default_factory=dict)  # rules matched per operation
    findings: dict[Key, Finding] = field(default_factory=dict)
    paths: dict[PathKey, PathTally] = field(default_factory=dict)
    checks: dict[str, Counter[str]] = field(default_factory=dict)  # operation -> rejecting rules

    def merge(self, other: _Scan) -> None:
        self.matched += other.matched
        self.visible += other.visible
        for where, names in other.facts_seen.items():
            self.facts_seen.setdefault(where, set()).update(names)
        for operation, rule_ids in other.by_operation.items():
            self.by_operation.setdefault(operation, set()).update(rule_ids)
        for key, finding in other.findings.items():
            if key not in self.findings or finding[0] < self.findings[key][0]:
                self.findings[key] = finding
        for path, tally in other.paths.items():
            if path in self.paths:
                self.paths[path].merge(tally)
            else:
                self.paths[path] = tally
        for operation, rejecting in other.checks.items():
            self.checks.setdefault(operation, Counter()).update(rejecting)


PARALLEL_FROM = 2000  # requests; below that, starting processes costs more than it saves
KEPT_REQUESTS = 20_000  # a larger space is generated by each share, never held (issue 22, 7)


def distinct_matcher() -> Matcher:
    """python_matcher, testing each distinct condition of a partition once: rules copied for
    many services (a catalogue grown by copying its services) share their conditions, and
    the scan's work per request would otherwise grow with the number of copies."""
    partitions: dict[str, tuple[tuple[Predicate, tuple[str, ...]], ...] | None] = {}

    def match(compiled: CompiledCatalogue, stage: CompiledStage,
              facts: dict[str, Any]) -> set[str]:
        partition = stage.partition(facts["operation"], facts["service.id"])
        if partition.ruleset not in partitions:  # the rules by their durable-rules condition
            by_condition: dict[str, tuple[Predicate, list[str]]] = {}
            for rule_id, check in partition.predicates:
                condition = json.dumps(partition.conditions[rule_id], sort_keys=True)
                by_condition.setdefault(condition, (check, []))[1].append(rule_id)
            partitions[partition.ruleset] = (  # None: no two alike, each rule tested
                None if len(by_condition) == len(partition.predicates) else
                tuple((check, tuple(rule_ids)) for check, rule_ids in by_condition.values()))
        tests = partitions[partition.ruleset]
        if tests is None:
            return {rule_id for rule_id, check in partition.predicates if check(facts)}
        return {rule_id for check, rule_ids in tests if check(facts) for rule_id in rule_ids}

    return match


def _scan(compiled: CompiledCatalogue, requests: list[dict[str, Any]] | None, share: int,
          shares: int) -> _Scan:
    """Evaluate every ``shares``-th request from ``share`` on and check each evaluation;
    ``requests`` None: the space is too large to keep, and is generated here as it goes."""
    catalogue = compiled.catalogue
    scan = _Scan()
    index = share
    matcher = distinct_matcher()

    def find(key: Key, placed: PlacedRule, code: str, message: str, hint: str,
             example: dict[str, Any], severity: Severity = Severity.ERROR) -> None:
        if key not in scan.findings:
            message += f" (e.g. {summarise(example)})"
            scan.findings[key] = (index, placed.rule.id, code, message, hint, severity)

    chosen: Iterable[tuple[int, dict[str, Any]]] = (
        zip(itertools.count(share, shares), itertools.islice(corpus(catalogue), share, None, shares))
        if requests is None else ((i, requests[i]) for i in range(share, len(requests), shares)))
    for index, data in chosen:
        # generated from the catalogue itself, so valid by construction (tests/evaluation/test_operators.py
        # checks a slice against every request check)
        request = Request.model_validate(data)
        try:
            evaluation = trace(compiled, request, matcher)
        except DecisionConflictError as conflict:
            first, second = conflict.rules
            find(("ANA001", f"{first} {second} {conflict.fact}"), catalogue.rule(first), "ANA001",
                 conflict.diagnostics[0].message, "make their conditions exclude each other", data)
            continue
        matched, outcome = evaluation.matched, evaluation.outcome
        _check_evaluation(catalogue, evaluation, data, find)
        for placed in matched:
            scan.matched[placed.rule.id] += 1
            if outcome != "rejected" or not placed.rule.then.steps:
                scan.visible[placed.rule.id] += 1
        scan.by_operation.setdefault(data["operation"], set()).update(
            placed.rule.id for placed in matched)
        seen = scan.facts_seen.setdefault((data["operation"], data["service"]), set())
        for stage in evaluation.stages:
            seen.update(stage.facts)
        _tally_path(scan, index, data["operation"], evaluation)
    return scan


def _tally_path(scan: _Scan, index: int, operation: str, evaluation: Evaluation) -> None:
    """Count the evaluation in its flowchart path, or its rejecting rules in the checks."""
    matched = evaluation.matched
    if evaluation.outcome == "rejected":
        scan.checks.setdefault(operation, Counter()).update(
            placed.rule.id for placed in matched if placed.rule.then.reject)
        return
    scenario = next((d.rule for d in evaluation.decisions if d.fact == "scenario"), "")
    key = (operation, scenario,
           tuple(sorted(placed.rule.id for placed in matched if placed.rule.then.steps)))
    tally = scan.paths.setdefault(key, PathTally(index))
    tally.plans += 1
    tally.outcomes[evaluation.outcome] += 1


_work: tuple[CompiledCatalogue, list[dict[str, Any]] | None] | None = None  # inherited by workers


def _scan_share(share: int, shares: int) -> _Scan:
    assert _work is not None
    return _scan(*_work, share, shares)


def _scan_corpus(compiled: CompiledCatalogue) -> _Scan:
    """The whole corpus scanned, on every core where processes can be forked (engine.processes).

    Forked workers inherit the compiled catalogue and the requests, and send back only what
    they found; merging keeps each finding's first example in corpus order, so the result is
    the same as a scan in one process. A space over KEPT_REQUESTS (a 100x catalogue: 611,700
    requests, 13 GB when held) is not held: each share generates it and takes its own.
    """
    global _work
    space = list(itertools.islice(corpus(compiled.catalogue), KEPT_REQUESTS + 1))
    requests = space if len(space) <= KEPT_REQUESTS else None
    del space
    jobs = min(os.cpu_count() or 1, 4)
    if jobs < 2 or (requests is not None and len(requests) < PARALLEL_FROM) or not can_fork():
        return _scan(compiled, requests, 0, 1)
    _work = (compiled, requests)
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            shares = pool.starmap(_scan_share, [(share, jobs) for share in range(jobs)])
    finally:
        _work = None
    total = _Scan()
    for scan in shares:
        total.merge(scan)
    return total


def flow_paths(catalogue: Catalogue) -> tuple[dict[PathKey, PathTally], dict[str, Counter[str]]]:
    """The plans of the catalogue's space grouped into paths, and each operation's checks."""
    scan = _scan_corpus(compile_catalogue(catalogue))
    return scan.paths, scan.checks


def rules_by_operation(catalogue: Catalogue) -> dict[str, set[str]]:
    """The rules that match some request of each operation in the catalogue's space."""
    return _scan_corpus(compile_catalogue(catalogue)).by_operation


def analyse(catalogue: Catalogue) -> list[Diagnostic]:
    compiled = compile_catalogue(catalogue)
    scan = _scan_corpus(compiled)
    by_id = {placed.rule.id: placed for placed in catalogue.rules}
    by_id[PIPELINE_RULE] = _pipeline_rule(catalogue)
    findings: dict[Key, tuple[PlacedRule, str, str, str, Severity]] = {
        key: (by_id[rule_id], code, message, hint, severity)
        for key, (_, rule_id, code, message, hint, severity) in scan.findings.items()
    }

    def find(key: Key, placed: PlacedRule, code: str, message: str, hint: str,
             severity: Severity) -> None:
        findings.setdefault(key, (placed, code, message, hint, severity))

    read_somewhere: set[str] = set()
    # the facts requests carry, by operation and service and by operation alone: each rule
    # looks up those of the operations and services it names (as may_match reads them)
    seen: dict[str, dict[str, set[str]]] = {}
    for (operation, service), names in scan.facts_seen.items():
        seen.setdefault(operation, {})[service] = names
    any_service = {operation: set().union(*by_service.values())
                   for operation, by_service in seen.items()}
    consistent = not findings  # reachability is only meaningful once overlaps and gaps are fixed
    for placed in catalogue.rules if consistent else ():
        rule_id = placed.rule.id
        operations = [o for o in named_values(placed.rule.when, "operation") if o in seen] \
            if named_values(placed.rule.when, "operation") != (None,) else list(seen)
        services = named_values(placed.rule.when, "service.id")
        carried: set[str] = set()
        for operation in operations:
            carried |= any_service[str(operation)] if services == (None,) else set().union(
                *(seen[str(operation)].get(str(s), set()) for s in services))
        unseen = sorted(name for name in facts_read(placed.rule.when) if name not in carried)
        if unseen:
            find(("ANA007", rule_id), placed, "ANA007",
                 f"rule '{rule_id}' reads {', '.join(unseen)}, which no request it could "
                 "match carries (for its operations and services)",
                 "check the fact against the operation: `collab facts` says when each is given",
                 Severity.WARNING)
        if scan.matched[rule_id] == 0:
            find(("ANA005", rule_id), placed, "ANA005",
                 f"rule '{rule_id}' matches no request of the catalogue's space",
                 "its conditions cannot all hold at once with the catalogue's values; fix or "
                 "remove it", Severity.WARNING)
        elif scan.visible[rule_id] == 0:
            find(("ANA006", rule_id), placed, "ANA006",
                 f"the steps of rule '{rule_id}' never show: every request it matches is rejected",
                 "narrow the rejection, or widen this rule", Severity.WARNING)
    diagnostics = [Diagnostic(p.file, p.line, 1, code, message, hint, severity)
                   for p, code, message, hint, severity in findings.values()
                   if code not in p.rule.allow]
    if consistent:
        diagnostics += _stale_allows(catalogue, {(p.rule.id, code) for p, code, *_ in findings.values()})
    for placed in catalogue.rules:
        read_somewhere |= _rule_reads(placed)
    diagnostics += _unread_facts(catalogue, read_somewhere) + _empty_stages(catalogue)
    return sorted(diagnostics)


def _stale_allows(catalogue: Catalogue, found: set[tuple[str, str]]) -> list[Diagnostic]:
    """ANA009: a rule accepts a finding (``allow: [ANA005]``) that the analysis no longer
    makes for it; MUT codes are judged by `collab test --mutate`, not here."""
    return [Diagnostic(p.file, p.line, 1, "ANA009",
                       f"rule '{p.rule.id}' allows {code}, which no longer occurs for it",
                       f"remove {code} from its `allow:` (and the comment that explains it)",
                       Severity.WARNING)
            for p in catalogue.rules for code in p.rule.allow
            if code.startswith("ANA") and (p.rule.id, code) not in found]


def _empty_stages(catalogue: Catalogue) -> list[Diagnostic]:
    """A stage of the pipeline that no rule file fills (a file deleted, or its `stage:`
    mistyped): the requests still plan, with nothing decided there, so it is a gap."""
    where = display_path(catalogue.root / "rules" / PIPELINE_FILE)
    return [Diagnostic(where, 1, 1, "ANA004",
                       f"stage '{stage.id}' has no rules: nothing decides "
                       f"{_lower_first(stage.description.in_(catalogue.pipeline.default_language))}",
                       f"a rule file with `stage: {stage.id}` is missing (deleted or renamed?); "
                       "restore it, or remove the stage from rules/pipeline.yaml",
                       Severity.ERROR)
            for stage in catalogue.pipeline.stages if not catalogue.stage_rules(stage.id)]


def _lower_first(text: str) -> str:
    return (text[:1].lower() + text[1:]).rstrip(".")


def _check_evaluation(catalogue: Catalogue, evaluation: Evaluation, example: dict[str, Any],
                      find: Any) -> None:
    matched, outcome = evaluation.matched, evaluation.outcome
    operation, service = evaluation.request.operation, evaluation.request.service
    by_id = {p.rule.id: p for p in matched}
    ready = [p for p in matched if p.rule.then.outcome == "ready"]
    waiting = [p for p in matched if p.rule.then.outcome == "awaits_customer"]
    if ready and waiting and outcome != "rejected":
        find(("ANA002", ready[0].rule.id, waiting[0].rule.id), ready[0], "ANA002",
             f"rule '{ready[0].rule.id}' says no approval is needed, but "
             f"'{waiting[0].rule.id}' requires the customer's approval",
             "make their conditions exclude each other", example)
    defaulted = {d.fact: d.rule for d in evaluation.decisions
                 if d.fact != "scenario" and d.rule in by_id}
    for placed in matched:
        if placed.rule.then.reject is None:
            continue
        for fact in sorted(facts_read(placed.rule.when) & set(defaulted)):
            giver = by_id[defaulted[fact]]
            find(("ANA003", placed.rule.id, giver.rule.id), placed, "ANA003",
                 f"rule '{placed.rule.id}' rejects the {fact} that rule '{giver.rule.id}' "
                 "defaulted", f"restrict '{giver.rule.id}' to values '{placed.rule.id}' accepts",
                 example)
    starts = any(o.id == operation and o.starts for o in catalogue.pipeline.operations)
    if starts and "scenario" not in evaluation.facts and outcome != "rejected":
        placed = next(iter(catalogue.stage_rules(catalogue.pipeline.stages[0].id)),
                      _pipeline_rule(catalogue))
        find(("ANA004", operation, service), placed, "ANA004",
             f"no scenario rule covers {operation} of {service}",
             "add a scenario rule for it", example)
    if outcome != "rejected" and not any(p.rule.then.steps for p in matched):
        placed = catalogue.rules[-1] if catalogue.rules else _pipeline_rule(catalogue)
        find(("ANA004", operation, service, "steps"), placed, "ANA004",
             f"no rule decides anything on {operation} of {service}: "
             "the plan has no steps", "add a rule with steps (or a rejection) for it", example)


PIPELINE_RULE = "(pipeline)"


def _pipeline_rule(catalogue: Catalogue) -> PlacedRule:
    """Where a finding goes that no rule can carry (there are none for it): the pipeline."""
    rule = Rule.model_construct(  # no rule: a place for findings no rule can carry
        id=PIPELINE_RULE, description="", source=[], when=When.model_construct(),
        then=Then.model_construct(), allow=[])
    return PlacedRule(rule, catalogue.pipeline.stages[0].id,
                      display_path(catalogue.root / "rules" / PIPELINE_FILE), 1, -1)


def _unread_facts(catalogue: Catalogue, read: set[str]) -> list[Diagnostic]:
    names = list(FACTS) + [SETTING_PREFIX + s for s in sorted(catalogue.setting_ids)]
    unread = [n for n in names if n not in read]
    if not unread:
        return []
    # about the catalogue as a whole: at the pipeline's first line, a place every catalogue
    # has (code scanning cannot show a finding on a folder)
    return [Diagnostic(display_path(catalogue.root / "rules" / PIPELINE_FILE), 1, 1, "ANA008",
                       f"facts no rule reads: {', '.join(unread)}",
                       "nothing to do unless a rule should use them", Severity.NOTE)]

