"""The impact of a new variant, as a product owner reads it (issue 21): what varies between
requests is in their labels, newly valid requests are one line, and each way plans change is
shown once with its count and one example, in text and as a pull-request comment."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import cli

ROOT = Path(__file__).resolve().parents[2]
PLUS = """  - id: plus
    name: Lön Smart Plus
    paying: true
    contains: [payroll, customer_workspace]
    invoice_recipients: [agency, customer]
    agreement_periods: [12]                  # sold for 12 months only
    customer_access: true
    source: [D4, D12]
"""


def collab(*args: str | Path) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


@pytest.fixture(scope="module")
def with_plus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped catalogue with a new Lön Smart variant sold for 12 months only, and a warning
    renamed (a change to plans that exist)."""
    root = tmp_path_factory.mktemp("plus")
    for folder in ("services", "rules"):
        shutil.copytree(ROOT / folder, root / folder)
    services = root / "services" / "lon_smart.yaml"
    services.write_text(services.read_text(encoding="utf-8") + PLUS, encoding="utf-8")
    rules = root / "rules" / "40-activation.yaml"
    text = rules.read_text(encoding="utf-8")
    assert "- code: NO_CHARGE_UNTIL_RENEWAL" in text
    rules.write_text(text.replace("- code: NO_CHARGE_UNTIL_RENEWAL", "- code: NOTHING_CHARGED_YET"),
                     encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def impact(with_plus: Path) -> dict[str, Result]:
    return {fmt: collab("diff", "--old", ROOT, "--new", with_plus, "--generated", "--format", fmt)
            for fmt in ("text", "json", "markdown")}


def test_newly_valid_requests_are_counted_in_one_line_not_listed(impact: dict[str, Result]) -> None:
    text = impact["text"].stdout
    report = json.loads(impact["json"].stdout)
    assert report["newly_valid"] > 0
    assert f"{report['newly_valid']} request(s) are valid now that the old catalogue refused" in text
    assert "'plus' is not a variant" in text
    assert text.count("plus") < 10, "newly valid requests are not listed one by one"


def test_each_way_plans_change_is_shown_once_with_a_count_and_an_example(impact: dict[str, Result]) -> None:
    report = json.loads(impact["json"].stdout)
    changes = [tuple(group["changes"]) for group in report["groups"]]
    assert ("- warning NO_CHARGE_UNTIL_RENEWAL", "+ warning NOTHING_CHARGED_YET") in changes
    assert len(changes) == len(set(changes))
    assert sum(group["count"] for group in report["groups"]) + report["newly_valid"] == report["changed"]
    text = impact["text"].stdout
    for group in report["groups"]:
        assert f"[{group['count']} request(s)] e.g. {group['requests'][0]}\n" in text


def test_labels_say_what_varies(impact: dict[str, Result]) -> None:
    """A label such as `lon_smart/standard, subscriber` once hid that the customer subscribed to
    plus: the subscription's variant is in the label, and no two requests share one."""
    report = json.loads(impact["json"].stdout)
    names = [request["request"].split(": ", 1)[1] for request in report["requests"]]
    assert len(names) == len(set(names))
    assert any("subscriber of plus" in name for name in names)


def test_the_markdown_comment_gives_the_counts_first_and_folds_the_details(
        impact: dict[str, Result]) -> None:
    report = json.loads(impact["json"].stdout)
    lines = impact["markdown"].stdout.splitlines()
    assert impact["markdown"].exit_code == 1
    assert lines[0] == (f"### collab: {report['changed']} of {report['compared']} request(s) get a "
                        "different plan")
    assert "| requests | what changes | example |" in lines
    assert "<details><summary>Every request whose plan changes</summary>" in lines
