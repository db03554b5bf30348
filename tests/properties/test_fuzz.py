"""The fuzz target (fuzz/fuzz_load.py) on its checked-in corpus, and a bounded fuzz run.

Every seed must give a value or a CollabError (no other exception). Seeds that hit a crash
already reported are expected failures (not strict: they pass once it is fixed; then move
the seed out of KNOWN_SEEDS). The fuzz run fails on any crash not listed in fuzz_load.KNOWN.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from collab_support import ROOT, count

pytestmark = pytest.mark.slow  # property tests: .ci/run runs them (pytest -m slow)

FUZZ = ROOT / "fuzz"
SEEDS = sorted(p for p in (FUZZ / "corpus").iterdir() if p.is_file())
FUZZ_SECONDS = 12  # the run under CI; `python fuzz/run.py --seconds N` fuzzes longer

#: seed -> the known crash (fuzz_load.KNOWN) it hits today
KNOWN_SEEDS: dict[str, str] = {}  # seed file -> a crash in fuzz_load.KNOWN it still hits


def _fuzz_load():  # type: ignore[no-untyped-def]
    if str(FUZZ) not in sys.path:
        sys.path.insert(0, str(FUZZ))
    return importlib.import_module("fuzz_load")


def _seed_param(path: Path) -> object:
    crash = KNOWN_SEEDS.get(path.name)
    if crash is None:
        return pytest.param(path, id=path.name)
    known = {k.name: k for k in _fuzz_load().KNOWN}[crash]
    return pytest.param(path, id=path.name,
                        marks=pytest.mark.xfail(strict=False, reason=f"{crash}: {known.what}"))


def test_the_corpus_is_small_and_varied() -> None:
    assert len(SEEDS) >= 20
    assert all(p.stat().st_size <= 8192 for p in SEEDS), "libFuzzer runs with -max_len=8192"
    assert set(KNOWN_SEEDS) <= {p.name for p in SEEDS}


@pytest.mark.parametrize("path", [_seed_param(p) for p in SEEDS])
def test_seed_gives_a_value_or_a_collab_error(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fuzz_load = _fuzz_load()
    monkeypatch.setattr(fuzz_load, "STRICT", True)  # a known crash is a failure here
    fuzz_load.check_input(path.read_bytes())
    count("fuzz: seeds", "passed")


def _run(engine: str, seconds: int) -> str:
    process = subprocess.run(
        [sys.executable, str(FUZZ / "run.py"), "--seconds", str(seconds), "--engine", engine],
        cwd=ROOT, capture_output=True, text=True, errors="replace", timeout=seconds + 120,
        check=False)
    output = process.stdout + process.stderr
    assert process.returncode == 0, f"the fuzz run found a new crash:\n{output[-8000:]}"
    cases = re.search(r"cases run: (\d+)", output)
    assert cases and int(cases.group(1)) > 0, output[-2000:]
    count(f"fuzz: {engine} run of {seconds} s", "cases", int(cases.group(1)))
    known = re.search(r"known crashes met: (.*)", output)
    if known:
        for name in known.group(1).split(", "):
            count(f"fuzz: {engine} run of {seconds} s", f"known crash {name}")
    return output


def _has_atheris() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


def test_a_bounded_fuzz_run_finds_no_new_crash() -> None:
    """atheris (libFuzzer) when installed, else hypothesis: FUZZ_SECONDS from the corpus."""
    _run("atheris" if _has_atheris() else "hypothesis", FUZZ_SECONDS)


@pytest.mark.skipif(not _has_atheris(), reason="the run above used hypothesis already")
def test_the_hypothesis_engine_works_too() -> None:
    """CI installs no atheris: keep its fallback working."""
    _run("hypothesis", 3)
