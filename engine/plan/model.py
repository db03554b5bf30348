"""The shape of a plan: outcome, ordered steps with actor, rule and D-facts, warnings, notes,
rejections.
"""

from __future__ import annotations

from pydantic import Field, PrivateAttr

from engine.catalogue.types import (
    Actor,
    Code,
    DFact,
    Id,
    Model,
    Operation,
    Outcome,
    RuleId,
    Scalar,
)
from engine.catalogue.words import ENGLISH, tool_word
from engine.errors import Verdict

# --------------------------------------------------------------------------- plans

# How an outcome reads in English: the words table's (engine.catalogue.words); a plan in
# another language reads it through engine.render.plan.label.
OUTCOME_WORDS = {outcome: tool_word(outcome, ENGLISH)
                 for outcome in ("ready", "awaits_customer", "needs_support", "rejected")}

_NO_TASK_HINT = ("Create a task for the customer in Advisor (Customers - the customer - Tasks), "
                 "then try again.")
_PLAN_STEP = {
    "number": 1,
    "phase": "request",
    "actor": "agency",
    "text": "In Advisor, Customers - Hallbergs Snickeri AB - Collaborations - Visma eEkonomi, select "
    "the task Löpande bokföring 2026 and choose Activate.",
    "rule": "activate-subscriber",
    "source": ["D14"],
}
_PLAN_WARNING = {
    "code": "NO_CHARGE_UNTIL_RENEWAL",
    "message": "The customer keeps its current agreement; nothing is charged for the collaboration "
    "until the agreement renews.",
    "rule": "subscriber-no-charge-until-renewal",
    "source": ["D14"],
}
_PLAN_NOTE = {
    "text": "The customer chose to end the collaboration; this plan follows that choice.",
    "rule": "end-by-agency",
    "source": ["D29"],
}
_PLAN_REJECTION = {
    "code": "NO_TASK",
    "message": "The agency has no task connected to Bageri Solsidan AB.",
    "hint": _NO_TASK_HINT,
    "rule": "reject-without-task",
    "source": ["D10"],
}
_DECISION = {
    "fact": "invoice_recipient",
    "value": "customer",
    "label": "Invoice recipient",
    "shown": "customer",
    "rule": "default-recipient-subscriber",
    "source": ["D14"],
}


class PlanStep(Model):
    """One step of the plan, with the rule and domain facts it comes from."""

    number: int = Field(description="The step's place in the plan, from 1.", examples=[1])
    phase: Id = Field(description="The phase the step belongs to.", examples=["request"])
    actor: Actor = Field(
        description="Who does it: agency, customer, system or support.",
        examples=["agency"],
    )
    text: str = Field(description="What to do, with the request's facts filled in.",
                      examples=[_PLAN_STEP["text"]])
    rule: RuleId = Field(description="The rule this comes from.", examples=["activate-subscriber"])
    source: list[DFact] = Field(description="The domain facts behind that rule.", examples=[["D14"]])


class PlanWarning(Model):
    """Something the agency should know; the plan goes ahead."""

    code: Code = Field(description="The warning's stable code.", examples=["NO_CHARGE_UNTIL_RENEWAL"])
    message: str = Field(description="The warning, with the request's facts filled in.",
                         examples=[_PLAN_WARNING["message"]])
    rule: RuleId = Field(description="The rule this comes from.",
                         examples=["subscriber-no-charge-until-renewal"])
    source: list[DFact] = Field(description="The domain facts behind that rule.", examples=[["D14"]])


class PlanNote(Model):
    """Something the agency should know that is no step anyone takes: whose choice the request
    was, advice a help page gives."""

    text: str = Field(description="The note, with the request's facts filled in.",
                      examples=[_PLAN_NOTE["text"]])
    rule: RuleId = Field(description="The rule this comes from.", examples=[_PLAN_NOTE["rule"]])
    source: list[DFact] = Field(description="The domain facts behind that rule.", examples=[["D29"]])


class PlanRejection(Model):
    """One reason the request is rejected."""

    code: Code = Field(description="The rejection's stable code.", examples=["NO_TASK"])
    message: str = Field(description="What is wrong, with the request's facts filled in.",
                         examples=[_PLAN_REJECTION["message"]])
    hint: str = Field(description="What to do about it.", examples=[_NO_TASK_HINT])
    rule: RuleId = Field(description="The rule this comes from.", examples=["reject-without-task"])
    source: list[DFact] = Field(description="The domain facts behind that rule.", examples=[["D10"]])


class Decision(Model):
    """A fact a rule decided: the scenario, or a default for what the request left open."""

    fact: str = Field(description="The fact decided.", examples=["invoice_recipient"])
    value: Scalar = Field(description="The value it was given.", examples=["customer", 12])
    label: str = Field("", description="The fact's name in the plan's language (the glossary's "
                       "`facts:`).", examples=[_DECISION["label"]])
    shown: str = Field("", description="The value as the plan's language reads it: a variant's "
                       "or scenario's name, the glossary's `values:`.",
                       examples=[_DECISION["shown"], "eEkonomi Smart"])
    rule: RuleId = Field(description="The rule that decided it.", examples=["default-recipient-subscriber"])
    source: list[DFact] = Field(description="The domain facts behind that rule.", examples=[["D14"]])


class Ref(Model):
    """An item of the catalogue, by id and name."""

    id: str = Field(description="The item's id in the catalogue.", examples=["eekonomi"])
    name: str = Field(description="The item's name.", examples=["Visma eEkonomi"])


class Plan(Model):
    """The engine's answer to one request."""

    language: str = Field(description="The language of the plan's texts (`--lang`).",
                          examples=["en"])
    operation: Operation = Field(description="The operation asked for.", examples=["activate"])
    service: Ref = Field(description="The service.", examples=[{"id": "eekonomi", "name": "Visma eEkonomi"}])
    variant: Ref | None = Field(
        description="The variant the plan is about: the one asked for, or the one the rules "
        "decided; null when there is none.",
        examples=[{"id": "bokforing", "name": "eEkonomi Bokföring"}],
    )
    customer: str = Field(description="The customer's name.", examples=["Hallbergs Snickeri AB"])
    outcome: Outcome = Field(
        description="ready, awaits_customer (the customer must approve), needs_support, or "
        "rejected.",
        examples=["awaits_customer"],
    )
    scenario: Ref | None = Field(
        description="The activation scenario the rules decided; null when none applies.",
        examples=[{"id": "subscriber",
                   "name": "The customer already has an active subscription of the service"}],
    )
    decisions: list[Decision] = Field(
        description="Facts the rules decided: the scenario and the defaults applied (a rejected "
        "plan lists the scenario only: its defaults assume it goes ahead).",
        examples=[[_DECISION]],
    )
    steps: list[PlanStep] = Field(
        description="The steps in order, each with who does it; empty when the request is rejected.",
        examples=[[_PLAN_STEP]],
    )
    warnings: list[PlanWarning] = Field(
        description="What the agency should know; the plan goes ahead. Empty when the request "
        "is rejected.",
        examples=[[_PLAN_WARNING]],
    )
    notes: list[PlanNote] = Field(
        [],
        description="What the agency should know that is no step (whose choice it was, advice a "
        "page gives); shown after the steps. Empty when the request is rejected.",
        examples=[[_PLAN_NOTE]],
    )
    rejections: list[PlanRejection] = Field(
        description="Every reason the request is rejected; empty unless the outcome is rejected.",
        examples=[[_PLAN_REJECTION]],
    )

    # The words of a printed plan in its language (the glossary's `labels:`), for the text
    # reporter; not part of the plan's data (JSON, schema, equality of content).
    _labels: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def labels(self) -> dict[str, str]:
        return self._labels

    def __eq__(self, other: object) -> bool:
        """Plans are equal by their data (what JSON holds), whatever words print them."""
        if not isinstance(other, Plan):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # lists inside: never hashable

    @property
    def verdict(self) -> Verdict:
        """A rejected request is a negative answer; every other outcome lets it go ahead."""
        return Verdict.NEGATIVE if self.outcome == "rejected" else Verdict.OK
