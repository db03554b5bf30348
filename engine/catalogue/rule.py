"""The shape of a rule file (rules/NN-*.yaml): rules, their conditions (when) and effects (then).
"""

from __future__ import annotations

import keyword
from typing import TYPE_CHECKING, Annotated, Any, Literal, NamedTuple

from pydantic import ConfigDict, Field, StringConstraints, create_model, field_validator

from engine.catalogue.language import LocalText
from engine.catalogue.operators import COMPARISONS, OPERATORS, Operator
from engine.catalogue.types import (
    Actor,
    Code,
    DFact,
    Id,
    Model,
    RuleId,
    Scalar,
)

# --------------------------------------------------------------------------- rules/

class _Comparison(Model):
    """A test on one fact other than equality. Exactly one field is given."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    def operator(self) -> tuple[Operator, Any]:
        """The operator given and its operand (the validator checks there is one)."""
        ((name, operand),) = self.model_dump(by_alias=True, exclude_none=True).items()
        return COMPARISONS[name], operand


# The fields of Compare, one per comparison operator, come from engine.catalogue.operators.
if TYPE_CHECKING:
    Compare = _Comparison
else:
    Compare = create_model(
        "Compare", __base__=_Comparison, __doc__=_Comparison.__doc__,
        **{f"{name}_" if keyword.iskeyword(name) else name: (
            op.field.operand | None,
            Field(None, alias=name, description=op.field.description, examples=[op.field.example]))
           for name, op in COMPARISONS.items()})


def operator_of(test: Scalar | list[Scalar] | Compare) -> tuple[Operator, Any]:
    """The operator of one fact test in `when`, and its operand."""
    if isinstance(test, list):
        return OPERATORS["list"], test
    if isinstance(test, _Comparison):
        return test.operator()
    return OPERATORS["="], test


FactTest = Annotated[
    Scalar | list[Scalar] | Compare,
    Field(
        description="A value (equality), a list (one of), or a comparison.",
        examples=["subscriber", ["activate", "link"], {"gt": 0}],
    ),
]


class When(Model):
    """Conditions that must all hold. Keys are fact names; `any` holds alternatives."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    __pydantic_extra__: dict[str, FactTest] = Field(init=False)

    any: list[When] | None = Field(
        None,
        description="At least one of these condition sets holds (give two or more).",
        examples=[[{"variant.paying": False}, {"invoice_recipient": "agency"}]],
    )

    @property
    def tests(self) -> dict[str, Scalar | list[Scalar] | Compare]:
        return dict(self.__pydantic_extra__ or {})

    @field_validator("any")
    @classmethod
    def _not_empty(cls, value: list[When] | None) -> list[When] | None:
        if value is not None and len(value) < 2:
            raise ValueError("`any` needs at least two alternatives")
        return value


class FromFact(Model):
    """Copy the value of another fact."""

    from_: str = Field(
        alias="from",
        description="The fact whose value is copied (`collab facts` lists them).",
        examples=["subscription.variant", "collaboration.agreement_period"],
    )
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


_STEP = {
    "phase": "approve",
    "actor": "customer",
    "text": "The customer approves (or declines) through the notice on the start page of Mina tjänster.",
}
_NO_TASK = {
    "code": "NO_TASK",
    "message": "The agency has no task connected to {customer.name}.",
    "hint": "Create a task for the customer in Advisor (Customers - the customer - Tasks), then try again.",
}
_DATA_LOSS = {
    "code": "DATA_LOSS",
    "message": "Changing from {current.name} to {variant.name} ({change}) may lose the customer's "
    "accounting data, and the company is reset.",
}
_REJECT_WITHOUT_TASK = {
    "id": "reject-without-task",
    "description": "The agency needs a task connected to the customer before it can activate or "
    "link a collaboration.",
    "source": ["D10"],
    "when": {"operation": ["activate", "link"], "task.count": 0},
    "then": {"reject": _NO_TASK},
}


class Step(Model):
    """One step of a plan: who does what, and in which phase."""

    phase: Id = Field(
        description="The phase the step belongs to, one of the pipeline's phases; a plan lists its "
        "steps phase by phase.",
        examples=["request"],
    )
    actor: Actor = Field(
        description="Who does it: agency, customer, system (Visma's systems on their own) or support.",
        examples=["agency"],
    )
    text: LocalText = Field(
        description="What happens. `{fact}` is replaced by the fact's value.",
        examples=["The customer logs in to Mina tjänster on vismaspcs.se and approves the collaboration."],
    )


class Rejection(Model):
    """Why the rule refuses the request, and what to do about it."""

    code: Code = Field(
        description="A stable code in capitals, which scripts and scenario tests check.",
        examples=["NO_TASK"],
    )
    message: LocalText = Field(
        description="What is wrong. `{fact}` is replaced by the fact's value.",
        examples=[_NO_TASK["message"]],
    )
    hint: LocalText = Field(description="What to do about it.", examples=[_NO_TASK["hint"]])


class RuleWarning(Model):
    """Something the agency should know; the plan goes ahead."""

    code: Code = Field(
        description="A stable code in capitals, which scripts and scenario tests check.",
        examples=["DATA_LOSS"],
    )
    message: LocalText = Field(
        description="What to watch out for. `{fact}` is replaced by the fact's value.",
        examples=[_DATA_LOSS["message"]],
    )


class Then(Model):
    """What a rule does when its conditions hold."""

    set: dict[str, Scalar | FromFact] = Field(
        {},
        description="Facts this rule decides (scenario, defaults): a value, or `{from: fact}` to "
        "copy another fact.",
        examples=[{"invoice_recipient": "customer"},
                  {"agreement_period": {"from": "collaboration.agreement_period"}}],
    )
    steps: list[Step] = Field(
        [],
        description="Steps this rule adds to the plan (a rejected plan shows none).",
        examples=[[_STEP]],
    )
    warnings: list[RuleWarning] = Field(
        [],
        description="Warnings this rule adds to the plan.",
        examples=[[_DATA_LOSS]],
    )
    notes: list[LocalText] = Field(
        [],
        description="Notes this rule adds to the plan, shown after the steps: what the agency "
        "should know that is no step anyone takes (whose choice it was, advice a page gives). "
        "`{fact}` is replaced by the fact's value.",
        examples=[[{"en": "The customer chose to end the collaboration.",
                    "sv": "Kunden har valt att avsluta samarbetet."}]],
    )
    reject: Rejection | None = Field(
        None,
        description="Refuse the request for this reason; a rejected plan lists every reason.",
        examples=[_NO_TASK],
    )
    outcome: Literal["ready", "awaits_customer", "needs_support"] | None = Field(
        None,
        description="ready says explicitly that nothing more is needed (e.g. no approval); "
        "`collab validate` reports a request on which one rule says ready and another "
        "awaits_customer.",
        examples=["awaits_customer"],
    )


    def effects(self, lang: str = "") -> list[Effect]:
        """What the rule does, one effect each, in the order explain and docs list them; texts
        in ``lang`` (default: the first each has), placeholders unfilled."""
        found = [Effect("set", fact, value.from_ if isinstance(value, FromFact) else str(value),
                        copied=isinstance(value, FromFact)) for fact, value in self.set.items()]
        if self.reject is not None:
            found.append(Effect("reject", self.reject.code, f"{self.reject.message.in_(lang)} "
                                f"*What to do:* {self.reject.hint.in_(lang)}"))
        found += [Effect("step", f"{step.phase}, {step.actor}", step.text.in_(lang))
                  for step in self.steps]
        found += [Effect("warning", warning.code, warning.message.in_(lang))
                  for warning in self.warnings]
        found += [Effect("note", "", note.in_(lang)) for note in self.notes]
        if self.outcome is not None:
            found.append(Effect("outcome", self.outcome))
        return found


class Effect(NamedTuple):
    """One thing a rule does: decide a fact, reject, add a step, a warning or a note, give an
    outcome."""

    kind: Literal["set", "reject", "step", "warning", "note", "outcome"]
    name: str  # the fact, the code, "phase, actor", the outcome ("" for a note)
    detail: str = ""  # the value (or the fact it is copied from), the message, the text
    copied: bool = False  # a set copying another fact's value


class Rule(Model):
    """One rule: when all its conditions hold, it does what `then` says."""

    id: RuleId = Field(
        description="Unique, in kebab-case; plans cite it beside each step, warning and rejection.",
        examples=["reject-without-task"],
    )
    description: LocalText = Field(
        description="One line a product owner understands.",
        examples=[_REJECT_WITHOUT_TASK["description"]],
    )
    source: list[DFact] = Field(
        min_length=1,
        description="The domain facts (D-numbers) this rule implements.",
        examples=[["D10"]],
    )
    when: When = Field(
        description="The conditions, which must all hold: fact name (`collab facts` lists them) "
        "and test.",
        examples=[{"operation": ["activate", "link"], "task.count": 0},
                  {"scenario": "subscriber", "invoice_recipient": {"present": False}}],
    )
    then: Then = Field(
        description="What the rule does when its conditions hold.",
        examples=[{"reject": _NO_TASK}, {"set": {"invoice_recipient": "customer"}}],
    )
    allow: list[Annotated[str, StringConstraints(pattern=r"^(ANA|MUT)[0-9]{3}$")]] = Field(
        [],
        description="Analysis findings (ANA) and surviving mutants of `collab test --mutate` "
        "(MUT) accepted for this rule (like noqa); say why in a comment.",
        examples=[["ANA005"], ["MUT002"]],
    )


class RuleFile(Model):
    """A file of rules that run in one stage of the pipeline."""

    stage: Id = Field(
        description="The stage these rules run in, one of the stages in rules/pipeline.yaml.",
        examples=["decide"],
    )
    rules: list[Rule] = Field(
        min_length=1,
        description="The rules; their steps are listed in this order within a phase.",
        examples=[[_REJECT_WITHOUT_TASK]],
    )

