"""collab studio over HTTP, with Starlette's test client: every route, and the same answers
as the CLI (plan and explain JSON, validate --format json, diff --format json); bad input
gives the CLI's diagnostics, never a server error page; the catalogue is never written."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import cli

pytest.importorskip("starlette", reason="the studio extra is not installed: pip install -e '.[studio]'")

with warnings.catch_warnings():  # Starlette 1.x suggests httpx2; httpx is the maintained one
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from engine.studio import host_warning, is_loopback
from engine.studio.app import MAX_BODY, create_app
from engine.studio.guard import TOKEN_HEADER
from engine.studio.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.yaml"))


def collab(*args: str | Path) -> tuple[int, Any]:
    """Exit code and parsed JSON output of a CLI command."""
    result = CliRunner().invoke(cli.main, [str(a) for a in args])
    return result.exit_code, json.loads(result.stdout)


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                   check=True, capture_output=True)


def make_repo(root: Path) -> Path:
    """A git repository holding a copy of the shipped catalogue and examples."""
    for folder in ("services", "rules", "examples"):
        shutil.copytree(ROOT / folder, root / folder)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "catalogue")
    return root


def digest(root: Path) -> str:
    files = sorted(p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts)
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


def client_of(workspace: Workspace) -> TestClient:
    """A client of the studio over ``workspace`` as its own page talks to it: on loopback,
    with the token of this start."""
    app = create_app(workspace)
    return TestClient(app, base_url="http://127.0.0.1:8765", raise_server_exceptions=False,
                      headers={TOKEN_HEADER: app.state.guard.token})


def studio_over(root: Path) -> Iterator[tuple[Path, TestClient]]:
    """The studio over ``root``, computed to the end, run from there (as a user runs it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("COLLAB_CACHE_DIR", "")
        workspace = Workspace(root, watch=False)
        workspace.refresh_now()
        yield root, client_of(workspace)


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, TestClient]]:
    """A catalogue whose working copy makes Scanner free (HEAD: paying), its studio
    computed to the end, and the working directory there (as a user runs it)."""
    root = make_repo(tmp_path_factory.mktemp("studio") / "repo")
    scanner = root / "services" / "scanner.yaml"
    scanner.write_text(scanner.read_text(encoding="utf-8").replace("paying: true",
                                                                   "paying: false", 1),
                       encoding="utf-8")
    yield from studio_over(root)


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, TestClient]]:
    root = make_repo(tmp_path_factory.mktemp("studio") / "repo")
    (root / "services" / "scanner.yaml").write_text("id: scanner\nname: [unclosed\n",
                                                    encoding="utf-8")
    yield from studio_over(root)


# --- the same answers as the CLI ---------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES)
def test_plan_and_explain_of_an_example_equal_the_cli(changed: tuple[Path, TestClient],
                                                      example: str) -> None:
    root, client = changed
    body = client.post("/api/plan", json={"example": example}).json()
    code, plan = collab("plan", root / "examples" / example, "--catalogue", root,
                        "--format", "json")
    assert body["plan"] == plan
    assert body["status"] == ("rejected" if code == 1 else "allowed")
    _, explanation = collab("explain", root / "examples" / example, "--catalogue", root,
                            "--format", "json")
    assert body["explain"] == explanation


def test_the_form_and_pasted_text_give_the_plan_of_the_same_request(
        changed: tuple[Path, TestClient]) -> None:
    root, client = changed
    path = root / "examples" / "activate-lon-smart-start-customer-pays.yaml"
    _, plan = collab("plan", path, "--catalogue", root, "--format", "json")
    text = path.read_text(encoding="utf-8")
    import yaml

    pasted = client.post("/api/plan", json={"text": text}).json()
    form = client.post("/api/plan", json={"request": yaml.safe_load(text)}).json()
    assert pasted["plan"] == form["plan"] == plan
    assert [r["code"] for r in form["plan"]["rejections"]] == ["INVOICE_RECIPIENT_NOT_ALLOWED"]


def test_validation_equals_collab_validate_json(changed: tuple[Path, TestClient]) -> None:
    root, client = changed
    _, expected = collab("validate", root, "--format", "json")
    assert client.get("/api/validate").json() == expected


def test_impact_equals_collab_diff_and_lists_the_scanner_requests(
        changed: tuple[Path, TestClient]) -> None:
    root, client = changed
    code, expected = collab("diff", "--old", "HEAD", "--new", root, root / "examples",
                            "--generated", "--format", "json")
    impact = client.get("/api/impact").json()
    assert impact["done"]
    assert impact["report"] == expected
    assert code == 1 and expected["changed"] > 0
    assert all("scanner" in r["request"] for r in expected["requests"])
    name = expected["requests"][0]["request"]
    both = client.get("/api/impact/request", params={"request": name}).json()
    assert both["old"]["plan"] != both["new"]["plan"]
    assert both["old"]["text"].startswith("Plan: ")
    page = client.get("/impact")
    assert page.status_code == 200
    assert f"{expected['changed']} of {expected['compared']} request(s) get a different plan" \
        in page.text


def test_a_revision_that_does_not_exist_shows_git_s_diagnostic(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    workspace = Workspace(root, revision="no-such-revision", watch=False)
    workspace.refresh_now()
    client = client_of(workspace)
    assert [p["code"] for p in client.get("/api/impact").json()["problems"]] == ["GIT001"]
    assert "GIT001" in client.get("/impact").text


# --- every page -------------------------------------------------------------------------


def test_plans_and_the_catalogue_page_come_in_the_language_chosen(
        changed: tuple[Path, TestClient]) -> None:
    root, client = changed
    example = "end-without-main-contact.yaml"
    messages = {}
    for lang in ("sv", "en"):
        body = client.post("/api/plan", json={"example": example, "lang": lang}).json()
        _, plan = collab("plan", root / "examples" / example, "--catalogue", root,
                         "--format", "json", "--lang", lang)
        _, explanation = collab("explain", root / "examples" / example, "--catalogue", root,
                                "--format", "json", "--lang", lang)
        assert body["plan"] == plan and body["explain"] == explanation
        messages[lang] = plan["rejections"][0]["message"]
    assert messages["sv"].startswith("Huvudkontakt saknas") and messages["en"] != messages["sv"]
    unknown = client.post("/api/plan", json={"example": example, "lang": "fi"}).json()
    assert unknown["status"] == "invalid" and unknown["diagnostics"][0]["code"] == "LANG001"
    assert '<select id="lang"><option>en</option><option>sv</option>' in client.get("/plan").text
    swedish = client.get("/catalogue?lang=sv").text
    assert "En kund som redan abonnerar på tjänsten bjuds in i det abonnemanget." in swedish
    assert '<a href="?lang=en">en</a>' in swedish and "<strong>sv</strong>" in swedish
    english = client.get("/catalogue").text  # the catalogue's default language
    assert "A customer that already subscribes to the service is invited" in english
    assert "En kund som redan abonnerar" not in english


def test_every_page_renders_the_catalogue(changed: tuple[Path, TestClient]) -> None:
    _, client = changed
    catalogue = client.get("/catalogue").text
    assert "Visma Lön Smart" in catalogue and 'id="rule-reject-recipient-not-allowed"' in catalogue
    assert catalogue.count('<pre class="mermaid">') == 7  # one flowchart per operation
    assert "/static/mermaid.min.js" in catalogue and "cdn" not in catalogue.lower()
    assert client.get("/static/mermaid.min.js").status_code == 200
    plan = client.get("/plan").text
    assert 'data-path="customer.main_contact.email"' in plan
    assert "activate-lon-smart-start-customer-pays.yaml" in plan
    assert "catalogue is valid" in client.get("/validation").text
    source = client.get("/source/rules/30-preconditions.yaml")
    assert source.status_code == 200 and 'id="L1"' in source.text
    example = client.get("/api/examples/activate-eekonomi-spcs-customer.yaml").json()
    assert example["data"]["operation"] == "activate"


def test_the_request_form_has_a_sub_form_per_list_and_no_placeholders(
        changed: tuple[Path, TestClient]) -> None:
    """Issue 21: list fields are sub-forms with rows (drawn from their JSON Schema), not JSON
    boxes, and no field shows a grey example that reads as a value."""
    import html
    import re

    _, client = changed
    plan = client.get("/plan").text
    assert plan.count("<textarea") == 1 and '<textarea id="request-text"' in plan  # the YAML tab's
    assert "placeholder=" not in plan
    schemas = dict(re.findall(r'<div class="subform" data-path="([^"]+)" data-widget="list">'
                              r'<script type="application/json">(.*?)</script>', plan))
    assert {"agency.tasks", "agency.software", "customer.subscriptions",
            "customer.collaborations"} <= set(schemas)
    tasks = json.loads(html.unescape(schemas["agency.tasks"]))
    assert tasks["type"] == "array" and tasks["items"]["$ref"] == "#/definitions/Task"
    assert set(tasks["definitions"]["Task"]["required"]) == {"id", "name"}
    swedish = client.get("/plan?lang=sv").text
    assert "Ansvarig" in swedish and "Ta bort raden" in swedish  # labels and buttons


def test_the_explain_lines_link_to_the_rule_s_file_and_line(
        changed: tuple[Path, TestClient]) -> None:
    _, client = changed
    part = client.post("/plan/result",
                       json={"example": "activate-lon-smart-start-customer-pays.yaml"}).text
    assert 'data-status="rejected"' in part
    assert "INVOICE_RECIPIENT_NOT_ALLOWED" in part
    assert 'href="/source/rules/10-scenarios.yaml#L' in part


# --- bad input: the CLI's diagnostics, never a server error --------------------------------


def test_a_broken_pasted_request_gets_the_diagnostics_collab_plan_gives(
        changed: tuple[Path, TestClient], tmp_path: Path) -> None:
    root, client = changed
    text = "operation: activate\nservice: eekonomi\nservice: scanner\n"
    body = client.post("/api/plan", json={"text": text}).json()
    file = tmp_path / "pasted.yaml"
    file.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["plan", str(file), "--catalogue", str(root)])
    assert result.exit_code == 2
    assert body["status"] == "invalid"
    assert [(d["line"], d["code"]) for d in body["diagnostics"]] == [(3, "YAML003")]
    assert body["diagnostics"][0]["message"] in result.stderr


def test_an_invalid_form_names_the_field(changed: tuple[Path, TestClient]) -> None:
    _, client = changed
    body = client.post("/api/plan", json={"request": {"operation": "activate",
                                                      "service": "eekonomi", "variant": "gold"}}
                       ).json()
    assert body["status"] == "invalid"
    assert "REQ001" in {d["code"] for d in body["diagnostics"]}  # customer, agency missing
    part = client.post("/plan/result", json={"request": {"operation": "fly"}})
    assert part.status_code == 200 and "Invalid request" in part.text


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"x" * (MAX_BODY + 1), 413, "STU003"),
    (b"[" * 100_000 + b"]" * 100_000, 400, "JSON001"),
    (b'{"request": ' + b'{"a": ' * 60 + b"1" + b"}" * 61, 400, "JSON003"),
    (b"\xff\xfe", 400, "JSON001"),
    (b"[]", 400, "JSON001"),
    (b"{}", 400, "REQ001"),
])
def test_the_server_survives_any_body(changed: tuple[Path, TestClient], body: bytes,
                                      status: int, code: str) -> None:
    _, client = changed
    for route in ("/api/plan", "/plan/result"):
        response = client.post(route, content=body)
        assert response.status_code == status
        assert [d["code"] for d in response.json()["diagnostics"]] == [code]
    assert client.get("/api/status").status_code == 200


def test_unknown_paths_and_files_outside_the_catalogue_are_plain_404s(
        changed: tuple[Path, TestClient]) -> None:
    _, client = changed
    for path in ("/nowhere", "/source/../../etc/passwd", "/source/.git/config",
                 "/api/examples/..%2Fservices%2Fscanner.yaml"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Traceback" not in response.text
    assert client.post("/api/plan", json={"example": "../services/scanner.yaml"}
                       ).json()["status"] == "invalid"
    assert client.get("/plan/result").status_code == 405


def test_a_broken_catalogue_shows_its_diagnostics_on_every_page(
        broken: tuple[Path, TestClient]) -> None:
    root, client = broken
    _, expected = collab("validate", root, "--format", "json")
    assert client.get("/api/validate").json() == expected
    codes = {d["code"] for d in expected["diagnostics"]}
    for page in ("/catalogue", "/plan", "/validation", "/impact"):
        response = client.get(page)
        assert response.status_code == 200, page
        assert any(code in response.text for code in codes), page
    body = client.post("/api/plan", json={"example": EXAMPLES[0]}).json()
    assert body["status"] == "invalid"
    assert {d["code"] for d in body["diagnostics"]} <= codes


def test_the_studio_never_writes_the_catalogue(changed: tuple[Path, TestClient]) -> None:
    root, client = changed
    before = digest(root)
    for example in EXAMPLES[:3]:
        client.post("/api/plan", json={"example": example})
    client.post("/api/plan", json={"text": "operation: activate\n"})
    for page in ("/catalogue", "/plan", "/validation", "/impact", "/api/impact"):
        client.get(page)
    for method in ("put", "delete", "patch"):
        assert getattr(client, method)("/source/services/scanner.yaml").status_code == 405
    assert digest(root) == before


# --- serving ----------------------------------------------------------------------------


def test_only_a_non_loopback_host_gets_a_warning() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"):
        assert is_loopback(host) and host_warning(host) is None
    for host in ("0.0.0.0", "192.168.1.10", "::", "example.com"):
        warning = host_warning(host)
        assert warning is not None and host in warning and "--host 127.0.0.1" in warning


def test_collab_studio_refuses_a_busy_port_warning_first_about_a_non_loopback_host() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli.main, ["studio", "--catalogue", str(ROOT), "--port",
                                               str(port), "--no-browser"])
        assert result.exit_code == 2
        assert "STU001" in result.stderr and "--port" in result.stderr
        assert "warning" not in result.stderr
    missing = CliRunner().invoke(cli.main, ["studio", "--catalogue", "no-such-folder"])
    assert missing.exit_code == 2 and "IO001" in missing.stderr
    with socket.socket() as busy:  # a non-loopback host: only bound here, never reached
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        result = CliRunner().invoke(cli.main, ["studio", "--host", "0.0.0.0", "--port",
                                               str(busy.getsockname()[1]), "--no-browser"])
        lines = result.stderr.splitlines()  # the catalogue, the warning, then why it cannot serve
        assert lines[0].startswith("catalogue: ") and lines[1].startswith("warning: serving on 0.0.0.0")
        assert "STU001" in result.stderr.split("warning: serving on", 1)[1]
