"""The studio under attack (issue 22, items 1-4, 9, 12 and 13): one test per item, named
after its number. Each attack is the red team's, made here on a copy of the shipped
catalogue; each test asserts what the attacker gets (a refusal, nothing read, nothing
changed) and that the studio still serves its own page."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

pytest.importorskip("starlette", reason="the studio extra is not installed: pip install -e '.[studio]'")

with warnings.catch_warnings():  # Starlette 1.x suggests httpx2; httpx is the maintained one
    warnings.simplefilter("ignore")
    from starlette.routing import Mount, Route
    from starlette.testclient import TestClient

from engine import validate_catalogue
from engine.catalogue.documents import MAX_FILE_BYTES
from engine.request.lines import read_requests
from engine.studio.app import MAX_BODY, create_app
from engine.studio.evaluator import TIMEOUT, Evaluator
from engine.studio.guard import TOKEN_HEADER, Guard
from engine.studio.workspace import Workspace
from engine.tools.flows import flowchart, operation_flows

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "activate-new-customer-paying.yaml"
STUDIO = "http://127.0.0.1:8765"
PASSWD = Path("/etc/passwd")
SECRET = PASSWD.read_text(encoding="utf-8").splitlines()[0]  # root:x:0:0:...


def copy_catalogue(root: Path, git: bool = False) -> Path:
    for folder in ("services", "rules", "examples"):
        shutil.copytree(ROOT / folder, root / folder)
    if git:
        command = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t"]
        for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "catalogue"]):
            subprocess.run([*command, *args], check=True, capture_output=True)
    return root


def client(workspace: Workspace, guard: Guard | None = None,
           evaluator: Evaluator | None = None, token: bool = True) -> TestClient:
    """The studio's own page talking to it: on loopback, with the token (unless not)."""
    app = create_app(workspace, guard or Guard.serving("127.0.0.1", 8765), evaluator)
    headers = {TOKEN_HEADER: app.state.guard.token} if token else {}
    return TestClient(app, base_url=STUDIO, raise_server_exceptions=False, headers=headers)


def everything(answers: list[str]) -> str:
    return "\n".join(answers)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, TestClient]]:
    """A catalogue whose examples/ holds a link to /etc/passwd and a link inside the
    catalogue; its studio computed to the end."""
    root = copy_catalogue(tmp_path_factory.mktemp("planted") / "catalogue")
    (root / "examples" / "link.yaml").symlink_to(PASSWD)
    (root / "examples" / "alias.yaml").symlink_to(root / "examples" / EXAMPLE)
    (root / ".env").write_text(f"{SECRET}\n", encoding="utf-8")  # in the folder, not the catalogue
    (root / "examples" / "env.yaml").symlink_to(root / ".env")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("COLLAB_CACHE_DIR", "")
        workspace = Workspace(root, watch=False)
        workspace.refresh_now()
        yield root, client(workspace)


# --- 1: symbolic links never lead the studio out of the catalogue -------------------------


def test_item_01_a_link_out_of_the_catalogue_is_never_followed(
        planted: tuple[Path, TestClient]) -> None:
    _, studio = planted
    answers = []
    for path in ("/api/examples/link.yaml", "/source/examples/link.yaml", "/api/examples/env.yaml",
                 "/source/examples/env.yaml", "/source/rules/../.env", "/source/rules/%2E%2E/.env"):
        response = studio.get(path)
        assert response.status_code == 404, path
        answers.append(response.text)
    plan = studio.post("/api/plan", json={"example": "link.yaml"}).json()
    assert plan["status"] == "invalid" and plan["diagnostics"][0]["code"] == "IO001"
    assert "link.yaml" not in studio.get("/plan").text  # not offered as an example
    for page in ("/plan", "/validation", "/impact", "/api/impact", "/api/validate"):
        answers.append(studio.get(page).text)
    assert SECRET not in everything(answers) + json.dumps(plan)
    warned = [d for d in studio.get("/api/validate").json()["diagnostics"]
              if d["code"] == "STU010"]
    assert [(d["file"], d["severity"]) for d in warned] == [("examples/env.yaml", "warning"),
                                                            ("examples/link.yaml", "warning")]
    # a link that stays inside the catalogue is read as any file
    alias = studio.get("/api/examples/alias.yaml")
    assert alias.status_code == 200 and alias.json()["data"]["operation"] == "activate"
    assert studio.post("/api/plan", json={"example": "alias.yaml"}).json()["status"] == "allowed"


def test_item_01_examples_linked_to_the_root_folder_serves_nothing(tmp_path: Path) -> None:
    root = copy_catalogue(tmp_path / "catalogue")
    shutil.rmtree(root / "examples")
    (root / "examples").symlink_to("/")
    studio = client(Workspace(root, watch=False))
    for path in ("/source/examples/etc/passwd", "/source/examples/etc/shadow",
                 "/source/examples/etc/../etc/passwd", "/api/examples/passwd"):
        response = studio.get(path)
        assert response.status_code == 404, path
        assert SECRET not in response.text
    assert studio.post("/api/plan", json={"example": "etc/passwd"}).json()["status"] == "invalid"
    assert Workspace(root, watch=False).example_files() == []


def test_item_01_a_catalogue_file_linked_out_is_refused_not_read(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    root = copy_catalogue(tmp_path / "catalogue")
    (root / "rules" / "99-link.yaml").symlink_to(PASSWD)
    monkeypatch.chdir(root)
    workspace = Workspace(root, watch=False)
    workspace.refresh_now()
    studio = client(workspace)
    codes = [(d["file"], d["code"]) for d in studio.get("/api/validate").json()["diagnostics"]]
    assert codes == [("rules/99-link.yaml", "STU010")]
    answers = [studio.get(page).text for page in ("/catalogue", "/validation", "/impact",
                                                  "/source/rules/99-link.yaml")]
    assert SECRET not in everything(answers)


# --- 2: only this machine's pages, and only the studio's own page may POST -----------------


def routes(app: object) -> list[tuple[str, str]]:
    """(method, path) of every route of the app, its parameters filled in."""
    found = []
    for route in app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Mount):
            found.append(("GET", "/static/studio.js"))
            continue
        assert isinstance(route, Route)
        path = route.path.replace("{path:path}", "rules/pipeline.yaml").replace("{name}", EXAMPLE)
        found += [(method, path) for method in sorted(route.methods or {"GET"}) if method != "HEAD"]
    return found


def test_item_02_a_foreign_host_is_refused_on_every_route(tmp_path: Path) -> None:
    workspace = Workspace(copy_catalogue(tmp_path / "catalogue"), watch=False)
    studio = client(workspace)
    every = routes(studio.app)
    assert ("POST", "/api/plan") in every and ("GET", "/source/rules/pipeline.yaml") in every
    for host in ("evil.example.com", "evil.example.com:8765", "127.0.0.1.evil.example.com:8765",
                 "localhost.evil.example.com:8765", "127.0.0.1:9999", "[::2]:8765", "",
                 "127.0.0.1:8765@evil.example.com"):
        for method, path in every:
            response = studio.request(method, path, headers={"Host": host}, json={})
            assert response.status_code == 403, (host, method, path)
            assert "STU006" in response.text and "<" not in response.text
    for host in ("127.0.0.1:8765", "localhost:8765", "[::1]:8765", "LocalHost:8765"):
        assert studio.get("/api/status", headers={"Host": host}).status_code == 200, host
    # served beyond this machine: the host given is accepted too, and only it
    wide = client(workspace, Guard.serving("192.168.1.10", 8765))
    assert wide.get("/api/status", headers={"Host": "192.168.1.10:8765"}).status_code == 200
    assert wide.get("/api/status", headers={"Host": "192.168.1.11:8765"}).status_code == 403


def test_item_02_a_post_from_another_site_is_refused(tmp_path: Path) -> None:
    workspace = Workspace(copy_catalogue(tmp_path / "catalogue", git=True), watch=False)
    studio = client(workspace)
    body = json.dumps({"example": EXAMPLE, "revision": "HEAD~0"})
    posts = [path for method, path in routes(studio.app) if method == "POST"]
    assert set(posts) == {"/api/plan", "/plan/result", "/api/impact/revision", "/api/edit/preview",
                          "/api/edit/save", "/api/edit/rule", "/api/cases/accept",
                          "/api/mutants/run"}
    foreign = [{"Origin": "http://evil.example.com"}, {"Origin": "null"},
               {"Origin": "http://127.0.0.1:9999"}, {"Sec-Fetch-Site": "cross-site"},
               {"Sec-Fetch-Site": "same-site"}]
    for path in posts:
        for headers in foreign:  # a page of another site: text/plain needs no preflight
            response = studio.post(path, content=body,
                                   headers={"Content-Type": "text/plain", **headers})
            assert response.status_code == 403, (path, headers)
            assert "STU007" in response.text
        without_token = client(workspace, token=False).post(
            path, content=body, headers={"Content-Type": "text/plain"})
        assert without_token.status_code == 403 and "STU008" in without_token.text
        wrong = studio.post(path, content=body, headers={TOKEN_HEADER: "x" * 43})
        assert wrong.status_code == 403 and "STU008" in wrong.text
    assert workspace.impact.revision == "HEAD"  # the refused POST changed nothing
    # the studio's own page: same origin, the token it carries
    page = studio.get("/plan").text
    token = re.search(r'<meta name="collab-token" content="([^"]+)">', page)
    assert token is not None and token[1] == studio.app.state.guard.token
    own = {"Origin": STUDIO, "Sec-Fetch-Site": "same-origin", TOKEN_HEADER: token[1]}
    assert studio.post("/api/impact/revision", content=body, headers=own).status_code == 200
    assert workspace.impact.revision == "HEAD~0"
    assert Guard().token != Guard().token  # one per start


# --- 3: a GET changes nothing; the revision is a git revision --------------------------------


def test_item_03_a_get_never_rebases_the_impact_and_no_folder_is_loaded(tmp_path: Path) -> None:
    root = copy_catalogue(tmp_path / "catalogue", git=True)
    other = copy_catalogue(tmp_path / "elsewhere")  # a catalogue folder elsewhere on disk
    workspace = Workspace(root, watch=False)
    studio = client(workspace)
    for rev in (".", str(other), "HEAD~0", "/"):
        assert studio.get("/impact", params={"rev": rev}).status_code == 200
        assert studio.get("/api/impact").json()["revision"] == "HEAD"
    for rev in (".", str(other), str(root), "/etc", "--output=/tmp/x", "no-such-branch", "",
                "HEAD\n", "x" * 300):
        response = studio.post("/api/impact/revision", json={"revision": rev})
        assert response.status_code == 422, rev
        assert [d["code"] for d in response.json()["diagnostics"]] == ["STU009"]
    assert workspace.impact.revision == "HEAD"
    assert studio.post("/api/impact/revision", json={"revision": "HEAD"}).status_code == 200
    # a folder named on the command line (--old DIR) stays allowed
    given = Workspace(root, revision=str(other), watch=False)
    assert client(given).post("/api/impact/revision",
                              json={"revision": str(other)}).status_code == 200


# --- 4: the time limit stops the work ---------------------------------------------------


def slow_request() -> dict[str, object]:
    """The red team's body: a 2,000-character task and 70 task ids of about 1,750 characters
    (each its near copy), about 250 KB: "did you mean" compares the task with each id."""
    request = yaml.safe_load((ROOT / "examples" / EXAMPLE).read_text(encoding="utf-8"))
    alphabet = [chr(code) for code in range(0x100, 0x100 + 300)]
    chance = random.Random(22)
    task = "".join(chance.choice(alphabet) for _ in range(2000))

    def near(text: str) -> str:
        letters = list(text)
        for index in range(chance.randrange(5), len(letters), 5):
            letters[index] = chance.choice(alphabet)
        return "".join(letters)[:1750]

    request["task"] = task
    request["agency"]["tasks"] = [{"id": near(task), "name": "x"} for _ in range(70)]  # type: ignore[index]
    return request


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_item_04_a_slow_request_is_stopped_and_plans_go_on(
        planted: tuple[Path, TestClient]) -> None:
    root, _ = planted
    workspace = Workspace(root, watch=False)
    workspace.refresh_now()
    evaluator = Evaluator(timeout=2.0)
    studio = client(workspace, evaluator=evaluator)
    body = json.dumps({"request": slow_request()}, ensure_ascii=False).encode()
    assert 200_000 < len(body) <= MAX_BODY
    answers: list[dict[str, object]] = []
    stopped: list[int] = []

    def hostile() -> None:
        answers.append(studio.post("/api/plan", content=body).json())

    for _ in range(2):
        threads = [threading.Thread(target=hostile) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stopped += [p.pid for p in evaluator.processes]
    # each was planned (a bounded "did you mean"), stopped at its limit, or refused as busy
    assert {a["status"] for a in answers} <= {"invalid", "timeout"}, [
        a for a in answers if a["status"] not in ("invalid", "timeout")]
    assert {d["code"] for a in answers for d in a["diagnostics"]} <= {"REQ012", "STU004",  # type: ignore[attr-defined]
                                                                      "STU011"}
    evaluator.timeout = TIMEOUT  # the studio's own limit: a replaced worker starts within it
    normal = studio.post("/api/plan", json={"example": EXAMPLE})
    assert normal.status_code == 200 and normal.json()["status"] == "allowed"
    if any(a["status"] == "timeout" for a in answers):  # the workers that ran past it are gone
        assert len(evaluator.processes) <= 2
        assert [pid for pid in stopped if alive(pid)] == [p.pid for p in evaluator.processes
                                                          if p.pid in stopped]
    evaluator.stop()
    assert evaluator.processes == []
    # what a request can hold: the limits of a JSON Lines line, and the body's size
    items = studio.post("/api/plan", json={"request": {"agency": {"tasks": [{}] * 1001}}})
    assert items.status_code == 400 and items.json()["diagnostics"][0]["code"] == "JSON003"
    large = studio.post("/api/plan", content=b" " * (MAX_BODY + 1))
    assert large.status_code == 413 and large.json()["diagnostics"][0]["code"] == "STU003"


# --- 9: every file read with the CLI's size limit --------------------------------------


def test_item_09_a_huge_file_is_refused_unread(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_catalogue(tmp_path / "catalogue")
    with (root / "examples" / "huge.yaml").open("wb") as huge:  # sparse: costs no disk
        huge.truncate(MAX_FILE_BYTES + 1_000_000)
    monkeypatch.chdir(root)
    monkeypatch.setenv("COLLAB_CACHE_DIR", "")
    workspace = Workspace(root, watch=False)
    workspace.refresh_now()
    studio = client(workspace)
    for path in ("/api/examples/huge.yaml", "/source/examples/huge.yaml"):
        response = studio.get(path)
        assert response.status_code == 413, path
        assert "IO004" in response.text and len(response.content) < 10_000
    # as `collab validate` says: an example the catalogue's checks cannot read
    assert [(d["file"], d["code"]) for d in studio.get("/api/validate").json()["diagnostics"]
            if d["severity"] == "error"] == [("examples/huge.yaml", "IO004")]
    plan = studio.post("/api/plan", json={"example": "huge.yaml"}).json()
    assert [d["code"] for d in plan["diagnostics"]] == ["IO004"]
    compared = {r.name: r for r in read_requests(Workspace(root, watch=False).example_files())}
    assert [d.code for d in compared["examples/huge.yaml"].problems] == ["IO004"]  # the Impact's


# --- 12: a re-created folder is watched -------------------------------------------------


def wait(condition: object, seconds: float = 120.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_item_12_an_edit_in_a_re_created_rules_folder_is_seen(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    root = copy_catalogue(tmp_path / "catalogue")
    monkeypatch.chdir(root)
    monkeypatch.setenv("COLLAB_CACHE_DIR", "")
    workspace = Workspace(root)
    workspace.start()
    try:
        assert wait(lambda: workspace.validation.analysed and not workspace.validation.errors)
        (root / "rules").rename(root / "rules.bak")  # mv rules rules.bak
        assert wait(lambda: workspace.validation.errors)
        shutil.copytree(root / "rules.bak", root / "rules")  # cp -r rules.bak rules
        assert wait(lambda: workspace.validation.analysed and not workspace.validation.errors)
        defaults = root / "rules" / "20-defaults.yaml"
        text = defaults.read_text(encoding="utf-8")
        defaults.write_text(text.replace("  - id: ", "  - id: broken\n    id: ", 1),
                            encoding="utf-8")
        assert wait(lambda: "YAML003" in {d.code for d in workspace.validation.errors})
    finally:
        workspace.stop()


# --- 13: no Mermaid directive in a flowchart --------------------------------------------


DIRECTIVE = "%%{init: {'themeCSS': '.node{background:url(http://evil.example.com/b)}'}}%%"


def test_item_13_a_mermaid_directive_in_a_description_is_drawn_as_text(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_catalogue(tmp_path / "catalogue")
    rules = root / "rules" / "40-activation.yaml"  # a rule every activation chart draws
    text = rules.read_text(encoding="utf-8")
    description = "The service's getting-started documents open from the collaboration's " \
        "edit dialogue."
    assert f"en: {description}\n" in text
    rules.write_text(text.replace(f"en: {description}\n",
                                  f"en: {json.dumps(DIRECTIVE + ' ' + description)}\n"),
                     encoding="utf-8")
    monkeypatch.chdir(root)
    catalogue, problems = validate_catalogue(root, analysis=False)
    assert catalogue is not None
    warned = [p for p in problems if p.code == "CAT070"]
    line = text[:text.index(f"en: {description}\n")].count("\n") + 1  # where the text is written
    assert [(p.file, p.line, p.severity.value) for p in warned] == [
        ("rules/40-activation.yaml", line, "warning")]
    charts = [flowchart(catalogue, flow, lambda rule: f"#rule-{rule}", "en")
              for flow in operation_flows(catalogue).values()]
    drawn = "\n".join(charts)
    assert "#37;#37;#123;init: #123;'themeCSS'" in drawn  # the description, as text
    assert "%%" not in drawn and "evil.example.com/b)}" not in drawn
    for chart in charts:  # the only braces left are Mermaid's own decision shape
        assert re.sub(r'scenario\{"which scenario\?"\}', "", chart).count("{") == 0
    monkeypatch.setenv("COLLAB_CACHE_DIR", "")
    workspace = Workspace(root, watch=False)
    workspace.refresh_now()
    page = client(workspace).get("/catalogue").text
    assert 'securityLevel: "strict"' in page and "antiscript" not in page
    charts = re.findall(r'<pre class="mermaid">(.*?)</pre>', page, re.DOTALL)
    assert len(charts) == 7 and "#37;#37;#123;init" in "".join(charts)
    assert "%%" not in "".join(charts)  # the table shows it as the text it is
