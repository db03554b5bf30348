"""The studio's editing routes as a page uses them (issue 21): a form edit is previewed with
its file diff, diagnostics and impact, then saved; the generated files follow; a rule is copied,
moved and deleted from the catalogue page; nothing is written without the token."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

pytest.importorskip("starlette", reason="the studio extra is not installed: pip install -e '.[studio]'")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from engine.studio.app import create_app
from engine.studio.edit import digest
from engine.studio.guard import TOKEN_HEADER
from engine.studio.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def studio(tmp_path: Path) -> Iterator[tuple[Path, TestClient]]:
    for folder in ("services", "rules", "examples"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        patch.setenv("COLLAB_CACHE_DIR", "")
        workspace = Workspace(tmp_path, watch=False)
        workspace.refresh_now()
        app = create_app(workspace)
        yield tmp_path, TestClient(app, base_url="http://127.0.0.1:8765", raise_server_exceptions=False,
                                   headers={TOKEN_HEADER: app.state.guard.token})


def test_the_form_of_a_service_is_its_schema_and_its_data(studio: tuple[Path, TestClient]) -> None:
    _, client = studio
    page = client.get("/edit?file=services/scanner.yaml")
    assert page.status_code == 200
    assert 'id="edit-schema"' in page.text and "agreement_periods" in page.text
    assert client.get("/edit?file=../etc/passwd").status_code == 403


def test_a_form_edit_is_previewed_then_saved_and_the_generated_files_follow(
        studio: tuple[Path, TestClient]) -> None:
    root, client = studio
    path = root / "services" / "scanner.yaml"
    before = path.read_text(encoding="utf-8")
    data = yaml.safe_load(before)
    data["variants"][0]["paying"] = False  # Scanner made free
    change = {"file": "services/scanner.yaml", "base": digest(before), "data": data, "at": []}
    preview = client.post("/api/edit/preview", json=change).json()
    assert preview["valid"] and preview["savable"] and not preview["saved"]
    assert path.read_text(encoding="utf-8") == before
    assert "paying: false" in preview["after"] and "diff_chg" in preview["file_diff"]
    assert preview["impact"]["changed"] > 0
    first = preview["impact"]["groups"][0]
    assert first["example"] == preview["impact"]["plans"][0]["request"]
    saved = client.post("/api/edit/save", json=change)
    assert saved.status_code == 200 and saved.json()["saved"]
    assert path.read_text(encoding="utf-8") == preview["after"]
    assert "docs/catalogue/services.md" in saved.json()["generated"]
    assert (root / "schemas" / "service.schema.json").is_file()
    again = client.post("/api/edit/save", json=change)  # the page's old digest: refused
    assert again.status_code == 409


def test_an_invalid_edit_is_refused_with_its_diagnostics(studio: tuple[Path, TestClient]) -> None:
    root, client = studio
    before = (root / "services" / "scanner.yaml").read_text(encoding="utf-8")
    broken = before.replace("invoice_recipients: [agency, customer]", "invoice_recipients: [nobody]")
    answer = client.post("/api/edit/save", json={"file": "services/scanner.yaml", "base": digest(before),
                                                 "text": broken})
    assert answer.status_code == 422
    assert answer.json()["refused"]
    assert (root / "services" / "scanner.yaml").read_text(encoding="utf-8") == before


@pytest.mark.parametrize("action", ["copy", "up", "down", "delete"])
def test_a_rule_button_previews_then_saves(studio: tuple[Path, TestClient], action: str) -> None:
    root, client = studio
    rules = root / "rules" / "40-activation.yaml"
    ask = {"file": "rules/40-activation.yaml", "rule": "subscriber-no-charge-until-renewal", "action": action}
    preview = client.post("/api/edit/rule", json=ask).json()
    assert not preview["saved"] and preview["savable"], preview.get("refused") or preview["diagnostics"]
    saved = client.post("/api/edit/rule", json={**ask, "base": preview["base"], "save": True})
    assert saved.json()["saved"]
    ids = [rule["id"] for rule in yaml.safe_load(rules.read_text(encoding="utf-8"))["rules"]]
    original = [rule["id"] for rule in yaml.safe_load((ROOT / "rules" / "40-activation.yaml")
                                                       .read_text(encoding="utf-8"))["rules"]]
    at = original.index("subscriber-no-charge-until-renewal")
    expected = {"copy": [*original[:at + 1], "subscriber-no-charge-until-renewal-copy", *original[at + 1:]],
                "up": [*original[:at - 1], original[at], original[at - 1], *original[at + 1:]],
                "down": [*original[:at], original[at + 1], original[at], *original[at + 2:]],
                "delete": original[:at] + original[at + 1:]}[action]
    assert ids == expected


def test_nothing_is_written_without_the_token(studio: tuple[Path, TestClient]) -> None:
    root, client = studio
    before = (root / "services" / "scanner.yaml").read_text(encoding="utf-8")
    answer = client.post("/api/edit/save", headers={TOKEN_HEADER: "guess"},
                         json={"file": "services/scanner.yaml", "base": digest(before), "text": ""})
    assert answer.status_code == 403
    assert (root / "services" / "scanner.yaml").read_text(encoding="utf-8") == before


def test_a_new_rule_starts_from_its_neighbour_s_conditions(studio: tuple[Path, TestClient]) -> None:
    _, client = studio
    page = client.get("/edit?file=rules/30-preconditions.yaml&new=rule&after=reject-period-not-allowed")
    assert page.status_code == 200
    assert "new-rule-1" in page.text and 'data-insert="yes"' in page.text


def test_a_plan_of_the_impact_page_is_accepted_as_a_case_with_who_and_why(
        studio: tuple[Path, TestClient]) -> None:
    root, client = studio
    name = "generated #1: whatever the page showed"
    refused = client.post("/api/cases/accept", json={"request": name, "by": "", "why": ""})
    assert refused.status_code == 422 and refused.json()["refused"][0]["code"] == "CASE007"
    answer = client.post("/api/cases/accept", json={"request": name, "by": "Anna Berg",
                                                    "why": "[003] L88: the pen icon edits it"})
    assert answer.status_code == 200, answer.text
    case = yaml.safe_load((root / answer.json()["case"]).read_text(encoding="utf-8"))
    assert case["review"] == {"by": "Anna Berg", "why": "[003] L88: the pen icon edits it"}
    assert case["expect"]["outcome"] and case["request"]["operation"]
    assert client.post("/api/cases/accept", json={"request": "no such", "by": "A", "why": "B"}
                       ).status_code == 422
