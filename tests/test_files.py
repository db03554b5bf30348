"""Files the tool writes (docs, schemas, batch and generate output) are replaced whole or not
at all: an error or Ctrl-C midway leaves the good file where it was, and no debris."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.files import atomic_writer, write_atomic

ROOT = Path(__file__).resolve().parent.parent


def ctrl_c_as_in_a_terminal() -> None:
    """In the child: Ctrl-C as a terminal's command gets it. A command started in the background
    by a non-interactive shell (as CI may be started) inherits SIGINT ignored, and keeps it so."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_an_error_midway_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "plans.jsonl"
    target.write_text("the good content\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), atomic_writer(target) as stream:
        stream.write("half of the new")
        raise KeyboardInterrupt
    assert target.read_text(encoding="utf-8") == "the good content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plans.jsonl"]


def test_a_finished_write_replaces_the_file_and_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert target.stat().st_mode & 0o777 == 0o640


@pytest.mark.slow  # 20,000 requests generated, then a batch stopped after 3 s (.ci/run runs it)
def test_ctrl_c_during_batch_leaves_the_old_output(tmp_path: Path) -> None:
    requests, plans = tmp_path / "requests.jsonl", tmp_path / "plans.jsonl"
    collab = [sys.executable, "-c", "import cli; cli.main()"]
    subprocess.run([*collab, "generate", "--count", "20000", "-o", str(requests)], cwd=ROOT,
                   check=True)
    plans.write_text("the good content\n", encoding="utf-8")
    process = subprocess.Popen([*collab, "batch", str(requests), "-o", str(plans), "--jobs", "1"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=ctrl_c_as_in_a_terminal)
    # well into the run: once plans are being written to the temporary file (20,000 requests
    # take about 2.5 s on one core; a fixed wait of 3 s once saw the run finish first)
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline and not any(
            p.name.endswith(".tmp") and p.stat().st_size > 0 for p in tmp_path.iterdir()):
        time.sleep(0.01)
    assert process.poll() is None, "batch ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stderr
    assert plans.read_text(encoding="utf-8") == "the good content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plans.jsonl", "requests.jsonl"]


def test_an_atomic_write_never_replaces_what_is_not_a_regular_file(tmp_path: Path) -> None:
    """A link to a device or a pipe (here a FIFO, standing in for /dev/zero) is refused, not
    renamed over: written through as root, the rename once turned /dev/zero into a file."""
    import os
    import stat

    import pytest

    from engine.errors import OutputError
    from engine.files import write_atomic

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "entry.json"
    link.symlink_to(fifo)
    for path in (fifo, link):
        with pytest.raises(OutputError) as raised:
            write_atomic(path, "{}")
        assert raised.value.diagnostics[0].code == "IO006"
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and link.is_symlink()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
