"""Shared by the property tests: the shipped catalogue, its generated corpus planned once, the
hypothesis settings, and counts of how many requests each property and invariant saw (the
conftest prints them at the end of the run)."""

from __future__ import annotations

import os
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

from engine import Catalogue, Plan, load_catalogue, plan
from engine.tools.generate import corpus

ROOT = Path(__file__).resolve().parents[2]

#: COLLAB_PROPERTY_SCALE=10 runs every property with ten times the examples (a deeper run
#: than CI's); COLLAB_PROPERTY_RANDOM=1 draws other examples on every run.
SCALE = float(os.environ.get("COLLAB_PROPERTY_SCALE", "1"))


def examples(count: int) -> settings:
    """Bounded, deterministic hypothesis settings: ``count`` examples (times SCALE)."""
    return settings(
        max_examples=max(1, int(count * SCALE)),
        deadline=None,
        database=None,
        derandomize=os.environ.get("COLLAB_PROPERTY_RANDOM") != "1",
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.filter_too_much],
    )


@lru_cache(maxsize=1)
def shipped() -> Catalogue:
    return load_catalogue(ROOT)


@lru_cache(maxsize=1)
def shipped_space() -> list[dict[str, Any]]:
    """engine.tools.generate's corpus for the shipped catalogue (8,198 requests)."""
    return list(corpus(shipped()))


@lru_cache(maxsize=1)
def shipped_plans() -> list[tuple[dict[str, Any], Plan]]:
    """Every request of the corpus with its plan: planned once per session (about 3 s)."""
    catalogue = shipped()
    return [(request, plan(catalogue, request)) for request in shipped_space()]


#: name -> Counter of what the tests saw, printed at the end of the run.
STATS: dict[str, Counter[str]] = {}


def count(name: str, what: str, n: int = 1) -> None:
    STATS.setdefault(name, Counter())[what] += n
