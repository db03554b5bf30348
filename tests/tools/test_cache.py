"""The analysis cache never answers for another catalogue: colliding, planted and poisoned
entries are misses, unsafe folders are not used, and pruning removes only its own entries."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from engine import validate_catalogue
from engine.catalogue.checks import load_catalogue_at
from engine.tools import cache
from engine.tools.cache import cache_key

ROOT = Path(__file__).resolve().parents[2]
# a second default that contradicts D14's (tests/broken/ana001-contradictory-defaults.yaml)
CONTRADICTION = """stage: defaults
rules:
  - id: default-recipient-agency-for-subscribers
    description: Contradicts D14.
    source: [D14]
    when:
      scenario: subscriber
      invoice_recipient: {present: false}
    then:
      set: {invoice_recipient: agency}
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cache folder (private, as the tool makes it), named in $COLLAB_CACHE_DIR."""
    where = tmp_path / "cache"
    where.mkdir(mode=0o700)
    monkeypatch.setenv("COLLAB_CACHE_DIR", str(where))
    return where


def copy_catalogue(where: Path, files: dict[str, str] | None = None) -> Path:
    for part in ("services", "rules"):
        shutil.copytree(ROOT / part, where / part)
    for name, text in (files or {}).items():
        (where / name).write_text(text, encoding="utf-8")
    return where


@pytest.fixture
def contradictory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return copy_catalogue(tmp_path / "a", {"rules/25-extra-defaults.yaml": CONTRADICTION})


def codes(root: Path) -> list[str]:
    return [p.code for p in validate_catalogue(root, cache=True)[1]]


def entry_path(folder: Path, root: Path) -> Path:
    return folder / f"analysis-{cache_key(load_catalogue_at(root))}.json"


def assert_replaced(entry: Path, root: Path) -> None:
    """The entry is now a regular file holding this catalogue's own key."""
    assert entry.is_file() and not entry.is_symlink()
    assert json.loads(entry.read_text(encoding="utf-8"))["key"] == cache_key(load_catalogue_at(root))


def test_bytes_moved_across_a_file_boundary_make_another_key(tmp_path: Path) -> None:
    """Two catalogues whose names and bytes, run together, are the same byte string."""
    rule = ("stage: defaults\nrules:\n  - id: note-{n}\n    description: A note.\n"
            "    source: [D14]\n    when: {{scenario: subscriber}}\n"
            "    then: {{warnings: [{{code: NOTE, message: A note.}}]}}\n")
    first, second = rule.format(n="a") + "# note ", "\n" + rule.format(n="b")
    moved = "rules/27-b.yaml"
    one = copy_catalogue(tmp_path / "one", {"rules/26-a.yaml": first,
                                            "rules/27-b.yaml": "#" + moved + second})
    two = copy_catalogue(tmp_path / "two", {"rules/26-a.yaml": first + moved + "#",
                                            "rules/27-b.yaml": second})

    def run_together(root: Path) -> bytes:  # names then bytes, as the key once hashed them
        return b"".join(p.relative_to(root).as_posix().encode() + p.read_bytes()
                        for p in sorted((root / "rules").glob("2[67]-*.yaml")))

    assert run_together(one) == run_together(two)
    assert cache_key(load_catalogue_at(one)) != cache_key(load_catalogue_at(two))


def test_an_entry_for_another_key_is_a_miss_and_is_replaced(folder: Path,
                                                             contradictory: Path) -> None:
    entry = entry_path(folder, contradictory)
    planted = {"format": "collab-analysis-cache", "version": 1, "key": "0" * 64,
               "diagnostics": []}  # a clean catalogue's analysis, under this catalogue's name
    entry.write_text(json.dumps(planted), encoding="utf-8")
    assert "ANA001" in codes(contradictory)
    assert_replaced(entry, contradictory)
    assert "ANA001" in codes(contradictory)  # and the stored entry is used and right


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _text(content: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(content, encoding="utf-8")


POISON: dict[str, Callable[[Path], None]] = {
    "empty-list": _text("[]"),
    "empty-object": _text("{}"),
    "truncated": _text('{"format": "collab-analysis-cache", "version": 1, "key": "'),
    "not-json": _text("\x00\x01binary"),
    "foreign-code": lambda path: path.write_text(json.dumps({
        "format": "collab-analysis-cache", "version": 1, "key": path.name[9:-5],
        "diagnostics": [{"file": "x", "line": 1, "column": 1, "code": "CAT001",
                         "severity": "note", "message": "m", "hint": ""}]}), encoding="utf-8"),
    "fifo": _fifo,
    "dev-zero-link": _dev_zero,
}


# Each poison is an analysis run (1-2 s): two run by default, the rest with the slow tests.
FAST_POISON = ("truncated", "fifo")


@pytest.mark.parametrize("poison", [pytest.param(name, marks=() if name in FAST_POISON else pytest.mark.slow)
                                    for name in POISON], ids=list(POISON))
def test_a_poisoned_entry_is_a_miss_and_is_replaced(poison: str, folder: Path,
                                                    contradictory: Path) -> None:
    entry = entry_path(folder, contradictory)
    POISON[poison](entry)
    assert "ANA001" in codes(contradictory)
    assert_replaced(entry, contradictory)


def test_an_oversized_entry_is_not_read(folder: Path, contradictory: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    codes(contradictory)  # a good entry
    monkeypatch.setattr(cache, "MAX_ENTRY_BYTES", 10)
    assert cache.read_analysis(load_catalogue_at(contradictory), folder) is None


def test_a_folder_others_can_write_is_not_used(folder: Path, contradictory: Path) -> None:
    folder.chmod(0o777)
    entry = entry_path(folder, contradictory)
    _text("[]")(entry)  # planted by anyone
    assert "ANA001" in codes(contradictory)
    assert entry.read_text(encoding="utf-8") == "[]"  # neither read nor written
    result = CliRunner().invoke(cli.main, ["validate", str(contradictory), "--verbose"])
    assert result.stderr.count("analysis cache not used") == 1
    assert "writable by others" in result.stderr


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs chown")
def test_a_folder_of_another_user_is_not_used(folder: Path, contradictory: Path) -> None:
    os.chown(folder, 65534, -1)
    assert "ANA001" in codes(contradictory)
    assert list(folder.iterdir()) == []


def test_pruning_removes_only_entries_the_tool_wrote(folder: Path, contradictory: Path,
                                                     tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    foreign = {
        "analysis-notes.json": "my notes",
        f"analysis-{'a' * 64}.json": "[]",
        f"analysis-{hashlib.sha256(b'x').hexdigest()}.json": json.dumps(
            {"format": "collab-analysis-cache", "version": 1, "key": "b" * 64, "diagnostics": []}),
    }
    for name, text in foreign.items():
        (folder / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(cache, "KEEP", 1)
    codes(copy_catalogue(tmp_path / "clean"))
    codes(contradictory)  # the clean catalogue's entry is now the oldest of ours
    left = {p.name for p in folder.iterdir()}
    assert left == set(foreign) | {entry_path(folder, contradictory).name}
