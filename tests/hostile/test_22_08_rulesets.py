"""Red team, issue 22 item 8: rulesets were registered per catalogue digest and never freed:
200 saves in the studio took the process from 40 MB to 1.8 GB.

The host now keeps the rulesets of the KEPT_CATALOGUES catalogues used last and deletes the
older ones from durable-rules' C core. 200 catalogues of different digests are planned in one
process: the rulesets registered (counted) and the resident memory stay bounded.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest

from engine import Catalogue, load_catalogue, load_request, plan
from engine.evaluation import host
from engine.request.parse import parse_request
from engine.tools.generate import corpus

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))[:6]


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture()
def fresh_host(monkeypatch: pytest.MonkeyPatch) -> host._RulesHost:
    rules = host._RulesHost()
    monkeypatch.setattr(host, "_host", rules)
    return rules


def _saved(catalogue: Catalogue, save: int) -> Catalogue:
    """The catalogue as after a save that changed a comment: the same rules, a new digest."""
    return dataclasses.replace(catalogue, digest=f"{save:016x}" + catalogue.digest[16:])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmRSS from /proc")
def test_item_8_rulesets_of_old_catalogues_are_freed(fresh_host: host._RulesHost) -> None:
    shipped = load_catalogue(ROOT)
    # every 100th request of the space: 62, which reach 25 rulesets of each catalogue
    requests = [parse_request(data, shipped) for data in itertools.islice(corpus(shipped), 0,
                                                                          None, 100)]
    expected = [plan(shipped, request).model_dump_json() for request in requests]
    one_catalogue = fresh_host.registered
    assert one_catalogue > 0
    registered, rss = [], {}
    for save in range(200):
        catalogue = _saved(shipped, save)
        assert [plan(catalogue, r).model_dump_json() for r in requests] == expected
        registered.append(fresh_host.registered)
        if save in (20, 199):
            rss[save] = _rss_kb()
    assert max(registered) <= host.KEPT_CATALOGUES * one_catalogue
    assert len(fresh_host._catalogues) == host.KEPT_CATALOGUES
    assert rss[199] - rss[20] < 50_000, rss  # kB; before: 196 MB -> 1.5 GB, 7 MB a catalogue


def test_item_8_a_catalogue_used_again_after_its_rulesets_were_freed_plans_the_same(
        fresh_host: host._RulesHost) -> None:
    shipped = load_catalogue(ROOT)
    request = load_request(EXAMPLES[0], shipped)
    expected = plan(shipped, request).model_dump_json()
    for save in range(host.KEPT_CATALOGUES + 2):  # pushes the shipped one out
        plan(_saved(shipped, save), request)
    assert shipped.digest not in fresh_host._catalogues
    fresh_host.forget()
    assert plan(shipped, request).model_dump_json() == expected  # registered anew
    assert shipped.digest in fresh_host._catalogues
    assert fresh_host.open_facts == 0
