"""Static analysis finds contradictions, gaps and dead rules at the right line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine import load_catalogue
from engine.tools.analyse import analyse

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def catalogue_copy(tmp_path: Path) -> Path:
    for folder in ("services", "rules"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def append_rules(root: Path, stage: str, text: str) -> Path:
    path = root / "rules" / "99-extra.yaml"
    path.write_text(f"stage: {stage}\nrules:\n{text}", encoding="utf-8")
    return path


def codes_at(root: Path) -> list[tuple[str, str, int]]:
    return [(d.code, Path(d.file).name, d.line) for d in analyse(load_catalogue(root))]


def test_shipped_catalogue_has_no_errors_or_warnings() -> None:
    findings = analyse(load_catalogue(ROOT))
    assert [d for d in findings if d.severity.value != "note"] == []


def test_contradictory_defaults_are_an_overlap(catalogue_copy: Path) -> None:
    append_rules(catalogue_copy, "defaults", """\
  - id: default-recipient-agency-for-subscribers
    description: Contradicts the D14 default.
    source: [D14]
    when:
      scenario: subscriber
      invoice_recipient: {present: false}
    then:
      set: {invoice_recipient: agency}
""")
    findings = analyse(load_catalogue(catalogue_copy))
    overlap = [d for d in findings if d.code == "ANA001"]
    assert overlap, findings
    assert "default-recipient-agency-for-subscribers" in overlap[0].message
    assert "e.g. activate" in overlap[0].message


def test_approval_contradiction(catalogue_copy: Path) -> None:
    append_rules(catalogue_copy, "decide", """\
  - id: spcs-customer-needs-no-approval
    description: Says the opposite of D15.
    source: [D15]
    when:
      scenario: spcs_customer
    then:
      outcome: ready
""")
    assert ("ANA002", "99-extra.yaml", 3) in codes_at(catalogue_copy)


def test_rejecting_what_a_default_gave(catalogue_copy: Path) -> None:
    append_rules(catalogue_copy, "decide", """\
  - id: reject-customer-paying-subscribers
    description: Rejects what the D14 default decides.
    source: [D14]
    when:
      scenario: subscriber
      invoice_recipient: customer
    then:
      reject: {code: NOT_FOR_YOU, message: No., hint: Do not.}
""")
    findings = [d for d in analyse(load_catalogue(catalogue_copy)) if d.code == "ANA003"]
    assert findings and "default-recipient-subscriber" in findings[0].message


def test_unreachable_and_shadowed_rules(catalogue_copy: Path) -> None:
    append_rules(catalogue_copy, "decide", """\
  - id: end-during-activation
    description: Cannot match - an activation has no ending.
    source: [D27]
    when:
      operation: activate
      ending.service: end
    then:
      warnings: [{code: NEVER, message: never}]
  - id: steps-without-task
    description: Only matches requests that D10 rejects.
    source: [D10]
    when:
      operation: activate
      task.count: 0
    then:
      steps: [{phase: request, actor: agency, text: Never shown.}]
""")
    found = codes_at(catalogue_copy)
    assert ("ANA005", "99-extra.yaml", 3) in found
    assert ("ANA006", "99-extra.yaml", 11) in found


def test_missing_scenario_is_a_gap(catalogue_copy: Path) -> None:
    path = catalogue_copy / "rules" / "10-scenarios.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: scenario-new-customer")
    path.write_text(text[:start], encoding="utf-8")
    findings = [d for d in analyse(load_catalogue(catalogue_copy)) if d.code == "ANA004"]
    assert findings
    assert "new customer" in findings[0].message


def test_accepted_finding_is_not_reported(catalogue_copy: Path) -> None:
    append_rules(catalogue_copy, "decide", """\
  - id: end-during-activation
    description: Cannot match, and says so.
    source: [D27]
    allow: [ANA005]
    when:
      operation: activate
      ending.service: end
    then:
      warnings: [{code: NEVER, message: never}]
""")
    assert not [c for c in codes_at(catalogue_copy) if c[0] == "ANA005"]


def test_committed_catalogue_docs_are_current() -> None:
    from engine.tools.docs import render

    stale = [name for name, text in render(load_catalogue(ROOT)).items()
             if (ROOT / "docs" / "catalogue" / name).read_text(encoding="utf-8") != text]
    assert not stale, f"run `collab docs`: stale {stale}"


def test_flowcharts_draw_alternatives_as_separate_paths_of_rule_nodes() -> None:
    """Upgrade and downgrade are two paths, not one box chained after the other; every node
    holds one rule, labelled with its description and linked to it by id."""
    import re

    from engine.tools.flows import flowchart, operation_flows

    catalogue = load_catalogue(ROOT)
    flows = operation_flows(catalogue)
    leads = {path.lead for path in flows["change_variant"].paths}
    assert {"upgrade-in-advisor", "downgrade-through-support"} <= leads
    scenarios = {path.scenario for path in flows["activate"].paths}
    assert scenarios == {"scenario-subscriber", "scenario-spcs-customer", "scenario-new-customer"}
    for operation, flow in flows.items():
        chart = flowchart(catalogue, flow, lambda rule: f"rules.md#{rule}")
        nodes = re.findall(r'(p\d+r\d+|s\d+)\["(.*?)<br/><i>([a-z0-9-]+)</i>"\]', chart)
        assert nodes, operation
        for name, label, rule_id in nodes:
            assert label.endswith(catalogue.rule(rule_id).rule.description.in_("en").replace('"', "#quot;"))
            assert f'click {name} href "rules.md#{rule_id}"' in chart
        # a rule that starts some path is, on any path showing it, in every plan of it:
        # alternatives are never drawn one after the other
        leads = {path.lead for path in flow.paths}
        for path in flow.paths:
            assert all(path.rules[rule] == path.plans for rule in set(path.rules) & leads)
    assert not [path for path in flows["end"].paths
                if {"end-by-agency", "end-by-customer"} <= set(path.rules)]


def test_committed_schemas_are_current() -> None:
    from engine.render.plan import to_json
    from engine.tools.schema import generate

    stale = [name for name, schema in generate(load_catalogue(ROOT)).items()
             if (ROOT / "schemas" / name).read_text(encoding="utf-8") != to_json(schema)]
    assert not stale, f"run `collab schema`: stale {stale}"
