"""`collab diff --review` (issue 21, "reviewed plans become cases"): each way plans change from
the old catalogue to the new is shown once, both plans side by side, and written as a case only
when a person accepts it with who and why; never in CI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import cli
from engine.tools.cases import load_case

ROOT = Path(__file__).resolve().parents[2]


def collab(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli.main, list(args), input=input)


def cases(project: Path) -> set[str]:
    return {p.name for p in (project / "tests" / "scenarios").glob("*.yaml")}


def test_a_changed_plan_is_a_case_once_a_person_accepts_it(project: Path) -> None:
    before = cases(project)
    result = collab("diff", "--old", str(ROOT), "examples", "--review",
                    input="a\nAnna Berg\n[001] L23 as the catalogue now reads it\n")
    assert result.exit_code == 0, result.output
    assert "before (the old catalogue)" in result.output
    assert "after (accepting expects this)" in result.output
    assert "*   DATA_LOSS" in result.output and "*   NOT_DESCRIBED" in result.output
    assert result.output.count("CHANGED PLAN") == 1  # one way plans change: shown once
    assert "1 accepted, 0 skipped" in result.output
    new = cases(project) - before
    assert len(new) == 1
    written = project / "tests" / "scenarios" / new.pop()
    case, _ = load_case(written)
    assert case.review is not None and case.review.by == "Anna Berg"
    assert case.expect.warnings == ["NOT_DESCRIBED"]
    assert collab("test", str(written)).exit_code == 0  # it passes on the catalogue it was accepted on


def test_skip_and_quit_write_nothing(project: Path) -> None:
    before = {p: p.read_bytes() for p in (project / "tests" / "scenarios").glob("*.yaml")}
    for answer in ("s\n", "q\n"):
        result = collab("diff", "--old", str(ROOT), "examples", "--review", input=answer)
        assert result.exit_code == 0, result.output
        assert "0 accepted" in result.output
    assert {p: p.read_bytes() for p in (project / "tests" / "scenarios").glob("*.yaml")} == before


def test_no_reason_no_case(project: Path) -> None:
    before = cases(project)
    result = collab("diff", "--old", str(ROOT), "examples", "--review", "--by", "Anna", "--why", " ",
                    input="a\n")
    assert result.exit_code == 2 and "CASE007" in result.output
    assert cases(project) == before


def test_ci_never_accepts_from_a_diff(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    before = cases(project)
    result = collab("diff", "--old", str(ROOT), "examples", "--review", "--by", "A", "--why", "B",
                    input="a\n")
    assert result.exit_code == 2 and "CASE008" in result.output
    assert cases(project) == before


def test_by_and_why_need_review(project: Path) -> None:
    result = collab("diff", "--old", str(ROOT), "examples", "--by", "A")
    assert result.exit_code == 2 and "--review" in result.output
