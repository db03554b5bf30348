"""When durable-rules' C core fails inside a ruleset (seen once in a million plans: error
307), the plan is still right: the partition's rulesets are registered anew and asked again;
a core that keeps failing is an internal error (ENG001), never a wrong plan or a crash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine import Catalogue, EngineError, load_request, plan
from engine.evaluation import host

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "activate-new-customer-paying.yaml"


class FailingCore:
    """durable-rules' C core, but ``complete_and_start_action`` fails its first ``failures``
    calls as the real one did once (after deleting nothing: the session is deleted as usual)."""

    def __init__(self, failures: int) -> None:
        self.real = host._core()
        self.error = self.real.error
        self.failures = failures
        self.created: list[str] = []  # the names of the rulesets registered, in order

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def create_ruleset(self, name: str, definition: str) -> Any:
        self.created.append(name)
        return self.real.create_ruleset(name, definition)

    def complete_and_start_action(self, handle: int, state: Any) -> Any:
        if self.failures:
            self.failures -= 1
            raise self.error("Could not complete action, error code: 307")
        return self.real.complete_and_start_action(handle, state)


@pytest.fixture()
def fresh_host(monkeypatch: pytest.MonkeyPatch) -> host._RulesHost:
    """A host of its own (no answers remembered), in place of the process's."""
    rules = host._RulesHost()
    monkeypatch.setattr(host, "_host", rules)
    return rules


def _plan_json(catalogue: Catalogue) -> str:
    return plan(catalogue, load_request(EXAMPLE, catalogue)).model_dump_json()


def test_a_ruleset_that_fails_once_is_replaced_and_the_plan_is_the_same(
        catalogue: Catalogue, fresh_host: host._RulesHost) -> None:
    expected = _plan_json(catalogue)
    failing = FailingCore(failures=1)
    fresh_host._core = failing
    fresh_host._rulesets.clear()
    fresh_host.forget()
    assert _plan_json(catalogue) == expected
    assert failing.failures == 0 and fresh_host.open_facts == 0
    first = failing.created[0]  # the ruleset that failed, registered again at once
    assert failing.created.count(first) == 2 and failing.created[1] == first
    registered = list(failing.created)
    assert _plan_json(catalogue) == expected and failing.created == registered  # reused since


def test_a_core_that_keeps_failing_is_an_internal_error(
        catalogue: Catalogue, fresh_host: host._RulesHost) -> None:
    fresh_host._core = FailingCore(failures=10**6)
    with pytest.raises(EngineError) as raised:
        _plan_json(catalogue)
    [diagnostic] = raised.value.diagnostics
    assert diagnostic.code == "ENG001" and "307" in diagnostic.message
    assert fresh_host.open_facts == 0
