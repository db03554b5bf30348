"""durable-rules' fixed limits: the model in engine.evaluation.limits says what its C core
does, and catalogues past the limits either plan or fail validation with a code, never crash.

The plans of big catalogues run in a child process: past a limit durable-rules can abort the
process (SIGABRT), which must show as a failed test, not a dead test run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engine.evaluation import limits

ROOT = Path(__file__).resolve().parents[2]
COLLAB = str(Path(sys.executable).parent / "collab")
EXAMPLE = str(ROOT / "examples" / "activate-eekonomi-spcs-customer.yaml")
core = pytest.importorskip("durable_rules_engine")
_names = iter(range(10**6))


def _register(conditions: list[dict[str, Any]]) -> int:
    definition = {str(i): {"all": [{"m": c}]} for i, c in enumerate(conditions)}
    definition["s"] = {"all": [{"m": limits.SENTINEL}]}
    return int(core.create_ruleset(f"limits-test-{next(_names)}", json.dumps(definition)))


def _fired(handle: int, fact: dict[str, Any], sid: str) -> int:
    """How many rules fire; the session is deleted only when the assert worked (deleting a
    half-written one aborts the process)."""
    state = core.assert_fact(handle, json.dumps({**fact, "sid": sid, "kind": "request"}))[1]
    count = 0
    message = (core.start_action_for_state(handle, state) or (None, None))[1]
    while message:
        count += 1
        message = core.complete_and_start_action(handle, state)
    core.delete_state(handle, sid)
    return count - 1  # the sentinel


def _with_list(copies: int) -> list[dict[str, Any]]:
    """``copies`` rules that share their first test and each hold a list (an `$or`)."""
    return [{"$and": [limits.SENTINEL, {"operation": "activate"},
                      {"$or": [{"scenario": "subscriber"}, {"scenario": "spcs_customer"}]}]}
            ] * copies


@pytest.mark.parametrize(("conditions", "refused"), [
    ([{"$and": [limits.SENTINEL, {"operation": "activate"}]}] * 255, False),
    ([{"$and": [limits.SENTINEL, {"operation": "activate"}]}] * 300, True),  # error 108
    ([{"$and": [limits.SENTINEL, *[{"$or": [{f"f{i}": "a"}, {f"f{i}": "b"}]} for i in range(14)]]}],
     False),
    ([{"$and": [limits.SENTINEL, *[{"$or": [{f"f{i}": "a"}, {f"f{i}": "b"}]} for i in range(15)]]}],
     True),  # error 113
])
def test_the_model_knows_which_rulesets_durable_rules_refuses(
        conditions: list[dict[str, Any]], refused: bool) -> None:
    assert (limits.problem(conditions) is not None) == refused
    if refused:
        with pytest.raises(core.error, match=r"error code: (10[0-9]|113)"):
            _register(conditions)
    else:
        _register(conditions)


def test_too_many_pending_tests_fail_the_assert_and_split_rulesets_do_not() -> None:
    """The cause of the SIGABRT at 6x-10x: 70 rules sharing a test, each with a list, push 70
    join nodes at once onto a 64-entry stack; the assert fails with error 303 (and deleting
    that session would abort). Split as `groups` says, every rule fires."""
    conditions = _with_list(70)
    assert "at once" in (limits.problem(conditions) or "")
    fact = {"operation": "activate", "scenario": "subscriber"}
    with pytest.raises(core.error, match="error code: 303"):
        core.assert_fact(_register(conditions), json.dumps({**fact, "sid": "1", "kind": "request"}))
    grouped = limits.groups({str(i): c for i, c in enumerate(conditions)})
    assert len(grouped) > 1 and sum(map(len, grouped)) == 70
    assert sum(_fired(_register([conditions[int(i)] for i in group]), fact, "1")
               for group in grouped) == 70


def _catalogue_copy(tmp_path: Path) -> Path:
    for folder in ("services", "rules"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def test_300_rules_in_one_partition_plan(tmp_path: Path) -> None:
    root = _catalogue_copy(tmp_path)
    rules = [{"id": f"note-{n}", "description": "A note on every activation.", "source": ["D27"],
              "when": {"operation": "activate"},
              "then": {"warnings": [{"code": "NOTE", "message": f"note {n}"}]}} for n in range(300)]
    (root / "rules" / "80-notes.yaml").write_text(
        json.dumps({"stage": "decide", "rules": rules}), encoding="utf-8")
    planned = subprocess.run([COLLAB, "plan", EXAMPLE, "--catalogue", str(root), "--format", "json"],
                             capture_output=True, text=True, check=False)
    assert planned.returncode == 0, planned.stderr
    warnings = [w["code"] for w in json.loads(planned.stdout)["warnings"]]
    assert warnings.count("NOTE") == 300
    validated = subprocess.run([COLLAB, "validate", str(root), "--no-analysis"],
                               capture_output=True, text=True, check=False)
    assert validated.returncode == 0, validated.stdout + validated.stderr


@pytest.mark.slow  # plans 1,400 requests of a 10x catalogue, 8 s (.ci/run runs it)
def test_the_10x_synthetic_catalogue_plans_its_space(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from run import synthetic_catalogue
    finally:
        sys.path.pop(0)
    root = tmp_path / "x10"
    synthetic_catalogue(root, 10)
    script = ("import itertools, json, sys\n"
              "from engine import load_catalogue\n"
              "from engine.tools.generate import corpus\n"
              "for r in itertools.islice(corpus(load_catalogue(sys.argv[1])), 0, None, 40):\n"
              "    print(json.dumps(r))\n")
    requests = tmp_path / "requests.jsonl"
    with requests.open("w", encoding="utf-8") as out:
        subprocess.run([sys.executable, "-c", script, str(root)], stdout=out, check=True)
    batch = subprocess.run([COLLAB, "batch", str(requests), "--catalogue", str(root), "--jobs", "1",
                            "-o", str(tmp_path / "plans.jsonl")],
                           capture_output=True, text=True, check=False)
    assert batch.returncode == 0, batch.stderr[-2000:]
    planned = (tmp_path / "plans.jsonl").read_text(encoding="utf-8").splitlines()
    asked = requests.read_text(encoding="utf-8").splitlines()
    assert len(planned) == len(asked) > 1000
    assert "internal error" not in batch.stderr and "invalid" not in batch.stderr


def test_an_unloadable_durable_rules_says_how_to_reinstall_it(tmp_path: Path) -> None:
    """As on Python 3.13 built without the README's CPPFLAGS: the module fails to import."""
    (tmp_path / "durable_rules_engine.py").write_text(
        "raise ImportError('durable_rules_engine.so: undefined symbol: PyEval_CallObject')\n")
    env = {"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(tmp_path)}
    version = subprocess.run([COLLAB, "--version"], capture_output=True, text=True, env=env,
                             check=False)
    assert version.returncode == 0
    assert "durable-rules 2.0.28 (cannot be loaded" in version.stdout
    planned = subprocess.run([COLLAB, "plan", EXAMPLE], capture_output=True, text=True, env=env,
                             check=False)
    assert planned.returncode == 3 and "(ENG004)" in planned.stderr
    assert "CPPFLAGS='-DPyEval_CallObject=PyObject_CallObject'" in planned.stderr
    assert "Traceback" not in planned.stderr
