"""The generated space is the catalogue's whole space, and is derived from the catalogue alone.

Completeness is checked independently of the generator: for every fact a rule reads, every
value the catalogue lets it take (worked out here from the catalogue's files) must show in the
evaluated corpus with every service. And a catalogue missing a service, a variant or a rule
file gets diagnostics, never an internal error.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import cli
from engine import load_catalogue, validate_catalogue
from engine.catalogue.catalogue import Catalogue
from engine.catalogue.facts import FACTS, SETTING_PREFIX
from engine.catalogue.service import Service
from engine.errors import Severity
from engine.evaluation.compile import compile_catalogue
from engine.evaluation.evaluate import python_matcher, trace
from engine.evaluation.operators import facts_read
from engine.request.facts import change_kind
from engine.request.model import Request
from engine.tools.diff import compare
from engine.tools.generate import corpus

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.stem for p in (ROOT / "services").glob("*.yaml"))
RULE_FILES = sorted(p.name for p in (ROOT / "rules").glob("*.yaml"))

Value = str | int | bool


def allowed(catalogue: Catalogue, service: Service, name: str) -> set[Value] | None:
    """Every value fact ``name`` can take for ``service`` under the catalogue; None when the
    catalogue does not bound it (counts, texts) or rules decide it (the scenario)."""
    pipeline, variants = catalogue.pipeline, service.variants
    periods: set[Value] = set(catalogue.periods)
    payers: set[Value] = set(pipeline.payers)
    variant_ids: set[Value] = {v.id for v in variants}
    by_name: dict[str, set[Value]] = {
        "operation": {o.id for o in pipeline.operations},
        "service.id": {service.id},
        "service.customer_can_invite": {service.customer_can_invite},
        "variant.id": variant_ids, "current.variant": variant_ids,
        "subscription.variant": variant_ids,
        "invoice_recipient": payers, "collaboration.invoice_recipient": payers,
        "agreement_period": periods, "collaboration.agreement_period": periods,
        "subscription.agreement_period": periods,
        "ending.by": set(pipeline.endings.by), "ending.service": set(pipeline.endings.service),
        "change": {change_kind(a, b) for a in variants for b in variants},
        "variant.customer_can_pay": {"customer" in v.invoice_recipients for v in variants},
        "variant.recipient_allowed": {p in v.invoice_recipients for v in variants for p in payers},
        "variant.period_allowed": {p in v.agreement_periods for v in variants for p in periods},
        "prerequisites.met": {True, False} if service.prerequisites else {True},
    }
    for prefix in ("variant", "current"):
        for field in ("paying", "continue_alone", "customer_access"):
            by_name[f"{prefix}.{field}"] = {getattr(v, field) for v in variants}
    if name in by_name:
        return by_name[name]
    if name.startswith(SETTING_PREFIX):
        setting = next((s for s in service.settings if SETTING_PREFIX + s.id == name), None)
        return set(setting.values) if setting else None
    if FACTS[name].type is bool and not name.startswith("service."):
        return {True, False}  # a yes-or-no about the request: both must be generated
    return None


def test_every_value_of_every_fact_a_rule_reads_is_generated_with_every_service() -> None:
    catalogue = load_catalogue(ROOT)
    compiled = compile_catalogue(catalogue)
    read = set().union(*(facts_read(p.rule.when) for p in catalogue.rules))
    seen: dict[tuple[str, str], set[Value]] = defaultdict(set)
    scenarios: set[Value] = set()
    for data in corpus(catalogue):
        facts = trace(compiled, Request.model_validate(data), python_matcher).facts
        for name in read:
            if name in facts:
                seen[(data["service"], name)].add(facts[name])
        scenarios.add(facts.get("scenario", ""))
    missing = {}
    for service in catalogue.services.values():
        for name in sorted(read):
            values = allowed(catalogue, service, name)
            if values is not None and values - seen[(service.id, name)]:
                missing[(service.id, name)] = values - seen[(service.id, name)]
    assert missing == {}
    assert {s.id for s in catalogue.pipeline.scenarios} <= scenarios


def test_new_customers_of_every_service_are_generated() -> None:
    catalogue = load_catalogue(ROOT)
    new = {data["service"] for data in corpus(catalogue)
           if not data["customer"]["spcs_customer"] and data["operation"] == "activate"}
    assert new == set(catalogue.services)


def test_making_scanner_free_changes_the_plans_of_its_new_customers(tmp_path: Path) -> None:
    """What `collab diff --generated` reports, on Scanner's share of the space."""
    for folder in ("services", "rules"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    scanner = tmp_path / "services" / "scanner.yaml"
    scanner.write_text(scanner.read_text(encoding="utf-8").replace(
        "paying: true", "paying: false"), encoding="utf-8")
    old, new = load_catalogue(ROOT), load_catalogue(tmp_path)
    from engine.request.lines import NamedRequest

    requests = [NamedRequest(f"#{n}", data) for n, data in enumerate(corpus(new))
                if data["service"] == "scanner"]
    report = compare(old, new, requests, old_name="shipped", new_name="free scanner")
    assert report.changed
    assert all(c.old and c.new and (c.old.outcome, c.new.outcome) == ("awaits_customer", "ready")
               for c in report.changed)


def _copy(into: Path) -> Path:
    for folder in ("services", "rules"):
        shutil.copytree(ROOT / folder, into / folder)
    return into


def _codes(root: Path) -> list[str]:
    """The codes of the errors validate reports for the catalogue at ``root``."""
    _, problems = validate_catalogue(root)
    return [p.code for p in problems if p.severity == Severity.ERROR]


@pytest.mark.parametrize("service", SERVICES)
def test_a_catalogue_without_a_service_gets_diagnostics(service: str, tmp_path: Path) -> None:
    """The examples and cases that name the service are errors at their lines (a catalogue
    whose rules never name it is itself still valid: removing a service is an edit)."""
    root = _copy(tmp_path)
    (root / "services" / f"{service}.yaml").unlink()
    result = CliRunner().invoke(cli.main, [
        "validate", str(root), "--no-analysis", "--requests", str(ROOT / "examples"),
        "--requests", str(ROOT / "tests" / "scenarios")])
    assert result.exit_code == 1, f"without services/{service}.yaml: {result.output}"
    assert f"'{service}'" in result.output and "[error]" in result.output


# What validate says without each rule file: a gap in a stage or an operation (ANA004), or a
# domain fact no rule cites any more (CAT040).
WITHOUT_RULE_FILE = {"pipeline.yaml": "CAT003", "domain.yaml": "CAT003"}


@pytest.mark.parametrize("rule_file", RULE_FILES)
def test_a_catalogue_without_a_rule_file_gets_diagnostics(rule_file: str, tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "rules" / rule_file).unlink()
    if rule_file == "70-linking.yaml":
        # link plans still hold the shared getting-started step, so no analysis can tell;
        # the cases that show linking ([002] L11) do
        result = CliRunner().invoke(cli.main, ["test", "--catalogue", str(root),
                                               str(ROOT / "tests" / "scenarios")])
        assert result.exit_code == 1
        assert "FAIL  " in result.output and "link-unlinked-collaboration.yaml" in result.output
        return
    codes = _codes(root)
    assert WITHOUT_RULE_FILE.get(rule_file, "ANA004") in codes, codes


def test_without_a_stage_s_rules_validate_names_the_stage(tmp_path: Path) -> None:
    """Without rules/20-defaults.yaml every request still plans, with nothing defaulted."""
    root = _copy(tmp_path)
    (root / "rules" / "20-defaults.yaml").unlink()
    _, problems = validate_catalogue(root)
    (found,) = [p for p in problems if p.code == "ANA004"]
    assert found.file.endswith("rules/pipeline.yaml")
    assert "stage 'defaults' has no rules" in found.message
    assert "stage: defaults" in found.hint


def test_a_catalogue_without_a_variant_gets_diagnostics(tmp_path: Path) -> None:
    """Lön Smart without Start: the rules written for Start can no longer match, each a
    warning at its line (ANA005)."""
    root = _copy(tmp_path)
    path = root / "services" / "lon_smart.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["variants"] = [v for v in data["variants"] if v["id"] != "start"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    _, problems = validate_catalogue(root)
    unreachable = {p.message.split("'")[1] for p in problems if p.code == "ANA005"}
    assert "default-recipient-agency-only" in unreachable, [p.render() for p in problems]
