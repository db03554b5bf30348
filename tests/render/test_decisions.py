"""The defaults a plan applied read in the plan's language: the fact's name and its value come
from the catalogue (the glossary's `facts:` and `values:`, variant names), not identifiers."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli import main
from engine import Catalogue
from engine.catalogue.facts import FACTS

ROOT = Path(__file__).resolve().parents[2]
AGENCY_ENDS = str(ROOT / "examples" / "end-service-too.yaml")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _defaults(output: str, heading: str) -> list[str]:
    lines = output.splitlines()
    start = lines.index(heading) + 1
    return [line.split("  [")[0].strip() for line in lines[start:] if line.startswith("  - ")]


def test_swedish_defaults_name_the_fact_and_value_in_swedish() -> None:
    code, output = run("plan", AGENCY_ENDS, "--lang", "sv")
    assert code == 0, output
    assert _defaults(output, "Standardval som gjorts:") == [
        "- Variant: eEkonomi Smart", "- Fakturamottagare: kunden", "- Avtalsperiod (månader): 12"]
    assert "variant.id" not in output and "invoice_recipient" not in output


def test_english_defaults_read_as_words_and_json_keeps_the_identifiers_for_scripts() -> None:
    code, output = run("plan", AGENCY_ENDS)
    assert code == 0, output
    assert "- Invoice recipient: customer" in output and "= customer" not in output
    code, output = run("plan", AGENCY_ENDS, "--format", "json", "--lang", "sv")
    decided = {d["fact"]: (d["value"], d["label"], d["shown"])
               for d in json.loads(output)["decisions"]}
    assert decided["invoice_recipient"] == ("customer", "Fakturamottagare", "kunden")
    assert decided["variant.id"] == ("smart", "Variant", "eEkonomi Smart")


def test_every_fact_a_rule_may_set_has_a_name_in_every_language(catalogue: Catalogue) -> None:
    named = catalogue.pipeline.glossary.facts
    settable = {name for name, spec in FACTS.items() if spec.settable}
    assert settable <= set(named), f"no glossary `facts:` entry for {settable - set(named)}"
    for name in settable:
        assert set(named[name].root) == set(catalogue.pipeline.languages), name
