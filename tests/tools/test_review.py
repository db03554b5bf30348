"""Reviewed plans become cases (`collab test --review`, `--accept`), and surviving mutants
become suggested cases (`collab test --mutate --suggest`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

import cli
from engine.tools.cases import load_case

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "tests" / "scenarios"
CASE = "change-variant-eekonomi-downgrade"


def collab(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli.main, list(args), input=input)


def failing(project: Path) -> list[str]:
    result = collab("test", "--format", "json")
    return [c["file"] for c in yaml.safe_load(result.stdout)["cases"] if c["status"] == "fail"]


def test_review_shows_old_and_new_plan_and_writes_only_what_a_person_accepts(project: Path) -> None:
    before = failing(project)
    assert len(before) >= 2, before  # the downgrade and the sideways change both warn DATA_LOSS
    untouched = {p: p.read_bytes() for p in (project / "tests" / "scenarios").glob("*.yaml")}
    # the first proposal is accepted (name and reason asked), the second skipped, then quit
    result = collab("test", "--review", input="a\nAnna Berg\n[001] L23 as the catalogue now reads it\ns\nq\n")
    assert result.exit_code == 0, result.output
    assert "expected now" in result.output and "plan now (accepting expects this)" in result.output
    assert "*   DATA_LOSS" in result.output and "*   NOT_DESCRIBED" in result.output
    assert "1 accepted, 1 skipped" in result.output
    changed = [p for p, data in untouched.items() if p.read_bytes() != data]
    assert len(changed) == 1
    case, _ = load_case(changed[0])
    assert case.review is not None and case.review.by == "Anna Berg"
    assert case.expect.warnings == ["NOT_DESCRIBED"]
    assert case.source  # the page lines it cited stay
    assert len(failing(project)) == len(before) - 1


def test_quit_writes_nothing(project: Path) -> None:
    untouched = {p: p.read_bytes() for p in (project / "tests" / "scenarios").glob("*.yaml")}
    result = collab("test", "--review", input="q\n")
    assert result.exit_code == 0, result.output
    assert "0 accepted, 0 skipped" in result.output
    assert all(p.read_bytes() == data for p, data in untouched.items())


def test_accept_one_case_with_by_and_why(project: Path) -> None:
    result = collab("test", "--accept", CASE, "--by", "Anna Berg", "--why", "README Decisions: x")
    assert result.exit_code == 0, result.output
    case, _ = load_case(project / "tests" / "scenarios" / f"{CASE}.yaml")
    assert case.review is not None and case.review.why == "README Decisions: x"
    assert f"tests/scenarios/{CASE}.yaml" not in " ".join(failing(project))


def test_accept_asks_who_and_why_when_not_given(project: Path) -> None:
    result = collab("test", "--accept", CASE, input="Anna Berg\nthe page says so\n")
    assert result.exit_code == 0, result.output
    case, _ = load_case(project / "tests" / "scenarios" / f"{CASE}.yaml")
    assert case.review is not None and case.review.by == "Anna Berg"


def test_accept_of_a_case_without_a_new_plan_is_unusable(project: Path) -> None:
    result = collab("test", "--accept", "link-unlinked-collaboration", "--by", "A", "--why", "B")
    assert result.exit_code == 2 and "CASE006" in result.output


def test_ci_never_accepts(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    untouched = (project / "tests" / "scenarios" / f"{CASE}.yaml").read_bytes()
    result = collab("test", "--accept", CASE, "--by", "A", "--why", "B")
    assert result.exit_code == 2 and "CASE008" in result.output
    assert (project / "tests" / "scenarios" / f"{CASE}.yaml").read_bytes() == untouched


def test_suggestions_show_both_plans_and_can_be_accepted(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """With one case only, mutants of the link rule survive; each is offered a generated
    request with the catalogue's plan beside the mutant's, and accepting it kills them."""
    for folder in ("services", "rules", "schemas"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    cases = tmp_path / "tests" / "scenarios"
    cases.mkdir(parents=True)
    shutil.copy(SCENARIOS / "link-unlinked-collaboration.yaml", cases)
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CI", raising=False)
    gate = collab("test", "--mutate", "--fail-under", "100", "tests/scenarios")
    assert gate.exit_code == 1
    assert "run `collab test --mutate --suggest`" in gate.stderr
    result = collab("test", "--mutate", "--suggest", "tests/scenarios")
    assert "SUGGESTED tests/scenarios/suggested-" in result.stdout
    assert "catalogue (accepting expects this)" in result.stdout and "mutant" in result.stdout
    assert not list(cases.glob("suggested-*.yaml"))  # offered, not written: a person accepts
    name = next(line.split()[1] for line in result.stdout.splitlines()
                if line.startswith("SUGGESTED"))
    accepted = collab("test", "--mutate", "--accept", Path(name).stem, "--by", "Anna Berg",
                      "--why", "README Decisions: reviewed in a test", "tests/scenarios")
    assert accepted.exit_code == 0, accepted.output
    case, _ = load_case(tmp_path / name)
    assert case.request is not None and case.expect.outcome is not None
    assert collab("test", "tests/scenarios").exit_code == 0  # the catalogue's plan, so it passes
    after = collab("test", "--mutate", "tests/scenarios").stdout
    assert after.count("SURVIVED") < result.stdout.count("SURVIVED")
