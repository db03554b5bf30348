"""Run the fuzz target (fuzz_load.py) for a bounded time; exit 1 on a crash.

    python fuzz/run.py --seconds 60                     # atheris if installed, else hypothesis
    python fuzz/run.py --seconds 60 --engine hypothesis
    python fuzz/run.py --seconds 60 --strict            # known crashes fail the run too

Starts from the checked-in corpus (fuzz/corpus/, never written to: new inputs go to a
temporary folder) and prints the number of cases run, the outcomes, and every known crash
met. A crash prints the exception and the input, and saves the input under the temporary
folder printed (add it to fuzz/corpus/ once fixed, as a regression seed).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"

#: Pieces of YAML (and JSON) the hypothesis engine splices into the seeds or strings together.
FRAGMENTS = (
    "&a ", "*a", "&b [*a, *a, *a]", "? ", ": ", "- ", "[", "]", "{", "}", ", ", "\n", "\n  ",
    "\t", "---\n", "...\n", "'", '"', "# c\n", "|\n  x\n", ">-\n  y\n", "~", "null", "true",
    "yes", "NO", "1e999", ".nan", "-.inf", "0x1F", "0o17", "1_000", "190:20:30", "2001-02-30",
    "2001-12-14t21:59:43.10-05:00", "12", "3", "'12'", "!!int ", "!!float ", "!!bool ",
    "!!str ", "!!binary ", "!!set ", "!!omap ", "!!timestamp ", "!!python/name:os.system ",
    "!local ", "<<: ", "<<: *a", "%YAML 1.1\n", "%TAG ! tag:example.com,2000:\n", "\\u0000",
    "\ufeff", "é", "🍞", "\u202e", "operation: ", "activate", "end", "link", "service: ",
    "eekonomi", "lon_smart", "variant: ", "smart", "start", "customer: ", "agency: ",
    "name: ", "spcs_customer: ", "collaborations: ", "tasks: ", "task: ", "ending: ",
    "invoice_recipient: ", "agreement_period: ", "settings: ", "stage: ", "rules: ",
    "when: ", "then: ", "variants: ", '{"operation": "activate"}', "[[[[", "]]]]",
)


def _seeds() -> list[bytes]:
    return [path.read_bytes() for path in sorted(CORPUS.iterdir()) if path.is_file()]


# --------------------------------------------------------------------------- atheris

def run_atheris(seconds: int, strict: bool, scratch: Path, verbose: bool) -> int:
    found = scratch / "new-inputs"
    found.mkdir()
    env = dict(os.environ, COLLAB_FUZZ_STRICT="1" if strict else "0",
               COLLAB_FUZZ_SCRATCH=str(scratch))
    command = [sys.executable, str(HERE / "fuzz_load.py"), f"-max_total_time={seconds}",
               "-timeout=10", "-max_len=8192", "-print_final_stats=1",
               f"-artifact_prefix={scratch}/", str(found), str(CORPUS)]
    process = subprocess.run(command, env=env, capture_output=True, text=True,
                             errors="replace", check=False)
    output = process.stdout + process.stderr
    runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", output) or re.search(
        r"Done (\d+) runs", output)
    known = sorted(set(re.findall(r"known crash ([a-z-]+)", output)))
    print(f"engine: atheris (libFuzzer); cases run: {runs.group(1) if runs else 'unknown'}; "
          f"new inputs kept: {len(list(found.iterdir()))}")
    print(f"known crashes met: {', '.join(known) or 'none'}")
    if verbose:  # each kind of known crash met, once, with the input that showed it
        print("\n".join(re.findall(r"^known crash .*\n  input: .*$", output, re.MULTILINE)))
    if process.returncode != 0:
        print("CRASH: the fuzz target failed\n" + output[-6000:])
        for artifact in sorted(scratch.glob("crash-*")) + sorted(scratch.glob("timeout-*")):
            print(f"input ({artifact}): {artifact.read_bytes()[:500]!r}")
        return 1
    return 0


# --------------------------------------------------------------------------- hypothesis

class _SlowError(Exception):
    pass


def _on_alarm(signum: int, frame: Any) -> None:
    raise _SlowError


def run_hypothesis(seconds: int, strict: bool, scratch: Path) -> int:
    os.environ["COLLAB_FUZZ_STRICT"] = "1" if strict else "0"
    os.environ["COLLAB_FUZZ_SCRATCH"] = str(scratch)
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(scratch / "hypothesis"))
    sys.path.insert(0, str(HERE))
    import fuzz_load
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    seeds = _seeds()
    runs = 0

    def one(data: bytes) -> None:
        nonlocal runs
        runs += 1
        signal.setitimer(signal.ITIMER_REAL, fuzz_load.SLOW)
        try:
            fuzz_load.check_input(data)
        except _SlowError:
            (scratch / "timeout-input").write_bytes(data)
            raise TimeoutError(f"one input took more than {fuzz_load.SLOW} s") from None
        except Exception:
            (scratch / "crash-input").write_bytes(data)  # the last one is the shrunk one
            raise
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    @st.composite
    def mutated(draw: st.DrawFn) -> bytes:
        data = bytearray(draw(st.sampled_from(seeds)))
        for _ in range(draw(st.integers(1, 4))):
            where = draw(st.integers(0, len(data)))
            how = draw(st.sampled_from(("fragment", "fragment", "flip", "insert", "delete",
                                        "splice")))
            if how == "flip" and data:
                data[min(where, len(data) - 1)] ^= 1 << draw(st.integers(0, 7))
            elif how == "insert":
                data[where:where] = draw(st.binary(min_size=1, max_size=8))
            elif how == "delete":
                del data[where:where + draw(st.integers(1, 32))]
            elif how == "splice":
                other = draw(st.sampled_from(seeds))
                start = draw(st.integers(0, len(other)))
                data[where:where] = other[start:start + draw(st.integers(1, 80))]
            else:
                data[where:where] = draw(st.sampled_from(FRAGMENTS)).encode()
        return bytes(data)

    yamlish = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(lambda p: "".join(p).encode())
    inputs = st.one_of(mutated(), yamlish, st.binary(max_size=300))

    signal.signal(signal.SIGALRM, _on_alarm)
    deadline = time.monotonic() + seconds

    @settings(max_examples=300, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(inputs)
    def fuzz(data: bytes) -> None:
        if time.monotonic() < deadline:
            one(data)

    try:
        for seed in seeds:
            one(seed)
        while time.monotonic() < deadline:
            fuzz()
    except Exception as error:
        falsifying = getattr(error, "__notes__", [])
        print(f"engine: hypothesis; cases run: {runs}")
        print("CRASH: the fuzz target failed\n" + "".join(traceback.format_exception(error))[-6000:])
        print("\n".join(falsifying))
        for artifact in sorted(scratch.glob("*-input")):
            print(f"input ({artifact.name}): {artifact.read_bytes()[:500]!r}")
        return 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    print(f"engine: hypothesis; cases run: {runs}")
    print(f"known crashes met: {', '.join(sorted(fuzz_load.known_seen)) or 'none'}")
    print(fuzz_load.summary())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="how long to fuzz (default 60)")
    parser.add_argument("--engine", choices=("auto", "atheris", "hypothesis"), default="auto")
    parser.add_argument("--verbose", action="store_true",
                        help="atheris: print each kind of known crash met, with its input")
    parser.add_argument("--strict", action="store_true",
                        help="known crashes (fuzz_load.KNOWN) fail the run too")
    args = parser.parse_args(argv)
    engine = args.engine
    if engine == "auto":
        try:
            import atheris  # noqa: F401
            engine = "atheris"
        except ImportError:
            engine = "hypothesis"
    with tempfile.TemporaryDirectory(prefix="collab-fuzz-run-") as folder:
        scratch = Path(folder)
        if engine == "atheris":
            code = run_atheris(args.seconds, args.strict, scratch, args.verbose)
        else:
            code = run_hypothesis(args.seconds, args.strict, scratch)
        if code:  # keep the crashing input: the temporary folder goes away
            kept = Path(tempfile.mkdtemp(prefix="collab-fuzz-crash-"))
            for artifact in scratch.glob("*-*"):
                if artifact.is_file():
                    (kept / artifact.name).write_bytes(artifact.read_bytes())
            print(f"crash inputs kept in {kept}")
    return code


if __name__ == "__main__":
    sys.exit(main())
