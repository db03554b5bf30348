"""Swedish plans of changes, endings and links: what a person reads holds no English identifier
(fact, field, operation or command names) and starts each sentence with a capital letter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine import Catalogue, plan
from engine.tools.cases import case_request, load_case

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted(p for p in (ROOT / "tests" / "scenarios").glob("*.yaml")
               if p.name.startswith(("chg-", "end-", "change-", "link-")))
# The rule files of changes, endings and links (activation's are checked with activation).
OUR_FILES = {"20-defaults.yaml", "50-changes.yaml", "60-ending.yaml", "70-linking.yaml"}
OUR_RULES = {"reject-collaboration-unlinked", "reject-ending-without-main-contact"}
IDENTIFIER = re.compile(r"`|\b[a-z]+_[a-z_]+\b|\b(?:change_variant|operation|ending\.service)\b")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_a_swedish_plan_reads_as_swedish(path: Path, catalogue: Catalogue) -> None:
    case, document = load_case(path)
    swedish = plan(catalogue, case_request(case, document, catalogue), lang="sv")
    ours = {p.rule.id for p in catalogue.rules if Path(p.file).name in OUR_FILES} | OUR_RULES
    texts = ([s.text for s in swedish.steps if s.rule in ours]
             + [n.text for n in swedish.notes if n.rule in ours]
             + [w.message for w in swedish.warnings if w.rule in ours]
             + [t for r in swedish.rejections if r.rule in ours for t in (r.message, r.hint)]
             + [f"{d.label}: {d.shown}" for d in swedish.decisions])
    for text in texts:
        assert not IDENTIFIER.search(text), f"an identifier in {text!r}"
        assert text[:1].isupper() or text[:1].isdigit(), f"not a capital first: {text!r}"
        assert ";" not in text, f"a semicolon chain: {text!r}"
