"""durable-rules' fixed-size tables, modelled so that no ruleset registered exceeds them.

durable-rules 2.0.28 compiles a ruleset into an alpha network of shared tests with fixed
limits (its src/rules/rete.c and events.c). Past most of them registration fails; past one
the process dies:

- an alpha node links to at most 256 rules (BETA_LIST_LENGTH: error 108 at registration);
- at most 128 `$or` joins and `$nex` tests hang on one node (NEXT_LIST_LENGTH: error 107);
- at most 511 different tests follow one node (NEXT_BUCKET_LENGTH 512: error 106);
- at most 4096 rules in a ruleset (MAX_ACTIONS: error 106);
- at most 32 `$and`/`$or` markers in one rule, the limit included (MAX_SEQUENCE_EXPRESSIONS:
  error 113);
- while one fact is matched, at most 64 nodes wait to be visited (MAX_STACK_SIZE in
  handleAlpha). Past that `assert_fact` fails with error 303 after writing half of the
  session, and deleting that session aborts the process (SIGABRT, "munmap_chunk(): invalid
  pointer"). Each `$or` (a list, `in`, `any`) makes a join node that is pushed whenever one of
  its branches matches, so many rules sharing a first test and each holding a list push more
  than 64 at once: in the benchmark's synthetic catalogue from 6 copies on.

`groups` splits a partition's rules into rulesets that each stay under every limit, checked
on a model of the network in the worst case (every test that can hold does). `rule_problem`
names a rule that cannot fit in any ruleset: the catalogue checks report it (ENG005).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from engine.catalogue.catalogue import Catalogue, PlacedRule
from engine.errors import Diagnostic
from engine.evaluation.compile import ANCHOR, rule_condition

SENTINEL = ANCHOR  # the condition of the rule every request matches (host.py)

BETAS_PER_NODE = 255  # BETA_LIST_LENGTH 256: its search reads one slot past the end
JOINS_PER_NODE = 127  # NEXT_LIST_LENGTH 128, the same way
TESTS_PER_NODE = 511  # NEXT_BUCKET_LENGTH 512: open addressing keeps one slot empty
RULES_PER_RULESET = 4095  # MAX_ACTIONS 4096
MARKERS_PER_RULE = 31  # MAX_SEQUENCE_EXPRESSIONS 32: reaching it is the error
WAITING_NODES = 64  # MAX_STACK_SIZE


class _Network:
    """The alpha network durable-rules builds (rete.c createAlpha, findAlpha)."""

    def __init__(self) -> None:
        self.tests: list[dict[str, int]] = []  # node -> {test: next node}, shared as findAlpha does
        self.joins: list[list[int]] = []  # node -> its `$nex` tests and `$or` join nodes
        self.betas: list[int] = []  # node -> rules whose condition ends there
        self._node()  # 0: the root

    def _node(self) -> int:
        self.tests.append({})
        self.joins.append([])
        self.betas.append(0)
        return len(self.betas) - 1

    def _test(self, parent: int, operator: str, body: Any) -> int:
        key = f"{operator} {json.dumps(body, sort_keys=True)}"
        following = self.tests[parent]
        if key not in following:
            following[key] = self._node()
            if operator == "$nex":
                self.joins[parent].append(following[key])
        return following[key]

    def add(self, term: dict[str, Any], parent: int = 0) -> int:
        """The node where ``term`` ends, starting from ``parent``."""
        ((operator, body),) = term.items()
        if operator == "$and":
            for part in body:
                parent = self.add(part, parent)
            return parent
        if operator == "$or":
            join = self._node()  # createForwardAlpha: one per `$or`, never shared
            for branch in body:
                self.joins[self.add(branch, parent)].append(join)
            return join
        if operator.startswith("$"):
            return self._test(parent, operator, body)
        return self._test(parent, "=", {operator: body})

    def waiting(self) -> int:
        """The most nodes handleAlpha's stack can hold: visiting a node pushes each next node
        whose test holds, and the last pushed is visited first."""
        peaks: dict[int, int] = {}

        def peak(node: int) -> int:
            if node not in peaks:
                following = [*self.tests[node].values(), *self.joins[node]]
                equalities = [key for key in self.tests[node] if key.startswith("= ")]
                # of the equality tests on one fact, one holds at most
                facts = {next(iter(json.loads(key[2:]))) for key in equalities}
                pushed = len(following) - len(equalities) + len(facts)
                peaks[node] = 1 if not following else pushed - 1 + max(map(peak, following))
            return peaks[node]

        return peak(0)

    def problem(self) -> str | None:
        if max(self.betas) > BETAS_PER_NODE:
            return f"more than {BETAS_PER_NODE} rules with the same conditions"
        if max(map(len, self.joins)) > JOINS_PER_NODE:
            return f"more than {JOINS_PER_NODE} lists, `in`s and absent tests after one test"
        if max(map(len, self.tests)) > TESTS_PER_NODE:
            return f"more than {TESTS_PER_NODE} different tests after one test"
        if self.waiting() > WAITING_NODES:
            return f"more than {WAITING_NODES} tests to visit at once"
        return None


def _markers(term: dict[str, Any]) -> int:
    ((operator, body),) = term.items()
    if operator in ("$and", "$or"):
        return 2 + sum(_markers(part) for part in body)
    return 0


def problem(conditions: Sequence[dict[str, Any]]) -> str | None:
    """Why these rule conditions (and the sentinel) cannot be one ruleset, or None."""
    if len(conditions) + 1 > RULES_PER_RULESET:
        return f"more than {RULES_PER_RULESET} rules"
    if any(_markers(condition) >= MARKERS_PER_RULE + 1 for condition in conditions):
        return (f"more than {MARKERS_PER_RULE // 2 - 1} lists, `in`s, `not_in`s and `any` "
                "alternatives in one rule")
    network = _Network()
    for condition in [SENTINEL, *conditions]:
        network.betas[network.add(condition)] += 1
    return network.problem()


def rule_problem(condition: dict[str, Any]) -> str | None:
    """Why a rule of this condition fits in no ruleset, or None."""
    return problem([condition])


def beyond_limits(placed: PlacedRule, seen: dict[str, str | None] | None = None
                  ) -> Diagnostic | None:
    """CAT060 for a rule that fits in no durable-rules ruleset; ``seen`` remembers the answer
    for each condition (a catalogue's services often share rules' conditions)."""
    condition = rule_condition(placed.rule.when)
    if seen is None:
        found = rule_problem(condition)
    else:
        key = json.dumps(condition, sort_keys=True)
        found = seen[key] if key in seen else seen.setdefault(key, rule_problem(condition))
    if found is None:
        return None
    return Diagnostic(placed.file, placed.line, 1, "CAT060",
                      f"rule '{placed.rule.id}' is beyond what the rules engine can run: {found}",
                      "split it into several rules, e.g. one per `any` alternative")


def check_limits(catalogue: Catalogue) -> list[Diagnostic]:
    """Every rule of ``catalogue`` that durable-rules could not run (CAT060)."""
    seen: dict[str, str | None] = {}
    return [found for placed in catalogue.rules if (found := beyond_limits(placed, seen))]


def groups(conditions: dict[str, dict[str, Any]]) -> list[list[str]]:
    """The rule ids in groups that each fit in one ruleset, in order: halved until they fit.

    Raises ValueError for a rule that fits nowhere (rule_problem).
    """
    ids = list(conditions)
    if problem([conditions[i] for i in ids]) is None:
        return [ids]
    if len(ids) == 1:
        raise ValueError(f"rule '{ids[0]}' is beyond durable-rules' limits: "
                         f"{rule_problem(conditions[ids[0]])}")
    middle = len(ids) // 2
    return (groups({i: conditions[i] for i in ids[:middle]})
            + groups({i: conditions[i] for i in ids[middle:]}))
