"""Proposals to review (`collab test --review`, `--mutate --suggest`) as text: the request
and two plans side by side, the lines that differ marked."""

from __future__ import annotations

from collections.abc import Callable
from difflib import SequenceMatcher
from itertools import zip_longest
from typing import Any

from engine.errors import display_path
from engine.render import mutate
from engine.render.escape import visible
from engine.render.plan import to_json
from engine.tools.review import (
    EXPECT_KEYS,
    Proposal,
    ReviewResult,
    Suggestions,
    expectation,
)

WIDTH = 48


def _lines(expect: dict[str, Any]) -> list[str]:
    """An `expect:` as short lines, one per step, warning and rejection."""
    lines = []
    for key in EXPECT_KEYS:
        if key not in expect and not (key == "steps" and "steps_include" in expect):
            continue
        value = expect.get(key, expect.get("steps_include"))
        if isinstance(value, list):
            lines.append(f"{key}:" if value else f"{key}: []")
            for item in value:
                lines += ([f"  {actor}: {rule}" for actor, rule in item.items()]
                          if isinstance(item, dict) else [f"  {item}"])
        elif isinstance(value, dict):
            lines.append(f"{key}:" if value else f"{key}: {{}}")
            lines += [f"  {k}: {v}" for k, v in value.items()]
        else:
            lines.append(f"{key}: {value}")
    return [visible(line) for line in lines]


def side_by_side(left_title: str, left: list[str], right_title: str, right: list[str]) -> list[str]:
    """Two columns, equal lines side by side; lines that differ are marked `*`."""
    rows = [f"    {left_title:<{WIDTH}}   {right_title}"]
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, left, right, autojunk=False).get_opcodes():
        mark = " " if tag == "equal" else "*"
        for a, b in zip_longest(left[i1:i2], right[j1:j2], fillvalue=""):
            rows.append(f"  {mark} {a[:WIDTH]:<{WIDTH}} {mark} {b}".rstrip())
    return rows


def proposal_text(proposal: Proposal) -> str:
    if proposal.kind == "changed":
        head = [f"CHANGED   {visible(display_path(proposal.path))}: {visible(proposal.description)}",
                f"  request: {visible(proposal.summary)}"]
        keys = list(proposal.expected) or list(EXPECT_KEYS)
        keys = [k for k in ("steps" if k == "steps_include" else k for k in keys)
                if k in EXPECT_KEYS]
        body = side_by_side("expected now", _lines(proposal.expected),
                            "plan now (accepting expects this)",
                            _lines(expectation(proposal.plan, keys)))
    elif proposal.kind == "diff":
        head = [f"CHANGED PLAN {visible(display_path(proposal.path))}",
                f"  request: {visible(proposal.summary)}",
                f"  {proposal.count} request(s) change this way:"]
        head += [f"    {visible(line)}" for line in proposal.mutants]
        old = (_lines(expectation(proposal.other)) if proposal.other is not None
               else ["(invalid under the old catalogue)"])
        body = side_by_side("before (the old catalogue)", old,
                            "after (accepting expects this)", _lines(expectation(proposal.plan)))
    else:
        head = [f"SUGGESTED {visible(display_path(proposal.path))}",
                f"  request: {visible(proposal.summary)}",
                "  tells apart from the catalogue:"]
        head += [f"    {visible(m)}" for m in proposal.mutants]
        other = (_lines(expectation(proposal.other)) if proposal.other is not None
                 else ["(its rules conflict: no plan)"])
        body = side_by_side("catalogue (accepting expects this)", _lines(expectation(proposal.plan)),
                            "mutant", other)
    return "\n".join(head + body) + "\n"


def suggestions_text(suggestions: Suggestions) -> str:
    text = mutate.report_text(suggestions.report)
    if not suggestions.proposals:
        return text
    offered = [proposal_text(p) for p in suggestions.proposals]
    return (text + f"\n{len(offered)} request(s) offered as cases: check each plan against the help "
            "pages, then `collab test --mutate --review` (or `--accept NAME --by --why`)\n\n"
            + "\n".join(offered))


def suggestions_data(suggestions: Suggestions) -> dict[str, Any]:
    data = mutate.report_data(suggestions.report)
    data["suggestions"] = [{"case": display_path(p.path), "request": p.request,
                            "expect": expectation(p.plan), "mutants": list(p.mutants),
                            "mutant_plan": expectation(p.other) if p.other else None}
                           for p in suggestions.proposals]
    return data


def review_text(result: ReviewResult) -> str:
    lines = [f"accepted {visible(display_path(path))}" for path in result.accepted]
    lines.append(f"{len(result.accepted)} accepted, {len(result.skipped)} skipped, "
                 f"{len(result.left)} not reviewed")
    return "\n".join(lines) + "\n"


def suggestions_summary(suggestions: Suggestions) -> str:
    return mutate.report_summary(suggestions.report)


PROPOSAL_REPORTERS: dict[str, Callable[[Proposal], str]] = {"text": proposal_text}
REVIEW_REPORTERS: dict[str, Callable[[ReviewResult], str]] = {
    "text": review_text, "summary": lambda result: ""}
SUGGESTIONS_REPORTERS: dict[str, Callable[[Suggestions], str]] = {
    "text": suggestions_text,
    "json": lambda suggestions: to_json(suggestions_data(suggestions)),
    "junit": lambda suggestions: mutate.report_junit(suggestions.report),
    "summary": suggestions_summary,
}
