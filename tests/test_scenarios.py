"""Scenario tests: each file in tests/scenarios/ is a request and the plan it must give."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import Catalogue
from engine.tools.cases import run_case

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path, catalogue: Catalogue) -> None:
    result = run_case(path, catalogue)
    problems = result.failures + [d.render() for d in result.errors]
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_there_are_scenarios() -> None:
    assert len(SCENARIOS) >= 1
