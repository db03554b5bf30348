"""Each operation as a flowchart: one path per scenario or outcome, each rule a node.

The paths come from the analysis' scan of the catalogue's generated space of requests
(engine.tools.analyse): requests that get a plan are grouped by the scenario chosen and the
rule of their first step, so alternatives (an upgrade in Advisor, a downgrade through
support) are separate paths, never one box after another. A node reads as the rule's
description; the rule's id is the node's link.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.catalogue.catalogue import Catalogue, PlacedRule
from engine.catalogue.rule import When
from engine.catalogue.types import Operation
from engine.tools.analyse import flow_paths
from engine.tools.wording import when_words, word

OPERATIONS: tuple[str, ...] = Operation.__args__  # type: ignore[attr-defined]


@dataclass
class FlowPath:
    """The plans of one operation that share a scenario and the rules that start paths."""

    scenario: str  # the rule that chose the scenario; "" when the operation has none
    lead: str  # the rule of the first step; "" for plans without steps
    first: int  # the corpus index of its first request
    plans: int = 0
    rules: Counter[str] = field(default_factory=Counter)  # rule -> plans showing its steps
    outcomes: Counter[str] = field(default_factory=Counter)


@dataclass
class OperationFlow:
    operation: str
    paths: list[FlowPath] = field(default_factory=list)  # in corpus order
    checks: Counter[str] = field(default_factory=Counter)  # rejecting rule -> requests


def operation_flows(catalogue: Catalogue) -> dict[str, OperationFlow]:
    """Every operation's paths and checks, from the catalogue's generated space.

    A rule that gives some plan its first step starts a path; plans are grouped by their
    scenario and the path-starting rules they show, so that two such rules in one plan (a
    move to Smart, then the ending by the customer) make one path, and alternatives
    (ending by the agency or by the customer) make two.
    """
    tallies, checks = flow_paths(catalogue)
    leads = {_lead(catalogue, rules) for _, _, rules in tallies}
    grouped: dict[tuple[str, str, tuple[str, ...]], FlowPath] = {}
    for (operation, scenario, rules), tally in sorted(tallies.items(),
                                                      key=lambda item: item[1].first):
        key = (operation, scenario, tuple(rule for rule in rules if rule in leads))
        if key not in grouped:
            grouped[key] = FlowPath(scenario, _lead(catalogue, rules), tally.first)
        path = grouped[key]
        path.plans += tally.plans
        path.rules.update(dict.fromkeys(rules, tally.plans))
        path.outcomes += tally.outcomes
    flows = {operation: OperationFlow(operation, checks=checks.get(operation, Counter()))
             for operation in OPERATIONS}
    for (operation, _, _), path in sorted(grouped.items(), key=lambda item: item[1].first):
        flows[operation].paths.append(path)
    return flows


def _lead(catalogue: Catalogue, rules: tuple[str, ...]) -> str:
    """The rule giving the first step of a plan whose steps come from ``rules``."""
    return min(rules, key=lambda rule: (_first_phase(catalogue, rule), catalogue.rule(rule).order),
               default="")


def _label(text: str) -> str:
    """Text safe inside a quoted Mermaid label: no markup of the catalogue's own, and no
    Mermaid directive (`%%{init: ...}%%` anywhere in the source restyles the chart, and its
    CSS can fetch a URL), so `%`, `{` and `}` are written as entity codes too."""
    for plain, entity in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", ""),
                          ("%", "#37;"), ("{", "#123;"), ("}", "#125;")):
        text = text.replace(plain, entity)
    return text


def _node(catalogue: Catalogue, placed: PlacedRule, lang: str, sometimes: bool = False) -> str:
    text = _label(placed.rule.description.in_(lang))  # "": the first language the text has
    if sometimes:
        text = word(catalogue, lang, "only_some", text=text)
    return f'"{word(catalogue, lang, "flow_node", text=text, rule=placed.rule.id)}"'


def _without_operation(catalogue: Catalogue, when: When, lang: str) -> list[str]:
    """The conditions of ``when`` but the operation's, each in ``lang``'s words."""
    shown = When.model_validate({key: value for key, value in when.model_dump(
        by_alias=True, exclude_none=True).items() if key != "operation"})
    always = word(catalogue, lang, "always")
    return [part for part in when_words(catalogue, lang, shown).replace("`", "").split(
        word(catalogue, lang, "and_list")) if part != always]


def flowchart(catalogue: Catalogue, flow: OperationFlow, link: Callable[[str], str],
              lang: str = "") -> str:
    """Mermaid source for one operation, the rules' descriptions in ``lang``; ``link`` turns a
    rule id into a URL."""
    def w(key: str, **fields: object) -> str:
        return word(catalogue, lang, key, **fields)

    start = w("flow_start", operation=flow.operation, word=w(flow.operation))
    lines = ["flowchart TD", f'  start(["{start}"])']
    clicks: list[str] = []

    def rule_node(name: str, rule_id: str, sometimes: bool = False, shape: str = "[]") -> str:
        placed = catalogue.rule(rule_id)
        clicks.append(f'  click {name} href "{link(rule_id)}" "{rule_id}"')
        return f"{name}{shape[0]}{_node(catalogue, placed, lang, sometimes)}{shape[1]}"

    if flow.checks:
        codes = sorted({catalogue.rule(r).rule.then.reject.code  # type: ignore[union-attr]
                        for r in flow.checks})
        lines.append(f'  start -.->|"{w("any_check_fails", count=len(flow.checks))}"| '
                     f'rejected(["{w("rejected_codes", codes=", ".join(codes))}"])')
    scenarios = list(dict.fromkeys(path.scenario for path in flow.paths))
    entry: dict[str, str] = {}  # scenario rule -> the node its paths start from
    if any(scenarios):
        lines.append(f'  start --> scenario{{"{w("which_scenario")}"}}')
        for number, scenario in enumerate(scenarios):
            name = f"s{number}"
            lines.append(f"  {rule_node(name, scenario, shape='[]')}")
            condition = w("and_list").join(
                _without_operation(catalogue, catalogue.rule(scenario).rule.when, lang))
            lines.append(f'  scenario -->|"{_label(condition or w("always"))}"| {name}')
            entry[scenario] = name
    else:
        entry[""] = "start"
    leads = {path.lead for path in flow.paths}
    for number, path in enumerate(flow.paths):
        previous = entry[path.scenario]
        siblings = [p for p in flow.paths if p.scenario == path.scenario]
        ordered = sorted(path.rules, key=lambda rule_id: catalogue.rule(rule_id).order)
        first_phase = {rule_id: _first_phase(catalogue, rule_id) for rule_id in ordered}
        ordered.sort(key=lambda rule_id: first_phase[rule_id])
        edge = " --> "
        if len(siblings) > 1 and path.lead:
            # what sets this path apart: the conditions of the path-starting rules on it
            starting = [rule_id for rule_id in ordered if rule_id in leads]
            parts = [part for rule_id in starting
                     for part in _without_operation(catalogue, catalogue.rule(rule_id).rule.when,
                                                    lang)]
            condition = w("and_list").join(dict.fromkeys(parts))
            edge = f' -->|"{_label(condition)}"| '
        for index, rule_id in enumerate(ordered):
            name = f"p{number}r{index}"
            sometimes = path.rules[rule_id] < path.plans
            lines.append(f"  {previous}{edge}{rule_node(name, rule_id, sometimes)}")
            previous, edge = name, " --> "
        outcomes = w("or").join(w(f"flow_{o}") for o in sorted(path.outcomes))
        lines.append(f'  {previous}{edge}o{number}(["{outcomes}"])')
    return "\n".join(lines + clicks) + "\n"


def _first_phase(catalogue: Catalogue, rule_id: str) -> int:
    phases = [phase.id for phase in catalogue.pipeline.phases]
    return min(phases.index(step.phase) for step in catalogue.rule(rule_id).rule.then.steps)
