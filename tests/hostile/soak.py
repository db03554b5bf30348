"""Soak `collab batch` under attack (issue 12): not part of the default test run.

Generates LINES requests, then ROUNDS times: starts `collab batch --jobs JOBS -o plans.jsonl`
and, once it is planning, kills a worker (SIGKILL, as the out-of-memory killer does), then in
the next run presses Ctrl-C (SIGINT to the process group), then sends SIGTERM to the group,
then kills the main process alone (SIGKILL, issue 22). Each run must end within 60 s with its
exit code (3, 130, 143, -9), no traceback, no process left in its group, no temporary file
left (after SIGKILL: none once the next write into the folder removed it) and the old output
intact. With --complete, one last run
plans every line and its time, rate and peak memory are reported.

    python tests/hostile/soak.py                       # 1,000,000 lines, 20 rounds, 2 jobs
    python tests/hostile/soak.py --lines 20000 --rounds 3   # the short version CI runs

Exits 0 when every run behaved, 1 otherwise (each misbehaviour is printed).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COLLAB = [sys.executable, "-c", "import cli; cli.main()"]


def ctrl_c_as_in_a_terminal() -> None:
    """In the child: Ctrl-C as a terminal's command gets it. A command started in the background
    by a non-interactive shell (as CI may be started) inherits SIGINT ignored, and keeps it so."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


OLD = "the old output, which must survive every attack\n"
EVENTS = (("kill a worker", 3), ("Ctrl-C", 130), ("SIGTERM", 143), ("kill the main", -9))


def debris(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(child) for child in path.read_text().split()]
    except OSError:
        return []


def group_alive(pgid: int) -> bool:
    """Whether a process of the group still runs. Once the main process is killed, its dead
    workers are zombies until init reaps them (about 1.5 s in some containers): not alive."""
    if not Path("/proc/self/stat").exists():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (name)"
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def attack(requests: Path, plans: Path, jobs: int, event: str, delay: float) -> tuple[float, str]:
    """One run attacked by ``event`` after ``delay`` s of planning: (seconds to stop, problem)."""
    process = subprocess.Popen([*COLLAB, "batch", str(requests), "-o", str(plans),
                                "--jobs", str(jobs)], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=ctrl_c_as_in_a_terminal)
    deadline = time.monotonic() + 120
    while not debris(plans.parent) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    while len(children(process.pid)) < (jobs if jobs > 1 else 0) and process.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(delay)
    try:
        if event == "kill a worker":
            workers = children(process.pid)
            if not workers:
                process.kill()
                return 0.0, f"no worker found to kill\n{process.communicate()[1]}"
            os.kill(random.choice(workers), signal.SIGKILL)
        elif event == "kill the main":
            os.kill(process.pid, signal.SIGKILL)  # its workers must follow it
        else:
            os.killpg(process.pid, signal.SIGINT if event == "Ctrl-C" else signal.SIGTERM)
    except ProcessLookupError:
        return 0.0, f"the run had ended before the attack\n{process.communicate()[1]}"
    sent = time.monotonic()
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return 60.0, "HANG: still running 60 s after the attack"
    seconds = time.monotonic() - sent
    expected = dict(EVENTS)[event]
    time.sleep(0.2)
    problems = []
    if process.returncode != expected:
        problems.append(f"exit {process.returncode}, not {expected}")
    if "Traceback" in stderr:
        problems.append("a traceback")
    if group_alive(process.pid):
        problems.append("a process of the run outlived it")
        os.killpg(process.pid, signal.SIGKILL)
    if event == "kill the main" and debris(plans.parent):  # left by SIGKILL: the next write
        other = plans.parent / "other.jsonl"               # into the folder removes it
        subprocess.run([*COLLAB, "generate", "--count", "1", "-o", str(other)], cwd=ROOT,
                       capture_output=True, check=False)
        other.unlink(missing_ok=True)
    if debris(plans.parent):
        problems.append(f"temporary files left: {debris(plans.parent)}")
    if plans.read_text(encoding="utf-8") != OLD:
        problems.append("the old output was changed")
    return seconds, "; ".join(problems) + (f"\n{stderr}" if problems else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--complete", action="store_true",
                        help="finally plan every line once, and report time, rate and memory")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--requests", type=Path, default=None,
                        help="plan this JSON Lines file instead of generating --lines requests")
    options = parser.parse_args()
    random.seed(options.seed)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="collab-soak-") as scratch:
        folder = Path(scratch)
        requests, plans = options.requests or folder / "requests.jsonl", folder / "plans.jsonl"
        if options.requests is None:
            started = time.monotonic()
            subprocess.run([*COLLAB, "generate", "--count", str(options.lines), "-o",
                            str(requests)], cwd=ROOT, check=True)
            print(f"generated {options.lines:,} lines ({requests.stat().st_size / 1e6:,.0f} MB) "
                  f"in {time.monotonic() - started:.1f} s", flush=True)
        plans.write_text(OLD, encoding="utf-8")
        stops: dict[str, list[float]] = {event: [] for event, _ in EVENTS}
        for round_number in range(1, options.rounds + 1):
            for event, _ in EVENTS:
                seconds, problem = attack(requests, plans, options.jobs, event,
                                          random.uniform(0.1, 2.0))
                stops[event].append(seconds)
                if problem:
                    failures += 1
                    print(f"round {round_number}, {event}: {problem}", flush=True)
            print(f"round {round_number}/{options.rounds} done", flush=True)
        for event, code in EVENTS:
            times = stops[event]
            print(f"{event:>13} (exit {code}): {len(times)} runs, stopped in "
                  f"{statistics.mean(times):.2f} s on average, {max(times):.2f} s at most")
        if options.complete:
            started = time.monotonic()
            result = subprocess.run([*COLLAB, "batch", str(requests), "-o", str(plans),
                                     "--jobs", str(options.jobs)], cwd=ROOT,
                                    capture_output=True, text=True, check=False)
            seconds = time.monotonic() - started
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            with plans.open("rb") as written:
                count = sum(1 for _ in written)
            print(f"complete run: exit {result.returncode}, {count:,} plan lines in "
                  f"{seconds:.0f} s ({count / seconds:,.0f} per second), peak RSS of one "
                  f"process {peak:,.0f} MB\n{result.stderr.strip()}")
            if result.returncode not in (0, 1) or (options.requests is None
                                                   and count != options.lines):
                failures += 1
        print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
