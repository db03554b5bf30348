"""`collab validate --format sarif` as GitHub code scanning reads it (issue 10): the tool
named with its version and address, one rule per code with its meaning and a link to its
documentation, and every finding at a file and line that exist."""

from __future__ import annotations

import json
import shutil
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

import cli
from engine.codes import CODES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLAB_CACHE_DIR", "")


def sarif(catalogue: Path) -> dict[str, Any]:
    result = CliRunner().invoke(cli.main, ["validate", str(catalogue), "--format", "sarif"])
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@pytest.fixture
def broken_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped catalogue with an unknown variant in a rule: an error, plus the notes."""
    for folder in ("services", "rules"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    rules = tmp_path / "rules" / "50-changes.yaml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("      change: upgrade\n", "      change: upgrade\n"
                                  "      variant.id: strat\n", 1),
                     encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def in_github_actions(monkeypatch: pytest.MonkeyPatch) -> str:
    """The variables GitHub Actions sets in a run on a pull request of owner/catalogue."""
    for name, value in (("GITHUB_SERVER_URL", "https://github.com"), ("GITHUB_REPOSITORY", "owner/catalogue"),
                        ("GITHUB_SHA", "0123abc")):
        monkeypatch.setenv(name, value)
    return "https://github.com/owner/catalogue/blob/0123abc/"


@pytest.fixture
def nowhere(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"):
        monkeypatch.delenv(name, raising=False)


def test_the_driver_names_the_tool_its_version_and_address(broken_catalogue: Path,
                                                           in_github_actions: str) -> None:
    (run,) = sarif(Path())["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "collab"
    assert driver["version"] == version("collab-engine")
    assert driver["informationUri"] == in_github_actions


def test_no_address_is_made_up_where_none_is_known(broken_catalogue: Path, nowhere: None) -> None:
    """Outside a GitHub run, and with no [project.urls], SARIF's optional URIs are left out: an
    invented host (`.invalid`) is a link that leads nowhere."""
    (run,) = sarif(Path())["runs"]
    text = json.dumps(run["tool"])
    assert "informationUri" not in text and "helpUri" not in text and ".invalid" not in text


def test_every_code_is_a_rule_with_its_meaning_its_help_and_a_link_to_its_section(
        broken_catalogue: Path, in_github_actions: str) -> None:
    (run,) = sarif(Path())["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == list(CODES)
    page = (ROOT / "docs" / "catalogue" / "error-codes.md").read_text(encoding="utf-8")
    for rule in rules:
        assert rule["shortDescription"]["text"] == CODES[rule["id"]].meaning
        # GitHub's ingestion warns for every rule without `help`
        assert rule["help"]["text"].startswith(CODES[rule["id"]].meaning)
        assert CODES[rule["id"]].example in rule["help"]["markdown"]
        link = urlsplit(rule["helpUri"])
        assert rule["helpUri"].startswith(in_github_actions)
        assert link.path.endswith("/docs/catalogue/error-codes.md")
        # the anchor is on the code's own row of the page
        (row,) = [line for line in page.splitlines() if f'<a id="{link.fragment}"></a>' in line]
        assert row.startswith(f'| <a id="{link.fragment}"></a>{rule["id"]} |')
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def points_at_a_line_that_exists(result: dict[str, Any]) -> tuple[str, int]:
    (location,) = result["locations"]
    uri = location["physicalLocation"]["artifactLocation"]["uri"]
    line = location["physicalLocation"]["region"]["startLine"]
    path = Path(unquote(uri))
    assert path.is_file(), result
    assert 1 <= line <= len(path.read_text(encoding="utf-8").splitlines()), result
    return uri, line


def test_every_finding_points_at_a_file_and_line_that_exist(broken_catalogue: Path) -> None:
    (run,) = sarif(Path())["runs"]
    assert "CAT012" in {result["ruleId"] for result in run["results"]}
    for result in run["results"]:
        points_at_a_line_that_exists(result)


def test_a_finding_about_the_whole_catalogue_points_at_the_pipeline_file(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """ANA008 (facts no rule reads) once pointed at the folder rules/."""
    monkeypatch.chdir(ROOT)
    (run,) = sarif(Path())["runs"]
    (note,) = [result for result in run["results"] if result["ruleId"] == "ANA008"]
    assert note["level"] == "note"
    assert points_at_a_line_that_exists(note) == ("rules/pipeline.yaml", 1)
