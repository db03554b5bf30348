"""The studio's Mutants page (issue 21, "survivors become suggestions"): the mutation test run
from the page, each survivor offered with a request that tells it from the catalogue, and a
suggestion written as a case only when a person accepts it with who and why; a stale one and
one without a reason are refused, and nothing is written without the studio's token."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

pytest.importorskip("starlette", reason="the studio extra is not installed: pip install -e '.[studio]'")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

import cli
from engine.studio.app import create_app
from engine.studio.guard import TOKEN_HEADER
from engine.studio.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, TestClient, Any]]:
    """The studio over a copy of the catalogue and its cases, and the page's first run."""
    root = tmp_path_factory.mktemp("mutants")
    for folder in ("services", "rules", "examples", "tests/scenarios"):
        shutil.copytree(ROOT / folder, root / folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("COLLAB_CACHE_DIR", "")
        workspace = Workspace(root, watch=False)
        workspace.refresh_now()
        app = create_app(workspace)
        client = TestClient(app, base_url="http://127.0.0.1:8765", raise_server_exceptions=False,
                            headers={TOKEN_HEADER: app.state.guard.token})
        run = client.post("/api/mutants/run", json={})
        assert run.status_code == 200, run.text
        yield root, client, run.json()


def cases(root: Path) -> set[str]:
    return {p.name for p in (root / "tests" / "scenarios").glob("*.yaml")}


def test_the_page_runs_the_mutation_test_the_cli_runs(studio: tuple[Path, TestClient, Any]) -> None:
    _, client, run = studio
    assert client.get("/mutants").status_code == 200
    assert 'href="/mutants"' in client.get("/plan").text  # in the studio's menu
    # the same counts as `collab test --mutate` on the same catalogue and cases
    printed = CliRunner().invoke(cli.main, ["test", "--mutate", "--format", "json"])
    assert printed.exit_code == 0, printed.output
    summary = yaml.safe_load(printed.stdout)
    assert (run["killed"], run["survived"], run["score"]) == \
        (summary["killed"], summary["survived"], summary["score"])
    assert run["score"] == pytest.approx(100 * run["killed"] / (run["killed"] + run["survived"]), abs=0.05)
    # every survivor with a request is offered; each names the changes it tells apart, and
    # shows the two plans side by side with what differs highlighted
    if run["survived"]:
        assert run["suggestions"]
    named = [m for s in run["suggestions"] for m in s["mutants"]]
    assert len(named) <= run["survived"]
    for suggestion in run["suggestions"]:
        assert suggestion["mutants"] and "diff_" in suggestion["plans"]
        assert "the catalogue (accepting expects this)" in suggestion["plans"]


def test_a_suggestion_is_a_case_only_with_who_and_why_and_while_it_holds(
        studio: tuple[Path, TestClient, Any]) -> None:
    root, client, run = studio
    if not run["suggestions"]:
        pytest.skip("no mutant survives the shipped cases: nothing to suggest")
    suggestion = run["suggestions"][0]
    before = cases(root)
    for by, why in (("Eva", ""), ("", "[003] L88"), ("Eva", "   ")):
        refused = client.post("/api/cases/accept", json={"suggestion": suggestion, "by": by, "why": why})
        assert refused.status_code == 422 and refused.json()["refused"][0]["code"] == "CASE007"
    stale = {**suggestion, "catalogue": "0" * 64}  # made from another catalogue
    refused = client.post("/api/cases/accept", json={"suggestion": stale, "by": "Eva", "why": "[003] L88"})
    assert refused.json()["refused"][0]["code"] == "CASE009"
    other_plan = {**suggestion, "expect": {**suggestion["expect"], "outcome": "no such outcome"}}
    refused = client.post("/api/cases/accept", json={"suggestion": other_plan, "by": "Eva", "why": "x"})
    assert refused.json()["refused"][0]["code"] == "CASE009"
    foreign = client.post("/api/cases/accept", headers={"Origin": "http://evil.example.com"},
                          json={"suggestion": suggestion, "by": "Eva", "why": "[003] L88"})
    assert foreign.status_code == 403
    assert cases(root) == before  # nothing written so far
    accepted = client.post("/api/cases/accept",
                           json={"suggestion": suggestion, "by": "Eva", "why": "[003] L88"})
    assert accepted.status_code == 200, accepted.text
    written = root / accepted.json()["case"]
    assert cases(root) == before | {written.name}
    case = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert case["request"] == suggestion["request"] and case["expect"] == suggestion["expect"]
    assert case["review"] == {"by": "Eva", "why": "[003] L88"}
    again = client.post("/api/cases/accept", json={"suggestion": suggestion, "by": "Eva", "why": "x"})
    assert again.json()["refused"][0]["code"] == "CASE009"  # a case already
    # the new case passes and kills what it was offered for
    rerun = client.post("/api/mutants/run", json={}).json()
    assert rerun["cases"] == run["cases"] + 1
    assert rerun["survived"] <= run["survived"] - len(suggestion["mutants"])
    assert suggestion["request"] not in [s["request"] for s in rerun["suggestions"]]


def test_the_run_is_a_guarded_post(studio: tuple[Path, TestClient, Any]) -> None:
    _, client, _ = studio
    assert client.get("/api/mutants/run").status_code == 405
    for headers in ({TOKEN_HEADER: "x" * 43}, {"Origin": "http://evil.example.com"},
                    {"Sec-Fetch-Site": "cross-site"}):
        assert client.post("/api/mutants/run", json={}, headers=headers).status_code == 403


def test_cases_whose_plan_changed_are_reviewed_first(studio: tuple[Path, TestClient, Any]) -> None:
    """After an edit that changes what a case expects (the downgrade warns NOT_DESCRIBED where
    [001] L23 has DATA_LOSS), no mutant runs: the page offers each changed case's new plan
    beside what it expects, and accepting one updates that case with who and why."""
    root, client, _ = studio
    rules = root / "rules" / "50-changes.yaml"
    text = rules.read_text(encoding="utf-8")
    assert "code: DATA_LOSS" in text, "the downgrade's data-loss warning moved: adapt this test"
    workspace = client.app.state.workspace  # type: ignore[attr-defined]
    try:
        rules.write_text(text.replace("code: DATA_LOSS", "code: NOT_DESCRIBED", 1), encoding="utf-8")
        workspace.refresh_now()
        run = client.post("/api/mutants/run", json={}).json()
        offered = run["suggestions"]
        assert offered and {item["kind"] for item in offered} == {"changed"}
        assert run["failing"] == []
        first = offered[0]
        assert "the case expects now" in first["plans"] and "diff_" in first["plans"]
        assert first["expect"]["warnings"] == ["NOT_DESCRIBED"]
        path = root / first["case"]
        before = path.read_text(encoding="utf-8")
        refused = client.post("/api/cases/accept", json={"suggestion": first, "by": "Eva", "why": ""})
        assert refused.json()["refused"][0]["code"] == "CASE007"
        assert path.read_text(encoding="utf-8") == before
        accepted = client.post("/api/cases/accept",
                               json={"suggestion": first, "by": "Eva", "why": "[001] L23 as edited"})
        assert accepted.status_code == 200, accepted.text
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert case["expect"]["warnings"] == ["NOT_DESCRIBED"]
        assert case["review"] == {"by": "Eva", "why": "[001] L23 as edited"}
        again = client.post("/api/cases/accept", json={"suggestion": first, "by": "Eva", "why": "x"})
        assert again.json()["refused"][0]["code"] == "CASE009"  # it passes now
    finally:
        rules.write_text(text, encoding="utf-8")
        workspace.refresh_now()
