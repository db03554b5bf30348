"""Red team, issue 22 item 7: `collab generate` on a multiplied catalogue grew about
quadratically (5 copies 223 MB, 10 copies 476 MB, 20 copies 1.18 GB; 100 copies over 16 GB).

corpus() kept every request's JSON to find duplicates, requests() kept the whole corpus, and
every request carried the add-ons of every copy. Now requests are streamed, duplicates found
by a 16-byte digest among one service's requests, and a request carries only the
subscriptions its own service's variants read. Memory is measured with tracemalloc, not time.
"""

from __future__ import annotations

import json
import sys
import tracemalloc
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from engine import load_catalogue
from engine.catalogue.catalogue import Catalogue
from engine.tools.generate import KEPT_FOR_ROUNDS, corpus, requests

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Catalogue]:
    """The shipped catalogue, and 3 copies of it (benchmarks/run.py's synthetic catalogue)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from run import synthetic_catalogue
    finally:
        sys.path.pop(0)
    root = tmp_path_factory.mktemp("x3")
    synthetic_catalogue(root, 3)
    return {1: load_catalogue(ROOT), 3: load_catalogue(root)}


def _peak(stream: Iterable[Any]) -> tuple[int, int]:
    """(requests, peak bytes allocated) while ``stream`` is consumed, one request at a time."""
    tracemalloc.start()
    try:
        count = sum(1 for _ in stream)
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_item_7_a_request_carries_only_what_its_own_service_needs(
        copies: dict[int, Catalogue]) -> None:
    for catalogue in copies.values():
        largest = 0
        for request in corpus(catalogue):
            service = catalogue.services[request["service"]]
            disabled = {ref.service for v in service.variants for ref in v.disables}
            held = {s["service"] for s in request["customer"].get("subscriptions", [])}
            assert held <= {service.id} | disabled, (request["service"], held)
            largest = max(largest, len(json.dumps(request)))
        if catalogue is copies[1]:
            shipped_largest = largest
    assert largest <= shipped_largest + 10  # "_k3" in ids: not 3 copies' add-ons


def test_item_7_corpus_memory_does_not_grow_with_the_copies(copies: dict[int, Catalogue]) -> None:
    one, one_peak = _peak(corpus(copies[1]))
    three, three_peak = _peak(corpus(copies[3]))
    assert three == 3 * one
    assert three_peak < 1.5 * one_peak, (one_peak, three_peak)  # before: about 3x and more


def test_item_7_requests_memory_does_not_grow_with_the_count(copies: dict[int, Catalogue]) -> None:
    size = sum(1 for _ in corpus(copies[1]))
    assert size < KEPT_FOR_ROUNDS  # kept, as JSON, for the later rounds
    _, twice = _peak(requests(copies[1], 2 * size))
    _, five_times = _peak(requests(copies[1], 5 * size))
    assert five_times < 1.2 * twice, (twice, five_times)


def test_item_7_rounds_beyond_the_corpus_are_distinct_and_in_order(
        copies: dict[int, Catalogue]) -> None:
    space = [json.dumps(r, sort_keys=True) for r in corpus(copies[1])]
    given = list(requests(copies[1], 2 * len(space) + 3))
    assert [json.dumps(r, sort_keys=True) for r in given[:len(space)]] == space
    assert len({json.dumps(r, sort_keys=True) for r in given}) == len(given)
    third = given[2 * len(space)]
    assert third["customer"]["name"].endswith(" 3")
    assert {**third, "customer": {**third["customer"], "name": "Kund AB"}} == \
        json.loads(space[0])
