"""Scenario tests: each file in tests/scenarios/ is a request and the plan it must give, and
names where that plan comes from: the help-page lines it follows (`source:`), or a person's
review naming the README's Decisions entry (`review:`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest
from click.testing import CliRunner

import cli
from engine import Catalogue
from engine.catalogue.types import Operation
from engine.tools.cases import load_case, run_case

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))
# The help pages: beside the steering repository's clone in development, beside the clone in
# CI (../shared/ is copied there); tests that need them skip, saying so, where they are absent.
SEED_DIRS = [ROOT.parent / "shared" / "seeds", Path("/work/shared/seeds")]


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path, catalogue: Catalogue) -> None:
    result = run_case(path, catalogue)
    problems = result.failures + [d.render() for d in result.errors]
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_every_operation_has_a_case(catalogue: Catalogue) -> None:
    """A new operation without a case, or the folder emptied, fails here by name."""
    planned = {result.plan.operation for path in SCENARIOS
               if (result := run_case(path, catalogue)).plan is not None}
    missing = [operation for operation in get_args(Operation) if operation not in planned]
    assert not missing, f"operations no scenario case plans: {missing}"


def _normalised(text: str) -> str:
    """Words separated by one space: the pages use no-break spaces where quotes use spaces."""
    return " ".join(text.split())


def _pages() -> dict[int, list[str]]:
    seeds = next((d for d in SEED_DIRS if d.is_dir()), None)
    if seeds is None:
        pytest.skip("the help pages (../shared/seeds/) are not beside this clone")
    return {int(p.name[:3]): p.read_text(encoding="utf-8").splitlines() for p in seeds.glob("*.txt")}


def test_every_cited_line_exists_and_holds_the_quoted_words() -> None:
    pages, problems = _pages(), []
    for path in SCENARIOS:
        for cited in load_case(path)[0].source:
            lines = pages.get(cited.page)
            if lines is None or not 0 < cited.line <= len(lines):
                problems.append(f"{path.name}: page {cited.page:03d} has no line {cited.line}")
            elif _normalised(cited.quote) not in _normalised(lines[cited.line - 1]):
                problems.append(f"{path.name}: [{cited.page:03d}] line {cited.line} does not hold "
                                f"{cited.quote!r}")
    assert not problems, "\n".join(problems)


def _decisions() -> list[str]:
    """The entries of README's "Decisions the catalogue makes where the help pages are silent"."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Decisions the catalogue makes", 1)[1].split("\n## ", 1)[0]
    return [_normalised(entry) for entry in re.findall(r"^- (.+(?:\n  .+)*)", section, re.M)]


def test_every_review_names_a_readme_decision() -> None:
    """`why: README Decisions: <entry>` names the start of an entry that exists, so that a
    reworded or removed decision shows the cases that leaned on it."""
    entries, problems = _decisions(), []
    for path in SCENARIOS:
        review = load_case(path)[0].review
        if review is None:
            continue
        named = [_normalised(n) for n in re.findall(r"README Decisions: ([^;]+)", review.why)]
        if not named:
            problems.append(f"{path.name}: review.why names no README Decisions entry")
        problems += [f"{path.name}: no README Decisions entry starts {n!r}" for n in named
                     if not any(entry.startswith(n) for entry in entries)]
    assert not problems, "\n".join(problems)


def test_a_case_without_source_or_review_is_unusable(tmp_path: Path) -> None:
    """CASE005, at the case's file and line: its expectation could be whatever was printed."""
    case = tmp_path / "case.yaml"
    case.write_text(f"description: no source\nrequest_file: {SCENARIOS[0].parent.parent.parent}"
                    "/examples/activate-eekonomi-spcs-customer.yaml\nexpect:\n  outcome: rejected\n",
                    encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["test", str(case)])
    assert result.exit_code == 2, result.output
    assert "case.yaml:3:1: [error] the case does not say where its expected plan comes from (CASE005)" \
        in result.output
