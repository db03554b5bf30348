"""Red team, issue 12 items 11-15 and 17 (SARIF): values an attacker controls (file names,
customer names, case descriptions, options) must not reach a terminal, a workflow log, an XML
report, a URI or git with a meaning of their own.

Each test is named after its item and reproduced the attack as the issue describes it; each
failed on the main branch before the fix (engine/render/escape.py and its callers).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml
from click.testing import CliRunner, Result

import cli

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIBER = ROOT / "examples" / "activate-eekonomi-subscriber.yaml"
# A newline that forges a line, an ANSI "clear screen", a terminal title, a right-to-left override
EVIL = "Evil AB\nOutcome: ready\x1b[2J\x1b]0;pwned\x07\u202e"
EVIL_SHOWN = "Evil AB\\nOutcome: ready\\x1b[2J\\x1b]0;pwned\\x07\\u202e"
# What a terminal would act on: C0/C1 controls (ESC among them) and bidirectional overrides
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(autouse=True)
def no_cache_no_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLAB_CACHE_DIR", "")
    monkeypatch.delenv("COLLAB_DEBUG", raising=False)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as the working directory, so messages name files as typed."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def collab(*args: str | Path) -> Result:
    result = CliRunner().invoke(cli.main, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def copy_catalogue(into: Path) -> Path:
    for folder in ("services", "rules"):
        shutil.copytree(ROOT / folder, into / folder)
    return into


def evil_request(path: Path, name: str = EVIL) -> Path:
    data = yaml.safe_load(SUBSCRIBER.read_text(encoding="utf-8"))
    data["customer"]["name"] = name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def github_unescape(value: str) -> str:
    """What the Actions runner makes of an escaped property (toolkit's command.ts, reversed)."""
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(escaped, char)
    return value


def test_item_11_github_file_property_cannot_inject_commands_or_properties(here: Path) -> None:
    """A file name with a newline, `::` and commas: one annotation, at that very file."""
    catalogue = copy_catalogue(here / "catalogue")
    name = "99-x\n::stop-commands::token\n::error file=forged.yaml,line=7::forged,line=99,title=X.yaml"
    (catalogue / "rules" / name).write_text("\tstage: x\n", encoding="utf-8")  # a tab: line 1
    result = collab("validate", "catalogue", "--format", "github", "--no-analysis")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines and all(re.match(r"::(error|warning|notice) file=[^:]*::", line) for line in lines)
    annotations = [line for line in lines if "99-x" in line]  # the error, and maybe notes
    assert annotations
    for annotation in annotations:
        properties = dict(item.split("=", 1) for item in annotation.split("::")[1]
                          .split(" ", 1)[1].split(","))
        assert set(properties) == {"file", "line", "col", "title"}
        assert github_unescape(properties["file"]) == f"catalogue/rules/{name}"
    assert any(",line=1,col=1,title=YAML001::" in annotation for annotation in annotations)
    assert "forged" not in result.stdout.replace(properties["file"], "")


def test_item_12_junit_control_characters_in_a_case_give_well_formed_xml(here: Path) -> None:
    """`\\x01`, NUL, ESC and a CDATA end in a description: the report parses, showing them."""
    case = here / "case\x1b.yaml"
    case.write_text('description: "bad \\x01 and \\0 and \\e[31m and ]]> end"\n'
                    "request_file: sub.yaml\nreview: {by: a test, why: its own}\n"
                    "expect: {outcome: rejected}\n", encoding="utf-8")
    shutil.copy(SUBSCRIBER, here / "sub.yaml")
    result = collab("test", "--catalogue", ROOT, "--format", "junit", case)
    assert result.exit_code == 1  # the case fails: its description is in the report
    suite = ET.fromstring(result.stdout.encode("utf-8"))  # raises on a malformed document
    (testcase,) = suite.iter("testcase")
    assert testcase.get("name") == "case\\x1b.yaml"
    failure = testcase.find("failure")
    assert failure is not None
    assert failure.get("message") == "bad \\x01 and \\x00 and \\x1b[31m and ]]> end"
    assert "outcome: expected 'rejected', actual 'awaits_customer'" in (failure.text or "")


@pytest.mark.parametrize("command", ["plan", "explain", "diff", "test", "services",
                                     "missing-file"])
def test_item_13_text_output_shows_newlines_and_ansi_in_values_escaped(
        here: Path, command: str) -> None:
    """A customer name (or a file name) cannot forge an `Outcome:` line nor reach the
    terminal's escape sequences, in any command's text output, errors included."""
    request = evil_request(here / "request.json")
    if command == "plan":
        result = collab("plan", request)
        assert result.exit_code == 0
        assert [line for line in result.stdout.splitlines() if line.startswith("Outcome:")] == [
            "Outcome: waits for the customer's approval"]
    elif command == "explain":
        result = collab("explain", request)
        assert result.exit_code == 0
        assert sum(line.startswith("Outcome:") for line in result.stdout.splitlines()) == 1
    elif command == "diff":  # the request names a file whose name carries the attack
        named = here / f"x{EVIL.replace('/', '')}.json"
        request.rename(named)
        catalogue = copy_catalogue(here / "new")
        rules = catalogue / "rules" / "40-activation.yaml"
        rules.write_text(rules.read_text(encoding="utf-8").replace(
            "an email asks the customer to approve it.", "an email asks for approval."),
            encoding="utf-8")
        result = collab("diff", "--old", ROOT, "--new", catalogue, named)
        assert result.exit_code == 1
        assert f"[1 request(s)] e.g. x{EVIL_SHOWN}.json" in result.stdout.splitlines()
    elif command == "test":
        case = here / "case.yaml"
        case.write_text(yaml.safe_dump({"description": EVIL, "request_file": "request.json",
                                        "expect": {"outcome": "rejected"},
                                        "review": {"by": "a test", "why": "its own"}}), encoding="utf-8")
        result = collab("test", "--catalogue", ROOT, case)
        assert result.exit_code == 1
        assert f"FAIL  case.yaml: {EVIL_SHOWN}" in result.stdout.splitlines()
    elif command == "services":  # the catalogue's own texts: a service's name
        catalogue = copy_catalogue(here / "catalogue")
        service = catalogue / "services" / "eekonomi.yaml"
        service.write_text(service.read_text(encoding="utf-8").replace(
            "name: Visma eEkonomi\n", f"name: {json.dumps(EVIL)}\n", 1), encoding="utf-8")
        result = collab("services", "--catalogue", catalogue)
        assert result.exit_code == 0
        assert f"{EVIL_SHOWN} (eekonomi)  [D2, D3]" in result.stdout.splitlines()
    else:  # an error message naming a file: on stderr, escaped too
        result = collab("plan", here / "no\x1b[2Jsuch\n.yaml")
        assert result.exit_code == 2
        assert result.stderr.splitlines()[1].startswith(
            "no\\x1b[2Jsuch\\n.yaml: [error] file not found (IO001)")
    output = result.stdout + result.stderr
    assert not RAW_CONTROL.search(output)
    if command != "missing-file":
        assert EVIL_SHOWN in output


def test_item_14_request_file_outside_the_project_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`request_file: ../../secret` (or a link to it) is refused, and a case's own file that
    is only text is not echoed into the output or the JUnit report."""
    secret = tmp_path / "secret.txt"  # outside the working directory, the case's and the catalogue's
    secret.write_text("SECRET-KEY-LINE-1\nSECRET-KEY-LINE-2\n", encoding="utf-8")
    here = tmp_path / "project"
    cases = here / "cases"
    cases.mkdir(parents=True)
    monkeypatch.chdir(here)
    (cases / "link.txt").symlink_to(secret)
    shutil.copy(secret, cases / "inside.txt")
    for name, target in (("up", "../../secret.txt"), ("absolute", str(secret)),
                         ("link", "link.txt"), ("inside", "inside.txt")):
        (cases / f"{name}.yaml").write_text(
            f"description: {name}\nrequest_file: {target}\nexpect: {{outcome: ready}}\n"
            "review: {by: a test, why: its own}\n",
            encoding="utf-8")
    for output_format in ("text", "junit", "json"):
        result = collab("test", "--catalogue", ROOT, "--format", output_format, cases)
        assert result.exit_code == 2
        assert "SECRET" not in result.output
    text = collab("test", "--catalogue", ROOT, cases).stdout
    for name in ("up", "absolute", "link"):
        assert re.search(rf"^    cases/{name}\.yaml:2:1: \[error\] request_file .* is outside the "
                         r"case's folder, the catalogue's and the working directory \(CASE003\)$",
                         text, re.M), text
    assert ("cases/inside.txt:1:1: [error] the file must hold one mapping (key: value lines), "
            "not text (REQ001)") in text
    # the shipped cases name requests in the catalogue's examples/: still allowed
    shipped_case = ROOT / "tests" / "scenarios" / "activate-lon-smart-start-customer-pays.yaml"
    assert collab("test", "--catalogue", ROOT, shipped_case).exit_code == 0


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@t",
                    *args], check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.parametrize("old", ["--output={victim}", "--output=catalogue.tar", "-o",
                                 "--remote=x", "--exec=touch pwned", "--help"])
def test_item_15_diff_old_is_a_revision_never_a_git_option(here: Path, old: str) -> None:
    """`--old=--output=FILE` once truncated FILE (git archive took it as its option)."""
    catalogue = copy_catalogue(here / "catalogue")
    git(catalogue, "init", "-q")
    git(catalogue, "add", ".")
    git(catalogue, "commit", "-q", "-m", "catalogue")
    victim = here / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    request = evil_request(here / "request.json", "Acme AB")
    old = old.format(victim=victim)
    before = sorted(p.relative_to(here) for p in here.rglob("*") if ".git" not in p.parts)
    result = collab("diff", f"--old={old}", "--new", catalogue, request)
    assert result.exit_code == 2
    assert result.stderr.startswith("catalogue: catalogue\n")  # the catalogue in use, named
    assert result.stderr.splitlines()[1].startswith(f"{old}: [error] neither a folder nor a git "
                                                    "revision of catalogue")
    assert "(GIT001)" in result.stderr
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert sorted(p.relative_to(here) for p in here.rglob("*") if ".git" not in p.parts) == before
    # a revision still works
    assert collab("diff", "--old", "HEAD", "--new", catalogue, request).exit_code == 0


def test_item_17_sarif_uris_are_percent_encoded(here: Path) -> None:
    """A space, `#`, `%`, `?` and non-ASCII in a path: the URI names the file, not a fragment."""
    catalogue = copy_catalogue(here / "my cat#1")
    name = "99 nytt?%20å.yaml"
    (catalogue / "rules" / name).write_text("stage: [unclosed\n", encoding="utf-8")
    result = collab("validate", "my cat#1", "--format", "sarif", "--no-analysis")
    assert result.exit_code == 1
    (run,) = json.loads(result.stdout)["runs"]
    uris = [location["physicalLocation"]["artifactLocation"]["uri"]
            for r in run["results"] for location in r["locations"]]
    assert "my%20cat%231/rules/99%20nytt%3F%2520%C3%A5.yaml" in uris
    for uri in uris:
        assert re.fullmatch(r"[A-Za-z0-9\-._~/%]+", uri), uri
        assert (here / unquote(uri)).is_file(), uri
