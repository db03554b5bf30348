"""The shapes of everything the engine reads and writes, as pydantic models.

Catalogue files (services/*.yaml, rules/*.yaml), requests and plans are validated against
these models; the JSON Schemas in schemas/ are generated from them (`collab schema`).
Every model forbids unknown fields and does not coerce types: a typo or a quoted boolean is
an error, never silently accepted.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]
DFact = Annotated[str, StringConstraints(pattern=r"^D[1-9][0-9]*$")]
Version = Annotated[str, StringConstraints(pattern=r"^[0-9]+(\.[0-9]+)*$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Scalar = str | int | bool

Actor = Literal["agency", "customer", "system", "support"]
Recipient = Literal["agency", "customer"]
Operation = Literal[
    "activate",
    "accept_invitation",
    "change_variant",
    "change_invoice_recipient",
    "change_agreement_period",
    "end",
    "link",
]
Outcome = Literal["ready", "awaits_customer", "needs_support", "rejected"]
# Most decisive first: a plan takes the first outcome any of its rules gives.
OUTCOME_PRECEDENCE: tuple[Outcome, ...] = ("rejected", "needs_support", "awaits_customer", "ready")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _version_text(value: object) -> object:
    if isinstance(value, float | int) and not isinstance(value, bool):
        raise ValueError(
            f"write the version in quotes, e.g. \"{value}\": unquoted, YAML reads it as a "
            "number and 1.10 would become 1.1"
        )
    return value


# --------------------------------------------------------------------------- services/


class SoftwareRequirement(Model):
    """One piece of software (or account) the agency may have, at a minimum version."""

    software: Id = Field(description="Software id, as requests name it.", examples=["advisor_connect"])
    min_version: Version | None = Field(None, description="Lowest version accepted.", examples=["1.68"])

    _quoted = field_validator("min_version", mode="before")(_version_text)


class Prerequisite(Model):
    """Something the agency must have before it can activate the service; any one alternative is enough."""

    description: Text = Field(examples=["Visma Administration 1000 or 2000, version 2020.0 or later"])
    any_of: list[SoftwareRequirement] = Field(min_length=1)
    source: list[DFact] = Field(min_length=1)


class Setting(Model):
    """A choice made when the service is activated (e.g. who registers time)."""

    id: Id
    description: Text
    values: list[Id] = Field(min_length=1)
    source: list[DFact] = Field(min_length=1)


class Addon(Model):
    """A product a customer can have activated inside the service (e.g. Lön Direkt in eEkonomi)."""

    id: Id
    name: Text
    source: list[DFact] = Field(min_length=1)


class AddonRef(Model):
    service: Id
    addon: Id


class Variant(Model):
    """One variant of a service. Upgrades, downgrades and sideways changes are derived from `contains`."""

    id: Id = Field(examples=["smart"])
    name: Text = Field(examples=["eEkonomi Smart"])
    paying: bool = Field(description="False for a free variant.")
    contains: list[Id] = Field(
        min_length=1,
        description="What the variant contains. A variant whose contents include all of "
        "another's is larger: moving to it is an upgrade, away from it a downgrade; when "
        "neither contains the other the change is sideways.",
        examples=[["bookkeeping", "invoicing"]],
    )
    invoice_recipients: list[Recipient] = Field(min_length=1, description="Who may pay.")
    agreement_periods: list[int] = Field(min_length=1, description="Allowed agreement periods, in months.")
    customer_access: bool = Field(True, description="Whether the customer works in the service too.")
    continue_alone: bool = Field(
        False,
        description="Whether a customer can keep this variant after the collaboration ends.",
    )
    disables: list[AddonRef] = Field(
        [],
        description="Customer add-ons switched off when this variant is activated.",
    )
    source: list[DFact] = Field(min_length=1)


class Service(Model):
    """A collaboration service offered from Visma Advisor."""

    id: Id = Field(examples=["eekonomi"])
    name: Text = Field(examples=["Visma eEkonomi"])
    description: Text
    source: list[DFact] = Field(min_length=1)
    customer_can_invite: bool = Field(
        False,
        description="Whether the customer can invite the agency from inside the service.",
    )
    agency_variant: Id | None = Field(None, description="The variant the agency itself always works in.")
    bundles: list[Id] = Field([], description="Services included in this one.")
    addons: list[Addon] = []
    prerequisites: list[Prerequisite] = []
    settings: list[Setting] = []
    variants: list[Variant] = Field(min_length=1)

    def variant(self, variant_id: str) -> Variant:
        return next(v for v in self.variants if v.id == variant_id)

    def has_variant(self, variant_id: str) -> bool:
        return any(v.id == variant_id for v in self.variants)

    def addon(self, addon_id: str) -> Addon:
        return next(a for a in self.addons if a.id == addon_id)


# --------------------------------------------------------------------------- rules/


class Compare(Model):
    """A test on one fact other than equality. Exactly one field is given."""

    not_: Scalar | None = Field(
        None, alias="not",
        description="The fact is present and differs from this value.",
    )
    in_: list[Scalar] | None = Field(None, alias="in", description="The fact equals one of these.")
    not_in: list[Scalar] | None = Field(None, description="The fact is present and equals none of these.")
    present: bool | None = Field(None, description="true: the fact is present; false: it is absent.")
    gt: int | None = None
    gte: int | None = None
    lt: int | None = None
    lte: int | None = None

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


FactTest = Annotated[
    Scalar | list[Scalar] | Compare,
    Field(description="A value (equality), a list (one of), or a comparison."),
]


class When(Model):
    """Conditions that must all hold. Keys are fact names; `any` holds alternatives."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    __pydantic_extra__: dict[str, FactTest] = Field(init=False)

    any: list[When] | None = Field(None, description="At least one of these condition sets holds.")

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

    from_: str = Field(alias="from", examples=["subscription.variant"])
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


class Step(Model):
    """One step of a plan: who does what, and in which phase."""

    phase: Id = Field(examples=["request"])
    actor: Actor
    text: Text = Field(description="What happens. `{fact}` is replaced by the fact's value.")


class Rejection(Model):
    code: Code = Field(examples=["NO_TASK"])
    message: Text
    hint: Text


class Warning(Model):
    code: Code = Field(examples=["DATA_LOSS"])
    message: Text


class Then(Model):
    """What a rule does when its conditions hold."""

    set: dict[str, Scalar | FromFact] = Field({}, description="Facts this rule decides (scenario, defaults).")
    steps: list[Step] = []
    warnings: list[Warning] = []
    reject: Rejection | None = None
    outcome: Literal["ready", "awaits_customer", "needs_support"] | None = Field(
        None,
        description="ready says explicitly that nothing more is needed (e.g. no approval); "
        "`collab validate` reports a request on which one rule says ready and another "
        "awaits_customer.",
    )


class Rule(Model):
    id: RuleId = Field(examples=["reject-without-task"])
    description: Text = Field(description="One line a product owner understands.")
    source: list[DFact] = Field(
        min_length=1,
        description="The domain facts (D-numbers) this rule implements.",
    )
    when: When
    then: Then
    allow: list[Annotated[str, StringConstraints(pattern=r"^ANA[0-9]{3}$")]] = Field(
        [],
        description="Analysis findings accepted for this rule (like noqa); say why in a comment.",
        examples=[["ANA005"]],
    )


class RuleFile(Model):
    """A file of rules that run in one stage of the pipeline."""

    stage: Id = Field(examples=["decide"])
    rules: list[Rule] = Field(min_length=1)


class Named(Model):
    id: Id
    description: Text


class Scenario(Model):
    id: Id
    name: Text
    source: list[DFact] = Field(min_length=1)


class Pipeline(Model):
    """rules/pipeline.yaml: the order of stages and step phases, and the scenarios."""

    description: Text
    source: list[DFact] = Field(min_length=1)
    stages: list[Named] = Field(min_length=1, description="Rule stages, in the order they run.")
    phases: list[Named] = Field(min_length=1, description="Step phases, in the order steps are listed.")
    scenarios: list[Scenario] = Field(min_length=1)


class DomainFact(Model):
    id: DFact
    section: Text
    text: Text
    seeds: list[Annotated[str, StringConstraints(pattern=r"^[0-9]{3}$")]] = Field(min_length=1)


class Domain(Model):
    """rules/domain.yaml: the numbered domain facts that rules cite."""

    facts: list[DomainFact] = Field(min_length=1)


# --------------------------------------------------------------------------- requests


class Contact(Model):
    name: Text
    email: Email


class Subscription(Model):
    """A service the customer already subscribes to."""

    service: Id
    variant: Id
    agreement_period: int | None = None
    addons: list[Id] = []


class Collaboration(Model):
    """An existing collaboration of the customer, with this agency or another."""

    agency: Text = Field(description="The agency's id; the request's own agency id means 'with us'.")
    service: Id
    variant: Id | None = None
    invoice_recipient: Recipient | None = None
    agreement_period: int | None = None
    linked: bool = Field(
        True,
        description="False for a collaboration created in Byråstöd and not yet linked in Advisor.",
    )


class Customer(Model):
    name: Text
    spcs_customer: bool = Field(description="Whether the company is already a customer of Visma Spcs.")
    in_advisor: bool = Field(True, description="Whether the agency has added the customer in Advisor.")
    main_contact: Contact | None = Field(None, description="The main contact on the customer number.")
    login_email: Email | None = Field(
        None,
        description="The email the customer logs in to Mina tjänster with.",
    )
    used_services: list[Id] = Field([], description="Services the customer has used before.")
    contact_details: Contact | None = Field(
        None,
        description="Mandatory contact details for a customer new to Spcs.",
    )
    subscriptions: list[Subscription] = []
    collaborations: list[Collaboration] = []


class Task(Model):
    id: Text
    name: Text
    responsible: Text | None = None
    participants: list[Text] = []


class Software(Model):
    id: Id
    version: Version | None = None

    _quoted = field_validator("version", mode="before")(_version_text)


class Agency(Model):
    id: Text
    name: Text
    tasks: list[Task] = Field([], description="The agency's tasks connected to this customer.")
    software: list[Software] = []


class Ending(Model):
    by: Recipient = Field(description="Who ends the collaboration.")
    service: Literal["end", "continue"] = Field(
        description="end: the service ends too; continue: the customer continues alone."
    )


class Request(Model):
    """What the agency (or customer) asks for, with the facts the rules need."""

    operation: Operation
    service: Id
    variant: Id | None = Field(None, description="The variant asked for (activate, change_variant).")
    task: Text | None = Field(None, description="The id of the task the collaboration is connected to.")
    invoice_recipient: Recipient | None = None
    agreement_period: int | None = Field(None, description="Months.", examples=[12])
    settings: dict[Id, Id] = {}
    ending: Ending | None = None
    customer: Customer
    agency: Agency


# --------------------------------------------------------------------------- plans


class PlanStep(Model):
    number: int
    phase: Id
    actor: Actor
    text: str
    rule: RuleId = Field(description="The rule this comes from.")
    source: list[DFact] = Field(description="The domain facts behind that rule.")


class PlanWarning(Model):
    code: Code
    message: str
    rule: RuleId
    source: list[DFact]


class PlanRejection(Model):
    code: Code
    message: str
    hint: str = Field(description="What to do about it.")
    rule: RuleId
    source: list[DFact]


class Decision(Model):
    fact: str
    value: Scalar
    rule: RuleId
    source: list[DFact]


class Ref(Model):
    id: str
    name: str


class Plan(Model):
    """The engine's answer to one request."""

    operation: Operation
    service: Ref
    variant: Ref | None
    customer: str
    outcome: Outcome
    scenario: Ref | None
    decisions: list[Decision] = Field(
        description="Facts the rules decided: the scenario and the defaults applied.",
    )
    steps: list[PlanStep]
    warnings: list[PlanWarning]
    rejections: list[PlanRejection]
