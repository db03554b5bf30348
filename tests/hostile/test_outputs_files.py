"""Red team, outputs: devices written in place, links followed, temporary files cleaned, write
errors as IO006 with exit 2, a closed stdout (issue 12, items 2, 3, 9 and 10)."""

from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
COLLAB = [sys.executable, "-c", "import cli; cli.main()"]
EXAMPLE = ROOT / "examples" / "activate-eekonomi-spcs-customer.yaml"


def collab(*args: object, **options: Any) -> subprocess.CompletedProcess[str]:
    result: subprocess.CompletedProcess[str] = subprocess.run(
        [*COLLAB, *map(str, args)], capture_output=True, text=True, timeout=120, cwd=ROOT,
        check=False, **options)
    return result




def debris(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --------------------------------------------------------------------------- item 2


def test_item_2_devices_dash_and_links_are_never_replaced_by_a_file(tmp_path: Path) -> None:
    for device in ("/dev/null", "/dev/stdout"):
        before = Path(device).stat().st_mode
        result = collab("generate", "--count", "5", "-o", device)
        assert result.returncode == 0, result.stderr
        assert Path(device).stat().st_mode == before  # still the device (root could replace it)
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)
    assert len(collab("generate", "--count", "5", "-o", "/dev/stdout").stdout.splitlines()) == 5
    assert len(collab("generate", "--count", "5", "-o", "-").stdout.splitlines()) == 5
    assert not (ROOT / "-").exists()

    full = collab("generate", "--count", "5", "-o", "/dev/full")
    assert full.returncode == 2, full.stderr
    assert "/dev/full: [error] cannot write: No space left on device (IO006)" in full.stderr

    target = tmp_path / "real.jsonl"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    assert collab("generate", "--count", "5", "-o", link).returncode == 0
    assert link.is_symlink()  # the link is kept and its target replaced
    assert len(target.read_text(encoding="utf-8").splitlines()) == 5


# --------------------------------------------------------------------------- item 3


@pytest.mark.slow  # a soak: SIGTERM and SIGKILL into two running commands (.ci/run runs it)
def test_item_3_sigterm_or_sigkill_leave_no_temporary_file(requests_file: Path,
                                                           tmp_path: Path) -> None:
    plans = tmp_path / "plans.jsonl"
    plans.write_text("the good content\n", encoding="utf-8")
    for command in (["batch", requests_file, "--jobs", "2"], ["generate", "--count", "3000000"]):
        process = subprocess.Popen([*COLLAB, *map(str, command), "-o", str(plans)], cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
        deadline = time.monotonic() + 60
        while not debris(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert debris(tmp_path), "the run never started writing"
        time.sleep(0.3)
        os.killpg(process.pid, signal.SIGTERM)  # as `kill` or a container runtime does
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 143, stderr
        assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
        assert "terminated" in stderr
        assert plans.read_text(encoding="utf-8") == "the good content\n"
        assert debris(tmp_path) == []

    # SIGKILL cannot be handled: the temporary file stays, and the next run removes it
    killed = subprocess.Popen([*COLLAB, "generate", "--count", "3000000", "-o", str(plans)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not debris(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.02)
    killed.kill()
    killed.wait()
    left = debris(tmp_path)
    assert len(left) == 1 and left[0].startswith(".plans.jsonl.collab-")  # named to be found
    assert collab("generate", "--count", "5", "-o", tmp_path / "other.jsonl").returncode == 0
    assert debris(tmp_path) == []
    assert plans.read_text(encoding="utf-8") == "the good content\n"


# --------------------------------------------------------------------------- item 9


def _file_size_limit() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))


def test_item_9_write_failures_are_io_errors_naming_the_path(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("", encoding="utf-8")
    result = collab("generate", "--count", "5", "-o", a_file / "plans.jsonl")
    assert result.returncode == 2, result.stderr
    assert "a-file/plans.jsonl: [error] cannot write: Not a directory (IO006)" in result.stderr

    big = tmp_path / "big.jsonl"
    result = collab("generate", "--count", "2000", "-o", big, preexec_fn=_file_size_limit)
    assert result.returncode == 2, result.stderr
    assert "big.jsonl: [error] cannot write: File too large (IO006)" in result.stderr
    assert "ulimit" in result.stderr
    assert not big.exists() and debris(tmp_path) == []

    with (tmp_path / "out.json").open("w") as redirected:  # `collab plan > out.json`
        result = subprocess.run([*COLLAB, "generate", "--count", "2000"], stdout=redirected,
                                stderr=subprocess.PIPE, text=True, timeout=120, cwd=ROOT,
                                preexec_fn=_file_size_limit, check=False)
    assert result.returncode == 2, result.stderr
    assert "<stdout>: [error] cannot write: File too large (IO006)" in result.stderr

    if os.geteuid() != 0:  # root writes anywhere: permissions cannot be tested as root
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        result = collab("generate", "--count", "5", "-o", locked / "plans.jsonl")
        assert result.returncode == 2 and "Permission denied (IO006)" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


# --------------------------------------------------------------------------- item 10


@pytest.mark.parametrize("command", [["generate", "--count", "5"], ["plan", str(EXAMPLE)],
                                     ["batch", "-", "--jobs", "1"]])
def test_item_10_a_closed_stdout_is_an_io_error(command: list[str]) -> None:
    result = subprocess.run(" ".join([*COLLAB[:2], repr(COLLAB[2]), *command]) + " >&-",
                            shell=True, input="{}\n", capture_output=True, text=True,
                            timeout=120, cwd=ROOT, check=False)
    assert result.returncode == 2, result.stderr
    assert "<stdout>: [error] cannot write: standard output is closed (IO006)" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
