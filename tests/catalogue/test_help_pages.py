"""docs/catalogue/help-pages.md: every statement of the help pages and what encodes it.

The table is written by hand; these tests keep it true as the catalogue changes: a rule
renamed or removed, or a field gone, fails here naming the row.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from engine import Catalogue
from engine.tools.cases import load_case, run_case

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "tests" / "scenarios"
TABLE = ROOT / "docs" / "catalogue" / "help-pages.md"
# The help pages: beside the steering repository's clone in development, beside the
# clone in CI (../shared/ is copied there).
SEED_DIRS = [ROOT.parent / "shared" / "seeds", Path("/work/shared/seeds")]


def seeds_dir() -> Path | None:
    return next((d for d in SEED_DIRS if d.is_dir()), None)


def rows() -> list[tuple[int, list[str]]]:
    """(line in help-pages.md, cells) of every row of the statements table."""
    found = []
    for number, line in enumerate(TABLE.read_text(encoding="utf-8").splitlines(), start=1):
        if re.match(r"^\| \d{3} \|", line):
            found.append((number, [cell.strip() for cell in line.strip().strip("|").split("|")]))
    return found


def test_the_table_lists_the_statements() -> None:
    assert len(rows()) >= 103  # the audit of issue 13 counted 103 behavioural statements


def test_every_rule_and_field_named_exists(catalogue: Catalogue) -> None:
    rule_ids = {placed.rule.id for placed in catalogue.rules}
    problems = []
    for number, cells in rows():
        for name in re.findall(r"`([^`]+)`", cells[3]):
            if "#" in name:
                path, field = name.split("#")
                file = ROOT / path
                if not file.is_file() or field not in (yaml.safe_load(file.read_text("utf-8")) or {}):
                    problems.append(f"help-pages.md:{number}: no field {field!r} in {path}")
            elif name not in rule_ids:
                problems.append(f"help-pages.md:{number}: no rule {name!r}")
    assert not problems, "\n".join(problems)


def test_a_statement_no_rule_encodes_says_why() -> None:
    unexplained = [number for number, cells in rows() if not cells[3] and not cells[4]]
    assert not unexplained, f"rows without an encoding or a reason: {unexplained}"


def test_every_line_points_at_text_of_its_page() -> None:
    seeds = seeds_dir()
    if seeds is None:
        pytest.skip("the help pages (../shared/seeds/) are not beside this clone")
    pages = {path.name[:3]: path.read_text(encoding="utf-8").splitlines()
             for path in seeds.glob("*.txt")}
    problems = []
    for number, cells in rows():
        page, line = cells[0], int(cells[1])
        lines = pages.get(page, [])
        if not 0 < line <= len(lines) or not lines[line - 1].strip():
            problems.append(f"help-pages.md:{number}: [{page}] has no text on line {line}")
    assert not problems, "\n".join(problems)


def _rules_named(cells: list[str]) -> set[str]:
    return {name for name in re.findall(r"`([^`]+)`", cells[3]) if "#" not in name}


def test_every_row_encoded_by_a_rule_names_a_case_that_shows_it() -> None:
    missing = [number for number, cells in rows()
               if _rules_named(cells) and not re.findall(r"`([^`]+)`", cells[5])]
    assert not missing, f"help-pages.md rows naming rules but no case (shown by): {missing}"


def test_each_case_named_passes_and_shows_its_row(catalogue: Catalogue) -> None:
    """The case named runs green, and is about the row: it cites the row's page and line, or
    its plan comes from a rule the row names."""
    problems = []
    for number, cells in rows():
        for name in re.findall(r"`([^`]+)`", cells[5]):
            path = SCENARIOS / f"{name}.yaml"
            if not path.is_file():
                problems.append(f"help-pages.md:{number}: no case {name!r}")
                continue
            result = run_case(path, catalogue)
            if result.status != "pass":
                problems.append(f"help-pages.md:{number}: case {name!r} does not pass")
            case, _ = load_case(path)
            cites = any(f"{s.page:03d}" == cells[0] and s.line == int(cells[1]) for s in case.source)
            if not cites and not _rules_named(cells) & set(result.fired):
                problems.append(f"help-pages.md:{number}: case {name!r} neither cites [{cells[0]}] "
                                f"line {cells[1]} nor fires a rule the row names")
    assert not problems, "\n".join(problems)
