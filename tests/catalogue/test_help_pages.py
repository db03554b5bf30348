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

ROOT = Path(__file__).resolve().parents[2]
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
