"""Issue 23: a command loads the catalogue from a snapshot in the cache (engine.catalogue.snapshot).
A snapshot must never answer for other files, never be trusted when damaged, planted or foreign,
and a shared cache must hold under 12 runs at once."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from engine.catalogue import checks, snapshot
from engine.catalogue.checks import load_catalogue_at
from engine.catalogue.snapshot import load_catalogue_cached
from engine.evaluation.evaluate import plan
from engine.request.parse import load_request

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "activate-eekonomi-spcs-customer.yaml"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("COLLAB_CACHE_DIR", str(where))
    monkeypatch.chdir(tmp_path)
    return where


@pytest.fixture
def root(tmp_path: Path) -> Path:
    where = tmp_path / "catalogue"
    for part in ("services", "rules"):
        shutil.copytree(ROOT / part, where / part)
    return where


def snapshots(folder: Path) -> list[Path]:
    return sorted(folder.glob("catalogue-*.pickle"))


def plan_json(root: Path, loaded: object) -> str:
    return plan(loaded, load_request(EXAMPLE, loaded)).model_dump_json()  # type: ignore[arg-type]


def full_loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every full load (YAML read and checked) from now on."""
    seen: list[Path] = []

    def counted(where: Path) -> object:
        seen.append(where)
        return load_catalogue_at(where)

    monkeypatch.setattr(checks, "load_catalogue_at", counted)
    return seen


def test_the_second_load_reads_the_snapshot_and_plans_as_the_full_load(
        folder: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = plan_json(root, load_catalogue_at(root))
    loads = full_loads(monkeypatch)
    first = load_catalogue_cached(root)
    assert loads == [root] and len(snapshots(folder)) == 1
    second = load_catalogue_cached(root)
    assert loads == [root]  # no second full load
    assert second.digest == first.digest
    assert plan_json(root, second) == expected


def test_the_cache_folder_is_private(folder: Path, root: Path) -> None:
    load_catalogue_cached(root)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (entry,) = snapshots(folder)
    assert stat.S_IMODE(entry.stat().st_mode) & 0o077 == 0


def test_an_edited_catalogue_is_never_answered_by_the_old_snapshot(
        folder: Path, root: Path) -> None:
    load_catalogue_cached(root)
    rule_file = root / "rules" / "40-activation.yaml"
    text = rule_file.read_text(encoding="utf-8")
    assert "Activate" in text
    rule_file.write_text(text.replace("Activate", "Switch on"), encoding="utf-8")
    edited = load_catalogue_cached(root)
    assert edited.digest == load_catalogue_at(root).digest
    assert "Switch on" in plan_json(root, edited)  # the example's plan has the step "choose Activate"
    assert len(snapshots(folder)) == 2


def _damage(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0xFF
    path.write_bytes(bytes(raw))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:1000])


def _foreign_key(path: Path) -> None:
    header, _, content = path.read_bytes().partition(b"\n")
    fields = header.split(b" ")
    fields[2] = b"0" * 64
    path.write_bytes(b" ".join(fields) + b"\n" + content)


def _planted(path: Path) -> None:
    """A pickle that would run a command, under a header that checks out for this key."""
    marker = path.parent.parent / "pwned"
    content = pickle.dumps(_Exploit(str(marker)), protocol=pickle.HIGHEST_PROTOCOL)
    key = path.name[len("catalogue-"):-len(".pickle")]
    digest = hashlib.sha256(content).hexdigest().encode()
    path.write_bytes(b"%s %d %s %s\n" % (snapshot.FORMAT, snapshot.VERSION, key.encode(), digest)
                     + content)


class _Exploit:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _link(path: Path) -> None:
    good = path.with_name("elsewhere")
    path.rename(good)
    path.symlink_to(good)


@pytest.mark.parametrize("poison", [_damage, _truncate, _foreign_key, _planted, _fifo, _link])
def test_a_damaged_planted_or_foreign_snapshot_is_a_miss(
        folder: Path, root: Path, monkeypatch: pytest.MonkeyPatch, poison: object) -> None:
    load_catalogue_cached(root)
    (entry,) = snapshots(folder)
    poison(entry)  # type: ignore[operator]
    loads = full_loads(monkeypatch)
    loaded = load_catalogue_cached(root)
    assert loads == [root]  # loaded and checked in full
    assert loaded.digest == load_catalogue_at(root).digest
    assert not (folder.parent / "pwned").exists()
    if poison is not _fifo:
        assert entry.is_file() and not entry.is_symlink()
        assert load_catalogue_cached(root).digest == loaded.digest
        assert loads == [root]  # rewritten whole: the next run reads it


def test_a_folder_others_can_write_is_neither_read_nor_written(
        folder: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder.mkdir(mode=0o700)
    folder.chmod(0o777)
    loads = full_loads(monkeypatch)
    load_catalogue_cached(root)
    load_catalogue_cached(root)
    assert loads == [root, root]
    assert snapshots(folder) == []


def test_no_cache_when_collab_cache_dir_is_empty(
        tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLAB_CACHE_DIR", "")
    monkeypatch.chdir(tmp_path)
    loads = full_loads(monkeypatch)
    load_catalogue_cached(root)
    load_catalogue_cached(root)
    assert loads == [root, root]


def test_pruning_keeps_the_newest_and_only_removes_snapshots(
        folder: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder.mkdir(mode=0o700)
    notes = folder / f"catalogue-{'a' * 64}.pickle"
    notes.write_bytes(b"my own notes, not a snapshot")
    monkeypatch.setattr(snapshot, "KEEP", 1)
    rule_file = root / "rules" / "40-activation.yaml"
    load_catalogue_cached(root)
    first = set(snapshots(folder))
    rule_file.write_text(rule_file.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    load_catalogue_cached(root)
    left = set(snapshots(folder))
    assert notes in left and len(left) == 2 and not first - {notes} <= left


def test_twelve_runs_at_once_share_one_cache(tmp_path: Path, root: Path) -> None:
    """12 `collab plan` processes start together on an empty cache: each prints the plan of a
    full load, and the cache ends with one whole snapshot and no temporary file."""
    cache = tmp_path / "shared-cache"
    env = {**os.environ, "COLLAB_CACHE_DIR": str(cache)}
    env.pop("COLLAB_DEBUG", None)
    command = [sys.executable, "-c", "from engine.about import run; run()", "plan",
               "--catalogue", str(root), "--format", "json", str(EXAMPLE)]
    expected = subprocess.run(command, env={**env, "COLLAB_CACHE_DIR": ""}, capture_output=True,
                              check=False, timeout=120)
    assert expected.returncode in (0, 1), expected.stderr
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(12)]
    results = [(run.communicate(timeout=300), run.returncode) for run in runs]
    for (out, err), code in results:
        assert code == expected.returncode, err
        assert out == expected.stdout
    assert len(snapshots(cache)) == 1
    assert [p.name for p in cache.iterdir() if p.name.endswith(".tmp")] == []
    again = subprocess.run(command, env=env, capture_output=True, check=False, timeout=120)
    assert again.stdout == expected.stdout
