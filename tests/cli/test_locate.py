"""Which catalogue a command works on, as a user meets it: the folder named, else the one the
user stands in, else (for the commands that may) the shipped one; and what depends on it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLAB_CACHE_DIR", "")
    monkeypatch.delenv("COLLAB_DEBUG", raising=False)


def collab(*args: str | Path) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def copy_catalogue(into: Path, dependents: bool = False) -> Path:
    """The shipped catalogue copied into ``into`` (with its examples and cases if asked)."""
    for folder in ("services", "rules") + (("examples", "tests/scenarios") if dependents else ()):
        shutil.copytree(ROOT / folder, into / folder)
    return into


JUDGING = [("validate",), ("validate", "--format", "json"), ("test",), ("docs", "--check"),
           ("schema", "--check"), ("sync", "--check"), ("diff", "--old", "HEAD", "--generated")]


@pytest.mark.parametrize("args", JUDGING, ids=[" ".join(a) for a in JUDGING])
def test_commands_judging_a_catalogue_refuse_an_empty_folder(
        args: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = collab(*args)
    assert result.exit_code == 2
    assert "no catalogue here" in result.stderr
    assert "CAT001" in result.stderr
    assert "catalogue is valid" not in result.output and '"valid": true' not in result.output


@pytest.mark.parametrize("command", ["services", "facts"])
def test_describing_commands_use_the_shipped_catalogue_outside_one_and_say_so(
        command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = collab(command)
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0].startswith("catalogue: shipped (")


def test_plan_in_an_empty_folder_uses_the_shipped_catalogue(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = collab("plan", ROOT / "examples" / "activate-eekonomi-spcs-customer.yaml")
    assert result.exit_code == 0
    assert result.stderr.startswith("catalogue: shipped (")
    assert result.stdout.startswith("Plan: activate")


def test_the_catalogue_of_the_current_folder_is_used_and_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_catalogue(tmp_path)
    scanner = tmp_path / "services" / "scanner.yaml"
    scanner.write_text(scanner.read_text(encoding="utf-8").replace(
        "name: Visma Scanner", "name: Visma Skanner"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    services = collab("services")
    assert "Visma Skanner (scanner)" in services.stdout
    assert services.stderr.splitlines()[0] == "catalogue: . (the current folder)"

    report = collab("validate", "--no-analysis", "--format", "json")
    assert report.exit_code == 0
    assert json.loads(report.stdout)["catalogue"] == "."


def test_validate_takes_the_folder_as_argument_or_option_but_not_two_different_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_catalogue(tmp_path / "mine")
    monkeypatch.chdir(tmp_path)
    for args in (("mine",), ("--catalogue", "mine")):
        result = collab("validate", "--no-analysis", *args)
        assert result.exit_code == 0
        assert result.stderr.splitlines() == ["catalogue: mine", "catalogue is valid"]
    assert collab("validate", "mine", "--catalogue", str(ROOT)).exit_code == 2


def _git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   cwd=folder, check=True, capture_output=True)


def test_diff_old_revision_compares_with_the_catalogue_in_use(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scanner made free in the working copy: a new customer of Scanner is activated at once."""
    copy_catalogue(tmp_path)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "catalogue")
    scanner = tmp_path / "services" / "scanner.yaml"
    scanner.write_text(scanner.read_text(encoding="utf-8").replace(
        "paying: true", "paying: false"), encoding="utf-8")
    request = tmp_path / "new-scanner-customer.json"
    request.write_text(json.dumps({
        "operation": "activate", "service": "scanner", "variant": "standard", "task": "T1",
        "invoice_recipient": "customer", "agreement_period": 12,
        "customer": {"name": "Ny AB", "spcs_customer": False,
                     "main_contact": {"name": "Eva", "email": "eva@ny.se"},
                     "contact_details": {"name": "Eva", "email": "eva@ny.se"}},
        "agency": {"id": "556000-0001", "name": "Byrå AB",
                   "tasks": [{"id": "T1", "name": "Bokföring", "responsible": "Anna"}]},
    }), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = collab("diff", "--old", "HEAD", request.name, "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert (report["old"], report["new"], report["changed"]) == ("HEAD", ".", 1)
    assert report["requests"][0]["old_outcome"] == "awaits_customer"
    assert report["requests"][0]["new_outcome"] == "ready"


# --- what depends on the catalogue --------------------------------------------------------


def test_a_renamed_variant_names_every_example_and_case_using_it_at_its_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_catalogue(tmp_path, dependents=True)
    eekonomi = tmp_path / "services" / "eekonomi.yaml"
    eekonomi.write_text(eekonomi.read_text(encoding="utf-8").replace(
        "- id: bokforing", "- id: bokforing_plus"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = collab("validate", "--no-analysis", "--format", "json")
    assert result.exit_code == 1
    errors = [d for d in json.loads(result.stdout)["diagnostics"] if d["severity"] == "error"]
    users = {str(p.relative_to(tmp_path)) for folder in ("examples", "tests/scenarios")
             for p in (tmp_path / folder).glob("*.yaml")
             if "variant: bokforing" in p.read_text(encoding="utf-8")}
    assert users and {e["file"] for e in errors} == users
    for error in errors:
        line = (tmp_path / error["file"]).read_text(encoding="utf-8").splitlines()[error["line"] - 1]
        assert "bokforing" in line, error
        assert error["code"] == "REQ011"


def test_validate_checks_the_requests_named_with_requests(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_catalogue(tmp_path)
    bad = tmp_path / "bad.yaml"
    source = ROOT / "examples" / "activate-eekonomi-spcs-customer.yaml"
    bad.write_text(source.read_text(encoding="utf-8").replace("variant: smart", "variant: smrt"),
                   encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = collab("validate", "--no-analysis", "--requests", "bad.yaml")
    assert result.exit_code == 1
    line = bad.read_text(encoding="utf-8").splitlines().index("variant: smrt") + 1
    assert result.stdout.startswith(f"bad.yaml:{line}:")
    missing = collab("validate", "--no-analysis", "--requests", "missing.yaml")
    assert missing.exit_code == 2 and "missing.yaml: [error] no such file or folder (IO001)" in missing.stderr
    # with the analysis (no cache), the requests are checked in a forked process meanwhile:
    # its error reaches the user as the same message and exit code
    missing = collab("validate", "--no-cache", "--requests", "missing.yaml")
    assert missing.exit_code == 2 and "missing.yaml: [error] no such file or folder (IO001)" in missing.stderr
    assert "Traceback" not in missing.output


def test_a_catalogue_without_ekonomioversikt_gets_diagnostics_not_a_crash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_catalogue(tmp_path)
    (tmp_path / "services" / "ekonomioversikt.yaml").unlink()
    monkeypatch.chdir(tmp_path)
    result = collab("validate")
    assert result.exit_code == 1
    assert "(CAT013)" in result.stdout
