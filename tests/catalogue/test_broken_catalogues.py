"""A corpus of broken catalogues: each file in tests/broken/ edits a copy of the shipped
catalogue and lists every error and warning `collab validate` must report (code, file, line).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine import validate_catalogue
from engine.codes import CODES

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted((ROOT / "tests" / "broken").glob("*.yaml"))


def apply(edit: dict[str, Any], root: Path) -> None:
    path = root / edit["file"]
    if "replace" in edit:
        text = path.read_text(encoding="utf-8")
        assert edit["replace"] in text, f"{edit['file']} has no {edit['replace']!r}"
        path.write_text(text.replace(edit["replace"], edit["with"], 1), encoding="utf-8")
    elif "write" in edit:
        path.write_text(edit["write"], encoding="utf-8")
    elif "write_latin1" in edit:
        path.write_bytes(edit["write_latin1"].encode("latin-1"))
    elif edit.get("mkdir"):
        path.mkdir()
    elif edit.get("delete"):
        path.unlink()
    elif edit.get("delete_folder"):
        shutil.rmtree(path)
    else:
        raise AssertionError(f"unknown edit {edit}")


def found(root: Path) -> list[dict[str, Any]]:
    _, problems = validate_catalogue(root)
    return [{"code": p.code, "file": p.file, "line": p.line}
            for p in problems if p.severity.value != "note"]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_broken_catalogue(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    for folder in ("services", "rules"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    for edit in case["edits"]:
        apply(edit, tmp_path)
    monkeypatch.chdir(tmp_path)  # diagnostics name files relative to the working directory
    assert found(tmp_path) == case["expect"], case["description"]


def test_every_catalogue_code_has_a_broken_catalogue() -> None:
    covered = {item["code"] for path in CASES
               for item in yaml.safe_load(path.read_text(encoding="utf-8"))["expect"]}
    wanted = {code for code in CODES
              if code.startswith(("YAML", "CAT", "ANA")) and code not in ("ANA008", "CAT004")}
    assert wanted - covered == set()
