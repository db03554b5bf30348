"""Over generated catalogues too, every request gives one well-formed plan, never an
exception: variants of the shipped catalogue with other payers, periods, paying and access
flags, rules reordered or left out. (The domain's invariants need the shipped rules; the
shape of a plan does not.)"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

import pytest
from collab_strategies import catalogue_edits, valid_requests, write_catalogue
from collab_support import ROOT, count, examples
from hypothesis import given
from hypothesis import strategies as st
from test_requests import check_plan

from engine import CatalogueError, CollabError, EngineError, RequestError, load_catalogue, plan
from engine.tools.generate import corpus

pytestmark = pytest.mark.slow  # property tests: .ci/run runs them (pytest -m slow)

SAMPLE = 100  # corpus requests planned per generated catalogue (every n-th)


@examples(8)
@given(edits=catalogue_edits(ROOT), data=st.data())
def test_every_request_of_a_generated_catalogue_gives_one_plan(
        edits: list[tuple[str, str, Any]], data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory(prefix="collab-catalogue-") as folder:
        root = Path(folder)
        write_catalogue(ROOT, root, edits)
        try:
            catalogue = load_catalogue(root)
        except CatalogueError as error:  # an edit the checks refuse: they say why
            assert error.diagnostics and all(d.code and d.message for d in error.diagnostics)
            count("generated catalogues", "refused by the checks")
            return
        count("generated catalogues", "loaded")
        space = list(corpus(catalogue))
        step = max(1, len(space) // SAMPLE)
        requests = [*space[::step],
                    *(data.draw(valid_requests(catalogue)) for _ in range(10))]
        for request in requests:
            try:
                result = plan(catalogue, request)
            except RequestError as error:  # e.g. a period no variant has any more
                assert error.diagnostics
                count("generated catalogues: requests", "RequestError")
                continue
            except EngineError as error:  # two rules decide a fact differently
                count("generated catalogues: requests", "EngineError " + error.diagnostics[0].code)
                continue
            except CollabError:
                raise
            check_plan(catalogue, request, result, set(catalogue.domain))
            count("generated catalogues: requests", "well-formed plan")


def test_a_catalogue_copied_elsewhere_gives_the_same_plans() -> None:
    """A catalogue is its content: the same files in another folder plan the same."""
    from engine.render.plan import plan_json

    shipped = load_catalogue(ROOT)
    with tempfile.TemporaryDirectory(prefix="collab-catalogue-") as folder:
        write_catalogue(ROOT, Path(folder), [])
        copy = load_catalogue(folder)
        assert copy.digest == shipped.digest
        for request in itertools.islice(corpus(shipped), 0, None, 50):
            assert plan_json(plan(copy, request)) == plan_json(plan(shipped, request))
