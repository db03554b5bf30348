"""Red team, issue 22 item 14: `-o` into a world-writable sticky folder (/tmp) followed
another user's link: as root, `collab generate -o sticky/plans.jsonl`, where another user had
planted `plans.jsonl -> victim/important.conf`, replaced root's file; a planted FIFO hung the
run.

A link or FIFO in a sticky, world-writable folder owned by neither the user nor the folder's
owner is now refused, as the kernel's protected_symlinks and protected_fifos do: exit 2,
IO006, naming it. Run as root (os.chown to another uid); skipped otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COLLAB = [sys.executable, "-c", "import cli; cli.main()"]
OTHER_USER = 4242  # not root, not the folder's owner

pytestmark = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                                reason="plants files as another user: needs root")


@pytest.fixture()
def sticky(tmp_path: Path) -> Path:
    folder = tmp_path / "sticky"
    folder.mkdir()
    folder.chmod(0o1777)  # as /tmp
    return folder


@pytest.fixture()
def victim(tmp_path: Path) -> Path:
    path = tmp_path / "victim" / "important.conf"
    path.parent.mkdir()
    path.write_text("root's own settings\n", encoding="utf-8")
    return path


def generate(output: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COLLAB, "generate", "--count", "3", "-o", str(output)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)


def test_item_14_another_users_link_is_not_followed(sticky: Path, victim: Path) -> None:
    planted = sticky / "plans.jsonl"
    planted.symlink_to(victim)
    os.chown(planted, OTHER_USER, OTHER_USER, follow_symlinks=False)
    result = generate(planted)
    assert result.returncode == 2, result.stderr
    assert "(IO006)" in result.stderr and "Traceback" not in result.stderr
    assert f"{planted} is a symbolic link owned by another user (uid {OTHER_USER})" \
        in result.stderr
    assert victim.read_text(encoding="utf-8") == "root's own settings\n"
    assert planted.is_symlink()
    assert [p.name for p in victim.parent.iterdir()] == ["important.conf"]  # no temporary


def test_item_14_another_users_fifo_is_refused_without_hanging(sticky: Path) -> None:
    planted = sticky / "plans.jsonl"
    os.mkfifo(planted)
    os.chown(planted, OTHER_USER, OTHER_USER)
    result = generate(planted)  # before: blocked for ever opening the FIFO
    assert result.returncode == 2, result.stderr
    assert f"{planted} is a FIFO owned by another user (uid {OTHER_USER})" in result.stderr
    assert "(IO006)" in result.stderr


def test_item_14_a_planted_link_on_the_way_is_refused_too(sticky: Path, victim: Path) -> None:
    planted = sticky / "out"
    planted.symlink_to(victim.parent)
    os.chown(planted, OTHER_USER, OTHER_USER, follow_symlinks=False)
    result = generate(planted / "important.conf")
    assert result.returncode == 2, result.stderr
    assert f"{planted} is a symbolic link owned by another user" in result.stderr
    assert victim.read_text(encoding="utf-8") == "root's own settings\n"


def test_item_14_ones_own_link_and_the_folder_owners_are_still_followed(
        sticky: Path, victim: Path, tmp_path: Path) -> None:
    own = sticky / "own.jsonl"
    own.symlink_to(victim)  # root's own link: written through, as README says
    result = generate(own)
    assert result.returncode == 0, result.stderr
    assert victim.read_text(encoding="utf-8").startswith('{"operation"')
    assert own.is_symlink()

    shared = tmp_path / "shared"  # a sticky folder of that user: their link is theirs to make
    shared.mkdir()
    shared.chmod(0o1777)
    os.chown(shared, OTHER_USER, OTHER_USER)
    theirs = shared / "plans.jsonl"
    theirs.symlink_to(victim)
    os.chown(theirs, OTHER_USER, OTHER_USER, follow_symlinks=False)
    assert generate(theirs).returncode == 0


def test_item_14_other_users_files_outside_sticky_folders_are_as_before(
        tmp_path: Path, victim: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    link = folder / "plans.jsonl"
    link.symlink_to(victim)
    os.chown(link, OTHER_USER, OTHER_USER, follow_symlinks=False)
    assert generate(link).returncode == 0  # a folder only its owner writes: no one planted it
