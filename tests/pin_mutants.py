"""Write tests/scenarios/pins-*.yaml: the fewest generated requests whose plans kill every
mutant the other cases leave alive (`collab test --mutate`), each checking only the parts of
the plan its mutants change. Run it after a catalogue change makes a pins- case fail or
leaves survivors: `.venv/bin/python tests/pin_mutants.py`. Review the plans it pins."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from engine import load_catalogue
from engine.evaluation.compile import compile_catalogue
from engine.request.model import Request
from engine.tools.analyse import summarise
from engine.tools.cases import actual, case_files
from engine.tools.generate import AGENCY_ID, corpus
from engine.tools.mutate import _baseline, _probe, mutate

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "tests" / "scenarios"
MODELINE = "# yaml-language-server: $schema=../../schemas/case.schema.json\n"
KEYS = ("outcome", "scenario", "decisions", "steps", "warnings", "rejections")


def _notes(d: dict[str, Any]) -> list[str]:
    """What sets the request apart, in words (the variation of the generated space)."""
    c, a, op = d["customer"], d["agency"], d["operation"]
    found = []
    if op == "activate" and any(s["service"] == d["service"] for s in c.get("subscriptions", [])):
        found.append("subscriber")
    elif op == "activate" and not c["spcs_customer"]:
        found.append("new customer")
    ours = [x for x in c.get("collaborations", [])
            if x["agency"] == AGENCY_ID and x["service"] == d["service"]]
    if op not in ("activate", "accept_invitation") and not ours:
        found.append("no collaboration")
    for x in ours:
        if x.get("linked") is False:
            found.append("unlinked collaboration")
        elif op in ("activate", "accept_invitation"):
            found.append("collaboration exists")
        if op not in ("activate", "accept_invitation") and "variant" not in x:
            found.append("variant unknown")
        if x.get("invoice_recipient") == "customer":
            found.append("customer pays")
    if any(x["agency"] != AGENCY_ID for x in c.get("collaborations", [])):
        found.append("other agency")
    if any(x["agency"] == AGENCY_ID and x["service"] != d["service"]
           for x in c.get("collaborations", [])):
        found.append("other collaboration")
    if "main_contact" not in c:
        found.append("no main contact")
    if c.get("used_services"):
        found.append("used before" + ("" if "login_email" in c else " no login"))
    if c.get("in_advisor") is False:
        found.append("not in advisor")
    if not a["tasks"]:
        found.append("no task")
    elif "task" not in d:
        found.append("no task selected")
    elif "responsible" not in a["tasks"][0]:
        found.append("task without people")
    if any(s.get("version") == "0.1" for s in a["software"]):
        found.append("old software")
    for key, word in (("invoice_recipient", "no payer"), ("agreement_period", "no period")):
        if op in ("activate", f"change_{key}") and key not in d:
            found.append(word)
    return found


def main() -> None:
    for old in SCENARIOS.glob("pins-*.yaml"):
        old.unlink()
    catalogue = load_catalogue(ROOT)
    compiled = compile_catalogue(catalogue)
    report = mutate(catalogue, case_files([SCENARIOS]))
    survivors = [r.mutant for r in report.results if r.status == "survived"]
    space = list(corpus(catalogue))
    baselines = [_baseline(compiled, Request.model_validate(d)) for d in space]
    kills: dict[int, dict[int, set[str]]] = {}  # request -> survivor -> parts of the plan
    for index, mutant in enumerate(survivors):
        probe = _probe(compiled, mutant)
        for at, baseline in enumerate(baselines):
            if probe.touches(baseline):
                plan = probe.plan(baseline.request)
                observed = actual(plan) if plan is not None else None
                parts = {"outcome"} if observed is None else {
                    k for k in KEYS if observed[k] != baseline.observed[k]}
                if parts:
                    kills.setdefault(at, {})[index] = parts
    left = set(range(len(survivors)))
    while left:
        at = max(kills, key=lambda i: (len(set(kills[i]) & left), -i))
        got = set(kills[at]) & left
        if not got:
            raise SystemExit(f"{len(left)} survivor(s) no generated request kills")
        left -= got
        _write(catalogue, space[at], baselines[at].observed,
               [survivors[i] for i in sorted(got)], set().union(*(kills[at][i] for i in got)))


def _write(catalogue: Any, request: dict[str, Any], observed: dict[str, Any], killed: list[Any],
           parts: set[str]) -> None:
    rules = sorted({m.rule for m in killed})
    sources = sorted({d for r in rules for d in catalogue.rule(r).rule.source},
                     key=lambda d: int(d[1:]))
    notes = _notes(request)
    current = next((x.get("variant") for x in request["customer"].get("collaborations", [])
                    if x["agency"] == AGENCY_ID and x["service"] == request["service"]), None)
    words = [request["operation"], request["service"], request.get("variant") or current or "", *notes]
    slug = re.sub(r"[^a-z0-9]+", "-", " ".join(words).lower()).strip("-")
    path, n = SCENARIOS / f"pins-{slug}.yaml", 2
    while path.exists():
        path, n = SCENARIOS / f"pins-{slug}-{n}.yaml", n + 1
    summary = summarise(request) + ("; " + ", ".join(notes) if notes else "")
    description = (f"{', '.join(sources)} - {summary}: the parts of the plan a change to "
                   f"{', '.join(rules)} would alter (found by collab test --mutate).")
    expect = {k: observed[k] for k in KEYS if k in parts}
    path.write_text(MODELINE + yaml.safe_dump(
        {"description": description, "request": request, "expect": expect}, sort_keys=False,
        allow_unicode=True, default_flow_style=None, width=100), encoding="utf-8")
    print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
