"""The plain-Python matcher must mean exactly what the compiled durable-rules conditions mean."""

from __future__ import annotations

import itertools

from engine import Catalogue, parse_request
from engine.evaluation.compile import compile_catalogue
from engine.evaluation.evaluate import python_matcher, trace
from engine.evaluation.host import durable_matcher_without_memo
from engine.tools.generate import corpus


def test_durable_rules_and_python_agree_on_every_rule_of_a_corpus_slice(catalogue: Catalogue) -> None:
    compiled = compile_catalogue(catalogue)
    compared = 0
    for data in itertools.islice(corpus(catalogue), 0, None, 6):  # every 6th: ~960 requests
        request = parse_request(data, catalogue)
        durable = trace(compiled, request, durable_matcher_without_memo)
        python = trace(compiled, request, python_matcher)
        assert [p.rule.id for p in durable.matched] == [p.rule.id for p in python.matched], data
        assert durable.plan == python.plan
        compared += 1
    assert compared > 900


def test_corpus_reaches_every_rule(catalogue: Catalogue) -> None:
    compiled = compile_catalogue(catalogue)
    matched: set[str] = set()
    for data in corpus(catalogue):
        evaluation = trace(compiled, parse_request(data, catalogue), python_matcher)
        matched |= {p.rule.id for p in evaluation.matched}
    unreached = {p.rule.id for p in catalogue.rules if "ANA005" not in p.rule.allow} - matched
    assert not unreached
