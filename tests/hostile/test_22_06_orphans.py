"""Red team, issue 22 item 6: SIGKILL of the main `collab batch` process left both workers
alive for ever, stuck on their pipes (4 of 4 runs).

Each forked worker inherited the main process's pipe ends (its own and the other workers'), so
it never saw an end of file. Now it closes them, the kernel kills it with its parent
(PR_SET_PDEATHSIG) and it checks its parent between chunks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COLLAB = [sys.executable, "-c", "import cli; cli.main()"]

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").exists(),
                                reason="finds the workers through /proc")




def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(child) for child in path.read_text().split()]
    except OSError:
        return []


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting for init to reap it is not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    state = next(line for line in status.splitlines() if line.startswith("State:"))
    return state.split()[1] not in ("Z", "X")


@pytest.mark.parametrize("attempt", range(3))
def test_item_6_workers_end_with_a_main_process_killed_outright(
        attempt: int, requests_file: Path, tmp_path: Path) -> None:
    process = subprocess.Popen([*COLLAB, "batch", str(requests_file), "-o",
                                str(tmp_path / "plans.jsonl"), "--jobs", "2"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(workers := children(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(workers) == 2, "the run never started its workers"
        time.sleep(0.1 + 0.2 * attempt)  # planning, at different points of the run
        assert process.poll() is None, "the run ended before the attack"
        os.kill(process.pid, signal.SIGKILL)  # the main process only, not its group
        process.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(map(running, workers)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [w for w in workers if running(w)], "a worker outlived the main process"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
