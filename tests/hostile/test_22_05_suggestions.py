"""Red team, issue 22 item 5: "did you mean" was quadratic in the request's own candidates.

difflib compared an unknown task id with every task id the request carried: one 970 KB JSON
Lines line took 55 s of CPU. The suggestion is now bounded: only candidates of a length that
can be close, at most SUGGEST_CANDIDATES of them, none over SUGGEST_LENGTH characters. The
work is counted (difflib's comparisons and the characters compared), not timed.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine import RequestError, load_catalogue, load_request
from engine.catalogue.messages import SUGGEST_CANDIDATES, SUGGEST_LENGTH, did_you_mean
from engine.tools.batch import plan_line

LINE_LIMIT = 1_000_000  # what a JSON Lines line may hold (JSON003 beyond)


class _Work:
    comparisons = 0
    longest = 0


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Work]]:
    """Counts every sequence difflib is given to compare, and the longest."""

    class Counting(difflib.SequenceMatcher):  # type: ignore[type-arg]
        def set_seq1(self, a: Any) -> None:
            _Work.comparisons += a != ""  # "": the constructor's own, before any candidate
            _Work.longest = max(_Work.longest, len(a))
            super().set_seq1(a)

        def set_seq2(self, b: Any) -> None:
            _Work.longest = max(_Work.longest, len(b))
            super().set_seq2(b)

    _Work.comparisons = _Work.longest = 0
    monkeypatch.setattr(difflib, "SequenceMatcher", Counting)
    yield _Work


def _line(tasks: list[str], task: str) -> bytes:
    request = {"operation": "activate", "service": "eekonomi",
               "customer": {"name": "Kund AB", "spcs_customer": True},
               "agency": {"id": "556000-0001", "name": "Byrå AB",
                          "tasks": [{"id": t, "name": "x"} for t in tasks]},
               "task": task}
    return json.dumps(request).encode()


def test_item_5_a_line_of_long_task_ids_is_answered_without_comparing_them(
        work: type[_Work]) -> None:
    """The 970 KB line of the report: 900 task ids of 1,000 characters and an unknown one."""
    line = _line([f"{i:04d}" + "t" * 996 for i in range(900)], "u" * 1000)
    assert 900_000 < len(line) < LINE_LIMIT
    output, outcome, _ = plan_line(load_catalogue(), "hostile.jsonl", 1, line)
    assert outcome == "invalid"
    assert "REQ012" in output and "did you mean" not in output
    assert work.comparisons == 0


def test_item_5_many_short_candidates_cost_a_bounded_number_of_comparisons(
        work: type[_Work]) -> None:
    """999 task ids as long as the unknown one: at most SUGGEST_CANDIDATES are compared, each
    at most SUGGEST_LENGTH characters, and the suggestion is still given."""
    tasks = [f"task-{i:03d}-" + "x" * 50 for i in range(999)]
    line = _line(tasks, "task-500-" + "x" * 49 + "y")
    output, outcome, _ = plan_line(load_catalogue(), "hostile.jsonl", 1, line)
    assert outcome == "invalid"
    errors = json.loads(output)["error"]
    assert [e["code"] for e in errors] == ["REQ012"]
    assert "did you mean 'task-" in errors[0]["hint"]
    assert 0 < work.comparisons <= SUGGEST_CANDIDATES
    assert work.longest <= SUGGEST_LENGTH


def test_item_5_a_yaml_request_of_many_task_ids_costs_a_bounded_number_of_comparisons(
        work: type[_Work], tmp_path: Path) -> None:
    """The 210 KB YAML request of the report (10 s in load_request): 3,000 task ids."""
    request = json.loads(_line([f"task-{i:04d}-" + "x" * 50 for i in range(3000)],
                               "task-1500-" + "x" * 49 + "y"))
    path = tmp_path / "request.yaml"
    path.write_text(yaml.safe_dump(request), encoding="utf-8")
    assert path.stat().st_size > 200_000
    with pytest.raises(RequestError) as raised:
        load_request(path, load_catalogue())
    assert [d.code for d in raised.value.diagnostics] == ["REQ012"]
    assert 0 < work.comparisons <= SUGGEST_CANDIDATES
    assert work.longest <= SUGGEST_LENGTH


def test_item_5_a_typo_is_still_suggested(work: type[_Work]) -> None:
    assert did_you_mean("eekonmi", ["eekonomi", "lon", "skatt"]) == "did you mean 'eekonomi'?"
    assert did_you_mean("ab", ["abcd"]) == "did you mean 'abcd'?"  # ratio 0.67: kept
    compared = work.comparisons
    assert did_you_mean("x" * (SUGGEST_LENGTH + 1), ["x" * SUGGEST_LENGTH]) == ""
    assert did_you_mean("abc", ["abcdefghijklmnopqrstuvwxyz", "x" * 100]) == ""
    assert work.comparisons == compared  # too long, or too different in length: not compared


@pytest.mark.parametrize("word", ["a", "ab", "abc", "eekonmi", "task-07", "x" * 40])
def test_item_5_the_length_filter_drops_no_match_difflib_would_give(word: str) -> None:
    """Every candidate (up to SUGGEST_LENGTH) difflib finds close (cutoff 0.6) is compared."""
    candidates = [word[:n] + "z" * extra for n in range(len(word) + 1) for extra in range(0, 100, 3)]
    for candidate in (c for c in candidates if len(c) <= SUGGEST_LENGTH):
        if difflib.SequenceMatcher(None, candidate, word).ratio() >= 0.6:
            assert did_you_mean(word, [candidate]) == f"did you mean '{candidate}'?"
