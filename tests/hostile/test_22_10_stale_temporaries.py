"""Red team, issue 22 item 10: a run in another PID namespace removed a live run's temporary
file (its PID did not exist there), and the long run lost its work (IO006).

A temporary file is now judged by its lock: a run holds an exclusive flock on it while it
writes, so a file whose lock is free was left by a run that died, whatever its PID says.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.files import atomic_writer, write_atomic
from engine.output_guards import remove_stale_temporaries

HOLD = """
import fcntl, os, sys
descriptor = os.open(sys.argv[1], os.O_RDWR)
fcntl.flock(descriptor, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()  # held until the test closes our stdin
"""


def _holding(path: Path) -> subprocess.Popen[str]:
    """Another process holding ``path``'s lock, as a live run in another namespace does."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def test_item_10_a_locked_temporary_of_an_unknown_pid_is_kept(tmp_path: Path) -> None:
    live = tmp_path / ".plans.jsonl.collab-999999999-abcd1234.tmp"  # no such PID here
    live.write_text("a long run's work so far\n", encoding="utf-8")
    holder = _holding(live)
    try:
        write_atomic(tmp_path / "other.jsonl", "another run's output\n")
        assert remove_stale_temporaries(tmp_path) == []
        assert live.read_text(encoding="utf-8") == "a long run's work so far\n"
    finally:
        holder.communicate("")
    assert remove_stale_temporaries(tmp_path) == [live]  # its run gone: its lock free
    assert not live.exists()


def test_item_10_an_unlocked_temporary_is_removed_even_with_a_live_pid(tmp_path: Path) -> None:
    """A PID that exists here (this very process's parent) proves nothing: no lock, stale."""
    stale = tmp_path / f".plans.jsonl.collab-{os.getppid()}-abcd1234.tmp"
    stale.write_text("left by a run killed with SIGKILL\n", encoding="utf-8")
    write_atomic(tmp_path / "plans.jsonl", "new\n")
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plans.jsonl"]


def test_item_10_a_run_keeps_its_own_temporary_locked_until_it_is_renamed(tmp_path: Path) -> None:
    """While one write is in progress, a sweep (another run's, or this process's next write)
    leaves its temporary file alone, and the write completes."""
    plans = tmp_path / "plans.jsonl"
    with atomic_writer(plans) as out:
        out.write("half")
        (ours,) = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        checker = subprocess.run(
            [sys.executable, "-c", "import sys; from pathlib import Path; "
             "from engine.output_guards import remove_stale_temporaries as r; "
             "print(len(r(Path(sys.argv[1]))))", str(tmp_path)],
            capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2])
        assert checker.stdout == "0\n"
        write_atomic(tmp_path / "other.jsonl", "x\n")  # sweeps the folder from this process
        assert ours.exists()
        out.write(" and the rest\n")
    assert plans.read_text(encoding="utf-8") == "half and the rest\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.jsonl", "plans.jsonl"]


def test_item_10_a_planted_link_or_fifo_named_as_a_temporary_is_left_alone(tmp_path: Path) -> None:
    victim = tmp_path / "victim.conf"
    victim.write_text("keep\n", encoding="utf-8")
    link = tmp_path / ".plans.jsonl.collab-1-link.tmp"
    link.symlink_to(victim)
    fifo = tmp_path / ".plans.jsonl.collab-1-fifo.tmp"
    os.mkfifo(fifo)
    assert remove_stale_temporaries(tmp_path) == []  # never opened through, never blocked on
    assert link.is_symlink() and fifo.exists() and victim.read_text(encoding="utf-8") == "keep\n"


def test_item_10_a_file_system_without_locks_still_takes_outputs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Some network and FUSE file systems refuse flock (ENOLCK): a write there still works,
    and a sweep there cannot tell a live file from a stale one, so it removes none."""
    import errno
    import fcntl

    def no_locks(descriptor: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    other = tmp_path / ".plans.jsonl.collab-1-abcd1234.tmp"
    other.write_text("maybe a live run's\n", encoding="utf-8")
    monkeypatch.setattr(fcntl, "flock", no_locks)
    write_atomic(tmp_path / "plans.jsonl", "new\n")
    assert (tmp_path / "plans.jsonl").read_text(encoding="utf-8") == "new\n"
    assert other.exists()
