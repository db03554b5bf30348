"""Shared by the review tests (test_review.py, test_diff_review.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the catalogue and its cases whose downgrade warns NOT_DESCRIBED where the
    shipped one warns DATA_LOSS ([001] L23): the one case that shows it now fails, and the
    examples of a downgrade change that way, so their plans are offered for review. The
    current folder, outside CI."""
    for folder in ("services", "rules", "tests/scenarios", "examples", "schemas"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    rules = tmp_path / "rules" / "50-changes.yaml"
    text = rules.read_text(encoding="utf-8")
    assert "code: DATA_LOSS" in text, "the downgrade's data-loss warning moved: adapt this test"
    rules.write_text(text.replace("code: DATA_LOSS", "code: NOT_DESCRIBED", 1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CI", raising=False)
    return tmp_path
