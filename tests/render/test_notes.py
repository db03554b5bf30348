"""Notes: what a rule tells the agency that is no step anyone takes, shown after the steps."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parents[2]
AGENCY_ENDS = str(ROOT / "examples" / "end-service-too.yaml")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_a_note_follows_the_steps_in_the_plans_language() -> None:
    for lang, heading, steps, words in (
            ("en", "Notes:", "Steps:", "is the customer's"),
            ("sv", "Att tänka på:", "Steg:", "Det är Holmgren Transport AB som väljer")):
        code, output = run("plan", AGENCY_ENDS, "--lang", lang)
        assert code == 0, output
        lines = output.splitlines()
        assert heading in lines and lines.index(heading) > lines.index(steps), output
        note = lines[lines.index(heading) + 1]
        assert words in note and "[end-customer-chooses; D27]" in note


def test_a_note_is_no_step_and_json_carries_its_rule_and_source() -> None:
    code, output = run("plan", AGENCY_ENDS, "--format", "json")
    assert code == 0, output
    data = json.loads(output)
    assert [s["rule"] for s in data["steps"]].count("end-customer-chooses") == 0
    assert [(n["rule"], n["source"]) for n in data["notes"]] == [("end-customer-chooses", ["D27"])]
    assert "{" not in data["notes"][0]["text"], "a placeholder was left unfilled"


def test_explain_lists_the_note() -> None:
    code, output = run("explain", AGENCY_ENDS)
    assert code == 0, output
    assert "-> note" in output
    assert "  * The choice whether Visma eEkonomi ends too" in output
    assert "  [end-customer-chooses]\n" in output  # the rule, in the trace at the line's end
