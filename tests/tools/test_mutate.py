"""`collab test --mutate`: mutants of the rules, run against the scenario cases."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from engine import Catalogue, load_catalogue
from engine.errors import EngineError, Verdict
from engine.evaluation.compile import CompiledCatalogue, CompiledStage, compile_catalogue
from engine.evaluation.evaluate import trace
from engine.evaluation.host import durable_matcher_without_memo
from engine.render.mutate import report_data, report_junit, report_summary, report_text
from engine.tools.cases import case_files, mismatches
from engine.tools.mutants import mutant_catalogue, mutants
from engine.tools.mutate import MutationError, MutationReport, load_cases, mutate

# mutation runs (every mutant of the rules against the cases), 17 s in all; .ci/run also runs
# `collab test --mutate --fail-under 100`
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "tests" / "scenarios"


@pytest.fixture(scope="module")
def report(catalogue: Catalogue) -> MutationReport:
    return mutate(catalogue, case_files([SCENARIOS]))


def ci_fail_under() -> float:
    """The `--fail-under` CI gives `collab test --mutate` (.ci/run)."""
    found = re.search(r"collab test --mutate --fail-under ([0-9.]+)",
                      (ROOT / ".ci" / "run").read_text(encoding="utf-8"))
    assert found, ".ci/run runs no `collab test --mutate --fail-under`"
    return float(found[1])


def test_the_shipped_cases_reach_the_score_ci_demands(report: MutationReport) -> None:
    assert report.score >= ci_fail_under(), report_text(report)
    assert report.count("killed") > 900
    # each kind of change is made, and a redundant condition is told apart from a gap
    assert {r.mutant.code for r in report.results} == {f"MUT00{n}" for n in range(1, 7)}
    assert report.count("equivalent") > 0


def test_an_equivalent_mutant_is_listed_at_its_line_never_as_deletable(report: MutationReport) -> None:
    """Equivalence is judged on the generated space: said so, and never advice to delete."""
    equivalent = [r for r in report.results if r.status == "equivalent"
                  and r.mutant.code == "MUT002" and "condition" in r.mutant.change]
    assert equivalent
    for result in equivalent:
        assert result.hint.startswith("equivalent over the generated space")
        assert "redundant" not in result.hint and "can go" not in result.hint
        fact = result.mutant.change.split("`")[1].split()[0]
        written = Path(result.mutant.file).read_text(encoding="utf-8").splitlines()
        assert fact in written[result.mutant.line - 1], result.mutant


def test_without_a_case_its_mutants_survive_with_a_hint_at_the_changed_line(
        catalogue: Catalogue, report: MutationReport) -> None:
    left_out = SCENARIOS / "end-pro-customer-continues-needs-support.yaml"
    rest = [p for p in case_files([SCENARIOS]) if p != left_out]
    without = mutate(catalogue, rest)
    killed = {(r.mutant.rule, r.mutant.line, r.mutant.change) for r in report.results
              if r.status == "killed"}
    survivors = [r for r in without.results if r.status == "survived"
                 and (r.mutant.rule, r.mutant.line, r.mutant.change) in killed]
    assert survivors and without.score < report.score
    compiled = compile_catalogue(catalogue)
    (case,) = load_cases([left_out], catalogue, compiled)
    for result in survivors:
        mutant = result.mutant
        # the left-out case is what killed it ...
        plan = trace(compile_catalogue(mutant_catalogue(catalogue, mutant)),
                     case.baseline.request).plan
        assert mismatches(case.expect, plan), mutant
        # ... and the report points at what was changed, with a request that tells them apart
        written = Path(mutant.file).read_text(encoding="utf-8").splitlines()[mutant.line - 1]
        if mutant.code == "MUT001":
            assert f"id: {mutant.rule}" in written
        elif mutant.code == "MUT002" and "condition" in mutant.change:
            assert mutant.change.split("`")[1].split()[0] in written
        assert result.hint.startswith("add a case") and ", e.g. " in result.hint


def test_the_verdicts_are_those_of_durable_rules(catalogue: Catalogue,
                                                  report: MutationReport) -> None:
    """Every 32nd mutant, every case, evaluated in full with durable-rules: the same verdict as
    the run's (which uses the Python matcher and skips requests the change cannot affect)."""
    compiled = compile_catalogue(catalogue)
    cases = load_cases(case_files([SCENARIOS]), catalogue, compiled)
    verdicts = {(r.mutant.rule, r.mutant.line, r.mutant.change): r.status == "killed"
                for r in report.results}
    checked = 0
    for mutant in mutants(catalogue)[::32]:
        changed = mutant_catalogue(catalogue, mutant)
        stage = catalogue.rule(mutant.rule).stage
        # only the changed rule's stage gets rulesets of its own: the others are the same
        stages = tuple(CompiledStage(s.stage, changed) if s.stage == stage else s
                       for s in compiled.stages)
        durable = CompiledCatalogue(changed, stages)
        killed = False
        for case in cases:
            try:
                plan = trace(durable, case.baseline.request, durable_matcher_without_memo).plan
            except EngineError:
                killed = True
                break
            if mismatches(case.expect, plan):
                killed = True
                break
        assert killed == verdicts[(mutant.rule, mutant.line, mutant.change)], mutant
        checked += 1
    assert checked > 25


def test_reports(report: MutationReport) -> None:
    data = report_data(report)
    assert {"mutants", "killed", "survived", "equivalent", "score", "survivors"} <= set(data)
    assert data["mutants"] == len(report.results)
    assert data["killed"] + data["survived"] + data["equivalent"] + data["allowed"] == data["mutants"]
    assert data["score"] == round(report.score, 1)
    assert len(data["survivors"]) == report.count("survived")
    assert all({"file", "line", "rule", "code", "change", "hint"} <= set(e)
               for e in data["equivalents"])
    json.dumps(data)
    suite = ET.fromstring(report_junit(report).split("\n", 1)[1])
    assert int(suite.get("tests", "0")) == len(report.results)
    assert len(suite.findall("testcase/skipped")) == report.count("equivalent")
    assert len(suite.findall("testcase/failure")) == report.count("survived")
    text = report_text(report)
    assert "EQUIVALENT" in text and f"Mutation score: {report.score:.1f}%" in text


def test_a_case_failing_on_the_catalogue_as_it_is_stops_the_run(catalogue: Catalogue,
                                                                 tmp_path: Path) -> None:
    case = SCENARIOS / "link-unlinked-collaboration.yaml"
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(case.read_text(encoding="utf-8")
                     .replace("request_file: ../../", f"request_file: {ROOT}/")
                     .replace("outcome: ready", "outcome: rejected"), encoding="utf-8")
    with pytest.raises(MutationError) as raised:
        mutate(catalogue, [wrong])
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.file.endswith("wrong.yaml") and "fails" in diagnostic.message


def test_a_rule_can_allow_a_known_survivor(tmp_path: Path) -> None:
    for folder in ("services", "rules"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    rules = tmp_path / "rules" / "70-linking.yaml"
    rule = "  - id: link-unlinked-collaboration\n"
    text = rules.read_text(encoding="utf-8")
    assert rule in text
    rules.write_text(text.replace(rule, rule + "    allow: [MUT002]  # no case of this suite "
                                  "checks its conditions\n", 1), encoding="utf-8")
    catalogue = load_catalogue(tmp_path)
    report = mutate(catalogue, [SCENARIOS / "change-agreement-period.yaml"])
    allowed = [r for r in report.results if r.status == "allowed"]
    assert allowed and {r.mutant.rule for r in allowed} == {"link-unlinked-collaboration"}
    assert {r.mutant.code for r in allowed} == {"MUT002"}
    assert not any(r.mutant.rule == "link-unlinked-collaboration" and r.mutant.code == "MUT002"
                   for r in report.results if r.status == "survived")
    assert report_data(report)["allowed"] == len(allowed)


def test_a_stale_allow_warns_naming_the_rule(tmp_path: Path) -> None:
    """Issue 21: an accepted finding that no longer occurs warns. The case deletes-kills the
    rule (its MUT001 mutant fails it), so `allow: [MUT001]` accepts nothing and is stale; the
    MUT002 survivors the one case leaves are still accepted, so that `allow:` is not."""
    for folder in ("services", "rules"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    rules = tmp_path / "rules" / "70-linking.yaml"
    rule = "  - id: link-unlinked-collaboration\n"
    text = rules.read_text(encoding="utf-8")
    line = text.splitlines().index(rule.rstrip("\n")) + 1
    rules.write_text(text.replace(rule, rule + "    allow: [MUT001, MUT002]\n", 1), encoding="utf-8")
    case = SCENARIOS / "link-unlinked-collaboration.yaml"
    report = mutate(load_catalogue(tmp_path), [case])
    assert any(r.mutant.rule == "link-unlinked-collaboration" and r.mutant.code == "MUT001"
               and r.status == "killed" for r in report.results)
    assert any(r.mutant.rule == "link-unlinked-collaboration" and r.mutant.code == "MUT002"
               and r.status == "allowed" for r in report.results)
    (stale,) = report.stale_allows
    assert stale.file.endswith("rules/70-linking.yaml") and (stale.line, stale.code) == (line, "MUT007")
    assert report_data(report)["stale_allows"] == [stale.as_dict()]
    assert report.verdict is Verdict.OK  # a warning: the run's verdict stays
    # on stderr whatever the format (.ci/run sends stdout to /dev/null)
    assert (f"rules/70-linking.yaml:{line}:1: [warning] rule 'link-unlinked-collaboration' allows "
            "MUT001, but no MUT001 mutant of it survives any longer (MUT007)") in report_summary(report)


def test_the_shipped_catalogue_has_no_stale_allow(report: MutationReport) -> None:
    assert report.stale_allows == (), [d.render() for d in report.stale_allows]


def test_cli_fails_under_the_score_and_names_the_survivors_in_junit() -> None:
    result = CliRunner().invoke(cli.main, ["test", "--mutate", "--format", "junit",
                                           "--fail-under", "100",
                                           str(SCENARIOS / "change-agreement-period.yaml")])
    assert result.exit_code == 1, result.output
    suite = ET.fromstring(result.stdout.split("\n", 1)[1])
    failures = suite.findall("testcase/failure")
    assert failures and all(f.text and f.text.startswith("add a case") for f in failures)
    assert "mutation score" in result.stderr and "is under 100%" in result.stderr


def test_cli_mutates_only_a_passing_suite(tmp_path: Path) -> None:
    case = SCENARIOS / "link-unlinked-collaboration.yaml"
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(case.read_text(encoding="utf-8")
                     .replace("request_file: ../../", f"request_file: {ROOT}/")
                     .replace("outcome: ready", "outcome: rejected"), encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["test", "--mutate", str(wrong)])
    assert result.exit_code == 1
    assert "FAIL" in result.stdout and "mutant" not in result.stdout
    assert "needs every case passing" in result.stderr


def test_cli_refuses_coverage_and_mutation_at_once() -> None:
    result = CliRunner().invoke(cli.main, ["test", "--mutate", "--coverage"])
    assert result.exit_code == 2 and "--coverage and --mutate" in result.stderr
