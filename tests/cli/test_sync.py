"""`collab sync`: a product owner's edit brings its generated files (docs/catalogue, schemas)
up to date with one command, in the catalogue where the user stands; every --check names it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from test_locate import copy_catalogue

import cli


@pytest.fixture(autouse=True)
def no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLAB_CACHE_DIR", "")


def collab(*args: str | Path) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


@pytest.fixture
def edited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A synced copy of the shipped catalogue, then a new Scanner variant written by hand."""
    copy_catalogue(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert collab("sync").exit_code == 0
    scanner = tmp_path / "services" / "scanner.yaml"
    text = scanner.read_text(encoding="utf-8")
    assert "variants:" in text
    scanner.write_text(text.replace("variants:\n", "variants:\n  - id: plus\n    name: Scanner Plus\n"
                                    "    paying: true\n    contains: [scanner]\n"
                                    "    invoice_recipients: [agency]\n    agreement_periods: [12]\n"
                                    "    source: [D2]\n", 1), encoding="utf-8")
    return tmp_path


def test_an_edit_makes_check_fail_naming_the_one_command_that_fixes_it(edited: Path) -> None:
    result = collab("sync", "--check")
    assert result.exit_code == 1, result.output
    assert "docs/catalogue/services.md" in result.stderr
    assert "schemas/rules.schema.json" in result.stderr
    assert "run `collab sync`" in result.stderr
    for command in (("docs", "--check"), ("schema", "--check")):
        assert "run `collab sync`" in collab(*command).stderr


def test_sync_writes_only_what_changed_and_then_check_passes(edited: Path) -> None:
    untouched = edited / "docs" / "catalogue" / "domain.md"
    before = untouched.stat().st_mtime_ns
    result = collab("sync")
    assert result.exit_code == 0, result.output
    assert "wrote docs/catalogue/services.md" in result.output
    assert "domain.md" not in result.output
    assert untouched.stat().st_mtime_ns == before
    assert "Scanner Plus" in (edited / "docs" / "catalogue" / "services.md").read_text(encoding="utf-8")
    assert collab("sync", "--check").exit_code == 0


def test_schema_judges_the_catalogue_where_the_user_stands(edited: Path) -> None:
    """It used to write the shipped catalogue's schemas whatever folder it ran in."""
    result = collab("schema")
    assert result.stderr.splitlines()[0] == "catalogue: . (the current folder)"
    rules_schema = json.loads((edited / "schemas" / "rules.schema.json").read_text(encoding="utf-8"))
    assert '"plus"' in json.dumps(rules_schema)
