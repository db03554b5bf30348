"""Red team, inputs: streams read once, files read bounded, per-line limits (issue 12, items 1,
6, 7, 16 and the BOM of item 17). Each test is named after its item."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.request.lines import _within_limits, over_limits, parse_line

ROOT = Path(__file__).resolve().parents[2]
COLLAB = [sys.executable, "-c", "import cli; cli.main()"]
EXAMPLE = ROOT / "examples" / "activate-eekonomi-spcs-customer.yaml"


def collab(*args: object, stdin: bytes | None = None, timeout: float = 120,
           stderr_terminal: bool = False, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run collab; with ``stderr_terminal`` its stderr is a terminal, as for a person."""
    if not stderr_terminal:
        return subprocess.run([*COLLAB, *map(str, args)], input=stdin and stdin.decode(),
                              capture_output=True, text=True, timeout=timeout, cwd=cwd,
                              check=False)
    leader, follower = pty.openpty()
    with subprocess.Popen([*COLLAB, *map(str, args)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=follower, cwd=cwd) as process:
        os.close(follower)
        seen: list[bytes] = []

        def drain() -> None:  # the terminal's screen: read it so that the run never blocks
            while True:
                try:
                    data = os.read(leader, 65536)
                except OSError:
                    return
                if not data:
                    return
                seen.append(data)

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        stdout, _ = process.communicate(stdin, timeout=timeout)
        reader.join(5)
        os.close(leader)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout.decode(),
                                       b"".join(seen).decode(errors="replace"))


@pytest.fixture(scope="module")
def requests_text() -> str:
    result = collab("generate", "--count", "300")
    assert result.returncode == 0, result.stderr
    return result.stdout


def plans(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


# --------------------------------------------------------------------------- item 1


def test_item_1_a_pipe_fifo_or_dev_stdin_is_planned_whole_with_a_progress_bar(
        requests_text: str, tmp_path: Path) -> None:
    output = tmp_path / "plans.jsonl"
    output.write_text("the old plans\n", encoding="utf-8")
    fifo = tmp_path / "requests.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("w", encoding="utf-8") as writer:
            writer.write(requests_text)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    from_fifo = collab("batch", fifo, "-o", output, "--jobs", "2", stderr_terminal=True)
    feeder.join(5)
    assert from_fifo.returncode == 0, from_fifo.stderr
    assert len(plans(output.read_text(encoding="utf-8"))) == 300
    assert "300 request(s)" in from_fifo.stderr
    assert "planning" in from_fifo.stderr  # the progress line showed, without a count first

    for source in ("-", "/dev/stdin"):
        piped = collab("batch", source, "--jobs", "1", stdin=requests_text.encode(),
                       stderr_terminal=True)
        assert piped.returncode == 0, piped.stderr
        assert len(plans(piped.stdout)) == 300
        assert "300 request(s)" in piped.stderr


# --------------------------------------------------------------------------- item 6


def test_item_6_devices_and_huge_files_are_refused_before_being_read(tmp_path: Path) -> None:
    sparse = tmp_path / "sparse.yaml"
    with sparse.open("wb") as file:
        file.truncate(3 * 1024**3)  # 3 GB that take no disk: reading them whole would
    for request in ("/dev/zero", "/dev/urandom", sparse):
        result = collab("plan", request, timeout=30)
        assert result.returncode == 2, result.stderr
        assert "IO004" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr

    batch = collab("batch", "/dev/zero", timeout=30)
    assert (batch.returncode, "IO007" in batch.stderr) == (2, True), batch.stderr

    catalogue = tmp_path / "catalogue"
    for folder in ("services", "rules"):
        shutil.copytree(ROOT / folder, catalogue / folder)
    (catalogue / "services" / "zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(catalogue / "services" / "fifo.yaml")  # would hang a blocking open
    result = collab("validate", catalogue, "--no-analysis", timeout=60)
    assert result.returncode == 1, result.stderr
    assert "zero.yaml: [error] is a device, not a regular file (IO007)" in result.stdout
    assert "fifo.yaml: [error] is a pipe, not a regular file (IO007)" in result.stdout


# --------------------------------------------------------------------------- item 7


def test_item_7_a_line_over_a_limit_is_one_short_error_line(tmp_path: Path) -> None:
    request = json.loads(json.dumps(__import__("yaml").safe_load(EXAMPLE.read_text("utf-8"))))
    subscription = {"service": "nothing", "variant": "none"}
    huge = dict(request, customer=dict(request["customer"], subscriptions=[subscription] * 10**6))
    many = dict(request, customer=dict(request["customer"], subscriptions=[subscription] * 2000))
    bad = dict(request, customer=dict(request["customer"], subscriptions=[subscription] * 500))
    deep: object = 1
    for _ in range(60):
        deep = [deep]
    lines = [json.dumps(huge), json.dumps(many), json.dumps(dict(request, note=deep)),
             json.dumps(bad), json.dumps(request)]
    path = tmp_path / "requests.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 30_000_000

    result = collab("batch", path, "--jobs", "2", timeout=120)
    assert result.returncode == 1, result.stderr
    out = result.stdout.splitlines()
    assert len(out) == 5 and all(len(line) < 50_000 for line in out)
    errors = [json.loads(line).get("error") for line in out]
    assert errors[0][0]["code"] == "JSON003" and "1,000,000 bytes" in errors[0][0]["message"]
    assert errors[1][0]["code"] == "JSON003" and "2,000 items" in errors[1][0]["message"]
    assert errors[2][0]["code"] == "JSON003" and "nested more than 50" in errors[2][0]["message"]
    assert len(errors[3]) < 10 and "500 times" in json.dumps(errors[3])  # collapsed, counted
    assert "plan" in json.loads(out[4])


def _nested(depth: int) -> Any:
    """``depth`` objects and lists, one inside the other."""
    value: Any = 0
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@pytest.mark.parametrize(("value", "over"), [
    (list(range(1_000)), False), (list(range(1_001)), True),
    (_nested(50), False), (_nested(51), True),
    ({"names": [",,,[[{{" * 200]}, False),  # brackets and commas inside a string
])
def test_item_9_the_limits_hold_at_their_edges(value: Any, over: bool) -> None:
    raw = json.dumps(value).encode()
    assert (parse_line("x.jsonl", 1, raw).problems != ()) is over


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.integers() | st.text(alphabet=",[]{}a\"", max_size=5),
                    lambda inner: st.lists(inner, max_size=30) | st.dictionaries(
                        st.text(alphabet=",[{a", max_size=3), inner, max_size=5),
                    max_leaves=400))
def test_item_9_the_quick_look_at_a_line_never_lets_one_over_the_limits_through(value: Any) -> None:
    raw = json.dumps(value).encode()
    if _within_limits(raw):
        assert over_limits(value) is None


# --------------------------------------------------------------------------- item 16 and 17


def test_item_16_a_key_written_twice_in_a_json_line_is_an_error(tmp_path: Path) -> None:
    request = json.loads(json.dumps(__import__("yaml").safe_load(EXAMPLE.read_text("utf-8"))))
    text = json.dumps(request)
    twice = text.replace('"operation": "activate"', '"operation": "end", "operation": "activate"')
    assert twice != text
    path = tmp_path / "requests.jsonl"
    path.write_text(twice + "\n" + text + "\n", encoding="utf-8")
    result = collab("batch", path, "--jobs", "1")
    assert result.returncode == 1, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["error"][0]["code"] == "JSON002"
    assert "duplicate key 'operation'" in first["error"][0]["message"]
    assert "plan" in second


def test_item_17_a_bom_on_line_1_of_json_lines_is_read(requests_text: str, tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + requests_text.encode())
    result = collab("batch", path, "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert all("plan" in plan for plan in plans(result.stdout))
