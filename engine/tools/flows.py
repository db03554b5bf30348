"""Each operation as a flowchart: one path per scenario or outcome, each rule a node.

The paths come from evaluating the catalogue's generated space of requests (engine.generate,
the same space the analysis scans): requests that get a plan are grouped by the scenario
chosen and the rule of their first step, so alternatives (an upgrade in Advisor, a
downgrade through support) are separate paths, never one box after another. A node reads
as the rule's description; the rule's id is the node's link.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.catalogue import Catalogue, PlacedRule
from engine.compile import compile_catalogue
from engine.docs import conditions
from engine.evaluate import python_matcher, trace
from engine.generate import corpus
from engine.models import Operation, Request, When

OPERATIONS: tuple[str, ...] = Operation.__args__  # type: ignore[attr-defined]
OUTCOMES = {"ready": "ready", "awaits_customer": "waits for the customer's approval",
            "needs_support": "needs Visma support"}


@dataclass
class FlowPath:
    """The plans of one operation that share a scenario and a first step."""

    scenario: str  # the rule that chose the scenario; "" when the operation has none
    lead: str  # the rule of the first step; "" for plans without steps
    plans: int = 0
    rules: Counter[str] = field(default_factory=Counter)  # rule -> plans showing its steps
    outcomes: Counter[str] = field(default_factory=Counter)


@dataclass
class OperationFlow:
    operation: str
    paths: list[FlowPath] = field(default_factory=list)  # in order of first appearance
    checks: Counter[str] = field(default_factory=Counter)  # rejecting rule -> requests


def operation_flows(catalogue: Catalogue) -> dict[str, OperationFlow]:
    """Every operation's paths and checks, from the catalogue's generated space."""
    compiled = compile_catalogue(catalogue)
    flows = {operation: OperationFlow(operation) for operation in OPERATIONS}
    found: dict[tuple[str, str, str], FlowPath] = {}
    for data in corpus(catalogue):
        evaluation = trace(compiled, Request.model_validate(data), python_matcher)
        flow = flows[data["operation"]]
        if evaluation.outcome == "rejected":
            flow.checks.update(p.rule.id for p in evaluation.matched if p.rule.then.reject)
            continue
        plan = evaluation.plan
        scenario = next((d.rule for d in plan.decisions if d.fact == "scenario"), "")
        lead = plan.steps[0].rule if plan.steps else ""
        key = (flow.operation, scenario, lead)
        if key not in found:
            found[key] = FlowPath(scenario, lead)
            flow.paths.append(found[key])
        path = found[key]
        path.plans += 1
        path.rules.update({step.rule for step in plan.steps})
        path.outcomes[plan.outcome] += 1
    return flows


def _label(text: str) -> str:
    """Text safe inside a quoted Mermaid label (no markup of the catalogue's own)."""
    for plain, entity in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "")):
        text = text.replace(plain, entity)
    return text


def _node(placed: PlacedRule, sometimes: bool = False) -> str:
    text = _label(placed.rule.description)
    if sometimes:
        text = "only for some requests: " + text
    return f'"{text}<br/><i>{placed.rule.id}</i>"'


def _without_operation(when: When) -> str:
    shown = When.model_validate({key: value for key, value in when.model_dump(
        by_alias=True, exclude_none=True).items() if key != "operation"})
    return conditions(shown).replace("`", "")


def flowchart(catalogue: Catalogue, flow: OperationFlow, link: Callable[[str], str]) -> str:
    """Mermaid source for one operation; ``link`` turns a rule id into a URL."""
    lines = ["flowchart TD", f'  start(["{flow.operation}"])']
    clicks: list[str] = []

    def rule_node(name: str, rule_id: str, sometimes: bool = False, shape: str = "[]") -> str:
        placed = catalogue.rule(rule_id)
        clicks.append(f'  click {name} href "{link(rule_id)}" "{rule_id}"')
        return f"{name}{shape[0]}{_node(placed, sometimes)}{shape[1]}"

    if flow.checks:
        codes = sorted({catalogue.rule(r).rule.then.reject.code  # type: ignore[union-attr]
                        for r in flow.checks})
        lines.append(f'  start -.->|"any of {len(flow.checks)} checks fails"| '
                     f'rejected(["rejected: {", ".join(codes)}"])')
    scenarios = list(dict.fromkeys(path.scenario for path in flow.paths))
    entry: dict[str, str] = {}  # scenario rule -> the node its paths start from
    if any(scenarios):
        lines.append('  start --> scenario{"which scenario?"}')
        for number, scenario in enumerate(scenarios):
            name = f"s{number}"
            lines.append(f"  {rule_node(name, scenario, shape='[]')}")
            condition = _without_operation(catalogue.rule(scenario).rule.when)
            lines.append(f'  scenario -->|"{_label(condition)}"| {name}')
            entry[scenario] = name
    else:
        entry[""] = "start"
    for number, path in enumerate(flow.paths):
        previous = entry[path.scenario]
        siblings = [p for p in flow.paths if p.scenario == path.scenario]
        ordered = sorted(path.rules, key=lambda rule_id: catalogue.rule(rule_id).order)
        first_phase = {rule_id: _first_phase(catalogue, rule_id) for rule_id in ordered}
        ordered.sort(key=lambda rule_id: first_phase[rule_id])
        edge = " --> "
        if len(siblings) > 1 and path.lead:
            condition = _without_operation(catalogue.rule(path.lead).rule.when)
            edge = f' -->|"{_label(condition)}"| '
        for index, rule_id in enumerate(ordered):
            name = f"p{number}r{index}"
            sometimes = path.rules[rule_id] < path.plans
            lines.append(f"  {previous}{edge}{rule_node(name, rule_id, sometimes)}")
            previous, edge = name, " --> "
        outcomes = " or ".join(OUTCOMES[o] for o in sorted(path.outcomes))
        lines.append(f'  {previous}{edge}o{number}(["{outcomes}"])')
    return "\n".join(lines + clicks) + "\n"


def _first_phase(catalogue: Catalogue, rule_id: str) -> int:
    phases = [phase.id for phase in catalogue.pipeline.phases]
    return min(phases.index(step.phase) for step in catalogue.rule(rule_id).rule.then.steps)
