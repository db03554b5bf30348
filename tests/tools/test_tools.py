"""The tools a product owner uses before merging a rule change: `collab test` (with coverage
and JUnit), `explain`, `diff`, `generate` and `batch`, through the command line."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import cli
from engine import Catalogue, compiled_catalogue, parse_request
from engine.evaluation.evaluate import python_matcher, trace
from engine.plan.model import Plan
from engine.tools.cases import load_case, mismatches
from engine.tools.generate import corpus

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "tests" / "scenarios"
REJECTED_EXAMPLE = ROOT / "examples" / "activate-lon-smart-start-customer-pays.yaml"
# a rule whose warning code is renamed in the "changed" catalogue below
CHANGED_RULE = "subscriber-no-charge-until-renewal"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def copy_catalogue(into: Path) -> Path:
    for folder in ("services", "rules"):
        shutil.copytree(ROOT / folder, into / folder)
    return into


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} has no {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def changed_catalogue(tmp_path: Path) -> Path:
    root = copy_catalogue(tmp_path / "changed")
    edit(root / "rules" / "40-activation.yaml", "- code: NO_CHARGE_UNTIL_RENEWAL",
         "- code: NOTHING_CHARGED_YET")
    return root


# --------------------------------------------------------------------------- collab test


def test_shipped_cases_pass() -> None:
    result = run("test", SCENARIOS)
    assert result.exit_code == 0, result.output
    assert "0 failed, 0 unusable" in result.output


def test_a_broken_rule_fails_with_a_diff(changed_catalogue: Path) -> None:
    result = run("test", SCENARIOS, "--catalogue", changed_catalogue)
    assert result.exit_code == 1
    assert "FAIL  tests/scenarios/activate-eekonomi-subscriber.yaml" in result.output
    assert "warnings (- expected, + actual):" in result.output
    assert "- NO_CHARGE_UNTIL_RENEWAL" in result.output
    assert "+ NOTHING_CHARGED_YET" in result.output


def test_junit_report(changed_catalogue: Path) -> None:
    result = run("test", SCENARIOS, "--catalogue", changed_catalogue, "--format", "junit")
    suite = ET.fromstring(result.output.split("\n", 1)[1])
    cases = suite.findall("testcase")
    assert len(cases) == len(list(SCENARIOS.glob("*.yaml")))
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert int(suite.get("failures", "0")) == len(failed) >= 1
    assert "tests/scenarios/activate-eekonomi-subscriber.yaml" in failed

REVIEWED = "review: {by: a test, why: the test's own case}\n"


def test_steps_include_checks_order_not_completeness(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    example = ROOT / "examples" / "activate-eekonomi-spcs-customer.yaml"
    case.write_text(f"description: subset of steps\nrequest_file: {example}\n{REVIEWED}expect:\n"
                    "  steps_include:\n    - customer: activate-spcs-customer\n", encoding="utf-8")
    assert run("test", case).exit_code == 0
    plan = json.loads(run("plan", example, "--format", "json").output)
    first, last = plan["steps"][0], plan["steps"][-1]
    case.write_text(f"description: reversed\nrequest_file: {example}\n{REVIEWED}expect:\n  steps_include:\n"
                    f"    - {last['actor']}: {last['rule']}\n    - {first['actor']}: {first['rule']}\n",
                    encoding="utf-8")
    result = run("test", case)
    assert result.exit_code == 1, result.output
    assert "steps_include (- expected, + actual)" in result.output


def test_unusable_case_exits_2(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text("description: x\nexpected: {}\n", encoding="utf-8")
    result = run("test", case)
    assert result.exit_code == 2
    assert "CASE001" in result.output
    assert run("test", tmp_path / "none").exit_code == 2


def test_coverage_names_every_rule(catalogue: Catalogue) -> None:
    result = run("test", SCENARIOS, "--coverage", "--format", "json")
    report = json.loads(result.output)["coverage"]
    assert [r["rule"] for r in report["rules"]] == [p.rule.id for p in catalogue.rules]
    unfired = {r["rule"] for r in report["rules"] if r["cases"] == 0}
    # the only rule no request can reach: the shipped variants allow every period (ANA005)
    assert unfired == {"reject-period-not-allowed"}
    assert report["untested_facts"] == []
    assert report["untested_variants"] == []
    assert run("test", SCENARIOS, "--fail-under", "100").exit_code == 1
    assert run("test", SCENARIOS, "--fail-under", "95").exit_code == 0


# --------------------------------------------------------------------------- explain


def test_explain_shows_the_failing_condition() -> None:
    result = run("explain", REJECTED_EXAMPLE)
    assert result.exit_code == 1
    assert "MATCHED  reject-recipient-not-allowed" in result.output
    assert "-> rejects: INVOICE_RECIPIENT_NOT_ALLOWED" in result.output
    # a rule that did not match names its condition and the value it saw
    assert "customer.has_subscription = true: it is false" in result.output


def page_grounded_expectations() -> dict[Path, tuple[Path, Any]]:
    """For each example a scenario case plans: that case and its expectation (which names
    the help-page lines it follows, or a person's review)."""
    found: dict[Path, tuple[Path, Any]] = {}
    for path in sorted(SCENARIOS.glob("*.yaml")):
        case, _ = load_case(path)
        if case.request_file is not None:
            found.setdefault((path.parent / case.request_file).resolve(), (path, case.expect))
    return found


EXPECTED = page_grounded_expectations()


@pytest.mark.parametrize("example", sorted(EXPECTED), ids=lambda p: p.stem)
def test_explain_shows_the_plan_the_pages_expect(example: Path) -> None:
    """What explain shows as the plan is what the page-grounded case expects of it; and each
    rule it lists as matched is one whose every condition it shows as passed."""
    case, expect = EXPECTED[example]
    data = json.loads(run("explain", example, "--format", "json").output)
    plan = Plan.model_validate(data["plan"])
    assert not mismatches(expect, plan), (case.name, mismatches(expect, plan))
    for stage in data["stages"]:
        for rule in stage["rules"]:
            all_passed = all(c["passed"] for c in rule["conditions"])
            assert rule["matched"] == all_passed, rule  # durable-rules and the conditions agree


# --------------------------------------------------------------------------- diff


def _fired_by(catalogue: Catalogue, rule_id: str) -> set[int]:
    """The generated requests whose plan shows what ``rule_id`` adds (a rejected plan shows
    its reasons only)."""
    compiled = compiled_catalogue(catalogue)
    fired = set()
    for n, data in enumerate(corpus(catalogue), start=1):
        evaluation = trace(compiled, parse_request(data, catalogue), python_matcher)
        if evaluation.outcome != "rejected" and rule_id in {p.rule.id for p in evaluation.matched}:
            fired.add(n)
    return fired


def test_diff_lists_exactly_the_affected_requests(catalogue: Catalogue,
                                                  changed_catalogue: Path) -> None:
    result = run("diff", "--old", ROOT, "--new", changed_catalogue, "--generated",
                 "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    changed = {int(r["request"].split("#")[1].split(":")[0]) for r in report["requests"]}
    assert changed == _fired_by(catalogue, CHANGED_RULE)
    (group,) = report["groups"]  # every request changes in the same way: one group
    assert group["changes"] == ["- warning NO_CHARGE_UNTIL_RENEWAL", "+ warning NOTHING_CHARGED_YET"]
    assert group["count"] == len(changed)


def test_diff_of_a_copy_is_empty_and_of_an_edited_copy_is_not(tmp_path: Path) -> None:
    copy = copy_catalogue(tmp_path / "copy")
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    result = run("diff", "--old", copy, "--new", ROOT, ROOT / "examples")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"0 of {len(examples)} request(s)")
    edit(copy / "rules" / "40-activation.yaml", "- code: NO_CHARGE_UNTIL_RENEWAL",
         "- code: NOTHING_CHARGED_YET")
    changed = run("diff", "--old", ROOT, "--new", copy, ROOT / "examples")
    assert changed.exit_code == 1, changed.output
    assert "+ warning NOTHING_CHARGED_YET" in changed.output


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_diff_against_a_git_revision(tmp_path: Path) -> None:
    root = copy_catalogue(tmp_path / "repo")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "catalogue"], check=True)
    edit(root / "rules" / "40-activation.yaml", "- code: NO_CHARGE_UNTIL_RENEWAL",
         "- code: NOTHING_CHARGED_YET")
    example = ROOT / "examples" / "activate-eekonomi-subscriber.yaml"
    result = run("diff", "--old", "HEAD", "--new", root, example)
    assert result.exit_code == 1, result.output
    assert re.search(r"\[1 request\(s\)\] e\.g\. \S*activate-eekonomi-subscriber\.yaml\n"
                     r"    - warning NO_CHARGE_UNTIL_RENEWAL\n    \+ warning NOTHING_CHARGED_YET\n",
                     result.output)
    missing = run("diff", "--old", "no-such-revision", "--new", root, example)
    assert missing.exit_code == 2
    assert "GIT001" in missing.output


# --------------------------------------------------------------------------- generate, batch


def test_generate_is_deterministic_and_distinct(catalogue: Catalogue) -> None:
    size = sum(1 for _ in corpus(catalogue))
    first = run("generate", "--count", str(size + 5)).stdout
    assert first == run("generate", "--count", str(size + 5)).stdout
    lines = first.splitlines()
    assert len(lines) == len(set(lines)) == size + 5


def test_batch_plans_every_line_and_never_stops(tmp_path: Path) -> None:
    requests = tmp_path / "requests.jsonl"
    good = run("generate", "--count", "600").stdout
    requests.write_bytes(good.encode() + b'{"not json\n\n\xff\n{"operation": "activate"}\n')
    one = run("batch", requests, "--jobs", "1")
    two = run("batch", requests, "--jobs", "2", "-o", tmp_path / "plans.jsonl")
    assert one.exit_code == two.exit_code == 1  # some lines are not valid requests
    lines = [line for line in one.stdout.splitlines() if line.startswith("{")]
    assert (tmp_path / "plans.jsonl").read_text(encoding="utf-8").splitlines() == lines
    assert len(lines) == 603  # the blank line is skipped
    results = [json.loads(line) for line in lines]
    assert all("plan" in r for r in results[:600])
    assert [r["error"][0]["code"] for r in results[600:]] == ["JSON001", "IO005", "REQ001"]
    assert [r["request"].rsplit(":", 1)[1] for r in results[600:]] == ["601", "603", "604"]
    assert "603 request(s)" in one.stderr and "invalid 3" in one.stderr


def test_batch_missing_input_exits_2(tmp_path: Path) -> None:
    result = run("batch", tmp_path / "none.jsonl")
    assert result.exit_code == 2
    assert "none.jsonl" in result.output



def test_steps_absent_fails_on_a_step_the_plan_holds(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    example = ROOT / "examples" / "activate-eekonomi-spcs-customer.yaml"
    case.write_text(f"description: absent\nrequest_file: {example}\n{REVIEWED}expect:\n"
                    "  steps_absent:\n    - customer: end-by-customer\n", encoding="utf-8")
    assert run("test", case).exit_code == 0
    case.write_text(f"description: present\nrequest_file: {example}\n{REVIEWED}expect:\n"
                    "  steps_absent:\n    - customer: activate-spcs-customer\n", encoding="utf-8")
    result = run("test", case)
    assert result.exit_code == 1, result.output
    assert "steps_absent (the plan holds these)" in result.output
    assert "+ customer: activate-spcs-customer" in result.output
