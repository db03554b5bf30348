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

# Examples shared by several fields below, taken from the shipped catalogue and examples/.
_D7_CONNECT = [
    {"software": "byrastod", "min_version": "5.91"},
    {"software": "advisor_connect", "min_version": "1.68"},
]
_LON_DIREKT = {"id": "lon_direkt", "name": "Visma Lön Direkt", "source": ["D6"]}
_TIME_REGISTRATION = {
    "id": "time_registration",
    "description": "Who registers time: the agency, for all the customer's employees; or the "
    "employees themselves in Visma Lön Anställd, approved by an attestant at the company.",
    "values": ["agency", "employees"],
    "source": ["D5"],
}
_SMART = {
    "id": "smart",
    "name": "eEkonomi Smart",
    "paying": True,
    "contains": ["basics", "bookkeeping", "invoicing"],
    "invoice_recipients": ["agency", "customer"],
    "agreement_periods": [3, 12],
    "continue_alone": True,
    "source": ["D3", "D12", "D13"],
}


class SoftwareRequirement(Model):
    """One piece of software (or account) the agency may have, at a minimum version."""

    software: Id = Field(
        description="The software or account, by the id requests give it under `agency.software`.",
        examples=["advisor_connect", "visma_administration_2000", "vismaspcs_account"],
    )
    min_version: Version | None = Field(
        None,
        description="Lowest version accepted, in quotes. Leave it out when any version will do "
        "(an account, for instance).",
        examples=["1.68", "2020.0"],
    )

    _quoted = field_validator("min_version", mode="before")(_version_text)


class Prerequisite(Model):
    """Something the agency must have before it can activate the service; any one alternative is enough."""

    description: Text = Field(
        description="What the agency needs, in words; a rejected plan names it when it is missing.",
        examples=["Visma Administration 1000 or 2000, version 2020.0 or later"],
    )
    any_of: list[SoftwareRequirement] = Field(
        min_length=1,
        description="The alternatives: the agency needs one of them.",
        examples=[_D7_CONNECT],
    )
    source: list[DFact] = Field(
        min_length=1,
        description="The domain facts (D-numbers) this prerequisite comes from.",
        examples=[["D7"]],
    )


class Setting(Model):
    """A choice made when the service is activated (e.g. who registers time)."""

    id: Id = Field(
        description="The setting's id; a request chooses its value under `settings:`.",
        examples=["time_registration"],
    )
    description: Text = Field(
        description="What the choice means for the agency and the customer.",
        examples=[_TIME_REGISTRATION["description"]],
    )
    values: list[Id] = Field(
        min_length=1,
        description="The values a request may choose.",
        examples=[["agency", "employees"]],
    )
    source: list[DFact] = Field(
        min_length=1,
        description="The domain facts (D-numbers) this setting comes from.",
        examples=[["D5"]],
    )


class Addon(Model):
    """A product a customer can have activated inside the service (e.g. Lön Direkt in eEkonomi)."""

    id: Id = Field(
        description="The add-on's id, as a customer's subscription (`addons:`) and a variant's "
        "`disables:` name it.",
        examples=["lon_direkt"],
    )
    name: Text = Field(description="The add-on's name, as plans show it.", examples=["Visma Lön Direkt"])
    source: list[DFact] = Field(
        min_length=1,
        description="The domain facts (D-numbers) this add-on comes from.",
        examples=[["D6"]],
    )


class AddonRef(Model):
    """An add-on of a service, named by the service's id and the add-on's id."""

    service: Id = Field(description="The service the add-on belongs to.", examples=["eekonomi"])
    addon: Id = Field(description="The add-on's id, from that service's `addons:`.", examples=["lon_direkt"])


class Variant(Model):
    """One variant of a service. Upgrades, downgrades and sideways changes are derived from `contains`."""

    id: Id = Field(
        description="The variant's id, as requests and rules name it (`variant: smart`).",
        examples=["smart"],
    )
    name: Text = Field(description="The variant's name, as Advisor and plans show it.",
                       examples=["eEkonomi Smart"])
    paying: bool = Field(
        description="Whether the variant is paid for; false for a free variant (eEkonomi Start).",
        examples=[True],
    )
    contains: list[Id] = Field(
        min_length=1,
        description="What the variant contains. A variant whose contents include all of "
        "another's is larger: moving to it is an upgrade, away from it a downgrade; when "
        "neither contains the other the change is sideways.",
        examples=[["bookkeeping", "invoicing"]],
    )
    invoice_recipients: list[Recipient] = Field(
        min_length=1,
        description="Who may pay (be invoice recipient): agency, customer, or both.",
        examples=[["agency", "customer"], ["agency"]],
    )
    agreement_periods: list[int] = Field(
        min_length=1,
        description="Allowed agreement periods, in months.",
        examples=[[3, 12]],
    )
    customer_access: bool = Field(
        True,
        description="Whether the customer works in the service too; false where only the agency "
        "has access (Lön Smart Start).",
        examples=[False],
    )
    continue_alone: bool = Field(
        False,
        description="Whether a customer can keep this variant after the collaboration ends.",
        examples=[True],
    )
    disables: list[AddonRef] = Field(
        [],
        description="Customer add-ons switched off when this variant is activated.",
        examples=[[{"service": "eekonomi", "addon": "lon_direkt"}]],
    )
    source: list[DFact] = Field(
        min_length=1,
        description="The domain facts (D-numbers) this variant comes from.",
        examples=[["D3", "D12", "D13"]],
    )


class Service(Model):
    """A collaboration service offered from Visma Advisor."""

    id: Id = Field(
        description="The service's id, as requests and rules name it; by convention also the "
        "file's name.",
        examples=["eekonomi"],
    )
    name: Text = Field(description="The service's name, as Advisor and plans show it.",
                       examples=["Visma eEkonomi"])
    description: Text = Field(
        description="What the service is, in a sentence or two.",
        examples=["Online bookkeeping and invoicing, shared by the agency and the customer."],
    )
    source: list[DFact] = Field(
        min_length=1,
        description="The domain facts (D-numbers) this service comes from.",
        examples=[["D2", "D3"]],
    )
    customer_can_invite: bool = Field(
        False,
        description="Whether the customer can invite the agency from inside the service.",
        examples=[True],
    )
    agency_variant: Id | None = Field(
        None,
        description="The variant the agency itself always works in.",
        examples=["pro"],
    )
    bundles: list[Id] = Field(
        [],
        description="Services included in this one, by id.",
        examples=[["ekonomioversikt", "scanner"]],
    )
    addons: list[Addon] = Field(
        [],
        description="Products a customer can have activated inside this service; a variant (of "
        "any service) can switch them off.",
        examples=[[_LON_DIREKT]],
    )
    prerequisites: list[Prerequisite] = Field(
        [],
        description="What the agency must have before it can activate the service; without it "
        "the request is rejected.",
        examples=[[{
            "description": "Visma Byråstöd 5.91 or later, or Visma Advisor with Advisor Connect "
            "1.68 or later",
            "any_of": _D7_CONNECT,
            "source": ["D7"],
        }]],
    )
    settings: list[Setting] = Field(
        [],
        description="Choices made when the service is activated; a request gives them under "
        "`settings:`.",
        examples=[[_TIME_REGISTRATION]],
    )
    variants: list[Variant] = Field(
        min_length=1,
        description="The variants the service is offered in.",
        examples=[[_SMART]],
    )

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
        examples=["eekonomi"],
    )
    in_: list[Scalar] | None = Field(
        None, alias="in",
        description="The fact equals one of these.",
        examples=[["activate", "link"]],
    )
    not_in: list[Scalar] | None = Field(
        None,
        description="The fact is present and equals none of these.",
        examples=[["smart", "pro"]],
    )
    present: bool | None = Field(
        None,
        description="true: the fact is present; false: it is absent.",
        examples=[False],
    )
    gt: int | None = Field(None, description="The fact is a number greater than this.", examples=[0])
    gte: int | None = Field(None, description="The fact is a number of at least this.", examples=[1])
    lt: int | None = Field(None, description="The fact is a number less than this.", examples=[12])
    lte: int | None = Field(None, description="The fact is a number of at most this.", examples=[3])

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


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
    text: Text = Field(
        description="What happens. `{fact}` is replaced by the fact's value.",
        examples=["The customer logs in to Mina tjänster on vismaspcs.se and approves the collaboration."],
    )


class Rejection(Model):
    """Why the rule refuses the request, and what to do about it."""

    code: Code = Field(
        description="A stable code in capitals, which scripts and scenario tests check.",
        examples=["NO_TASK"],
    )
    message: Text = Field(
        description="What is wrong. `{fact}` is replaced by the fact's value.",
        examples=[_NO_TASK["message"]],
    )
    hint: Text = Field(description="What to do about it.", examples=[_NO_TASK["hint"]])


class Warning(Model):
    """Something the agency should know; the plan goes ahead."""

    code: Code = Field(
        description="A stable code in capitals, which scripts and scenario tests check.",
        examples=["DATA_LOSS"],
    )
    message: Text = Field(
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
    warnings: list[Warning] = Field(
        [],
        description="Warnings this rule adds to the plan.",
        examples=[[_DATA_LOSS]],
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


class Rule(Model):
    """One rule: when all its conditions hold, it does what `then` says."""

    id: RuleId = Field(
        description="Unique, in kebab-case; plans cite it beside each step, warning and rejection.",
        examples=["reject-without-task"],
    )
    description: Text = Field(
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
    allow: list[Annotated[str, StringConstraints(pattern=r"^ANA[0-9]{3}$")]] = Field(
        [],
        description="Analysis findings accepted for this rule (like noqa); say why in a comment.",
        examples=[["ANA005"]],
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


class Named(Model):
    """A stage or a step phase of the pipeline."""

    id: Id = Field(
        description="The id rule files (`stage:`) and steps (`phase:`) use.",
        examples=["decide", "approve"],
    )
    description: Text = Field(
        description="What happens in it.",
        examples=["What the other party must do before the change takes effect."],
    )


class Scenario(Model):
    """An activation scenario; the scenario rules decide which one applies."""

    id: Id = Field(
        description="The scenario's id, as rules test and set it (`scenario: subscriber`).",
        examples=["subscriber"],
    )
    name: Text = Field(
        description="The scenario in words, as plans show it.",
        examples=["The customer already has an active subscription of the service"],
    )
    source: list[DFact] = Field(
        min_length=1,
        description="The domain facts (D-numbers) this scenario comes from.",
        examples=[["D14"]],
    )


class Pipeline(Model):
    """rules/pipeline.yaml: the order of stages and step phases, and the scenarios."""

    description: Text = Field(
        description="What the catalogue is about; it opens the generated docs.",
        examples=["Collaborations between an accounting agency (byrå) in Visma Advisor and its customer."],
    )
    source: list[DFact] = Field(
        min_length=1,
        description="The domain facts (D-numbers) the description comes from.",
        examples=[["D1"]],
    )
    stages: list[Named] = Field(
        min_length=1,
        description="Rule stages, in the order they run.",
        examples=[[{"id": "scenario", "description": "Which activation scenario applies (D14-D18)."},
                   {"id": "decide", "description": "Preconditions, rejections, steps and warnings."}]],
    )
    phases: list[Named] = Field(
        min_length=1,
        description="Step phases, in the order steps are listed.",
        examples=[[{"id": "request", "description": "What the agency (or the customer) does to make "
                    "the request."},
                   {"id": "approve", "description": "What the other party must do before the change "
                    "takes effect."}]],
    )
    scenarios: list[Scenario] = Field(
        min_length=1,
        description="The activation scenarios the scenario rules choose from.",
        examples=[[{"id": "spcs_customer", "name": "An existing Spcs customer without the service",
                    "source": ["D15"]}]],
    )


_D10 = {
    "id": "D10",
    "section": "Preconditions",
    "text": "The agency must have a task connected to the customer before it can activate any "
    "collaboration.",
    "seeds": ["001"],
}


class DomainFact(Model):
    """One numbered fact of the domain, restated from the help documents."""

    id: DFact = Field(description="The fact's number, as `source:` cites it.", examples=["D10"])
    section: Text = Field(description="The heading the fact is listed under.", examples=["Preconditions"])
    text: Text = Field(description="The fact, restated in a few sentences.", examples=[_D10["text"]])
    seeds: list[Annotated[str, StringConstraints(pattern=r"^[0-9]{3}$")]] = Field(
        min_length=1,
        description="The help documents the fact comes from, by their three-digit prefix, in quotes.",
        examples=[["001", "003"]],
    )


class Domain(Model):
    """rules/domain.yaml: the numbered domain facts that rules cite."""

    facts: list[DomainFact] = Field(
        min_length=1,
        description="The facts, D1 upwards.",
        examples=[[_D10]],
    )


# --------------------------------------------------------------------------- requests

_AGENCY_ID = "556812-3456"
_TASK = {"id": "T-100", "name": "Bokslut 2026", "responsible": "Anna Berg", "participants": ["Johan Lind"]}
_SUBSCRIPTION = {"service": "eekonomi", "variant": "start", "agreement_period": 12, "addons": ["lon_direkt"]}
_COLLABORATION = {
    "agency": _AGENCY_ID,
    "service": "eekonomi",
    "variant": "smart",
    "invoice_recipient": "customer",
    "agreement_period": 12,
    "linked": False,
}


class Contact(Model):
    """A person at the customer, with an email address."""

    name: Text = Field(description="The person's name.", examples=["Sara Ek"])
    email: Email = Field(description="The person's email address.", examples=["sara@solsidan.se"])


class Subscription(Model):
    """A service the customer already subscribes to."""

    service: Id = Field(description="The service subscribed to, by id.", examples=["eekonomi"])
    variant: Id = Field(description="The variant subscribed to.", examples=["bokforing"])
    agreement_period: int | None = Field(
        None,
        description="The subscription's agreement period, in months.",
        examples=[12],
    )
    addons: list[Id] = Field(
        [],
        description="Add-ons activated in the subscription, by id.",
        examples=[["lon_direkt"]],
    )


class Collaboration(Model):
    """An existing collaboration of the customer, with this agency or another."""

    agency: Text = Field(
        description="The agency's id; the request's own agency id means 'with us'.",
        examples=[_AGENCY_ID],
    )
    service: Id = Field(description="The service collaborated in, by id.", examples=["eekonomi"])
    variant: Id | None = Field(None, description="The variant the collaboration is in.", examples=["smart"])
    invoice_recipient: Recipient | None = Field(
        None,
        description="Who pays for the collaboration now: agency or customer.",
        examples=["customer"],
    )
    agreement_period: int | None = Field(
        None,
        description="The collaboration's agreement period, in months.",
        examples=[12],
    )
    linked: bool = Field(
        True,
        description="False for a collaboration created in Byråstöd and not yet linked in Advisor.",
        examples=[False],
    )


class Customer(Model):
    """The customer company the request is about."""

    name: Text = Field(description="The company's name.", examples=["Bageri Solsidan AB"])
    spcs_customer: bool = Field(
        description="Whether the company is already a customer of Visma Spcs.",
        examples=[True],
    )
    in_advisor: bool = Field(
        True,
        description="Whether the agency has added the customer in Advisor.",
        examples=[False],
    )
    main_contact: Contact | None = Field(
        None,
        description="The main contact on the customer number.",
        examples=[{"name": "Sara Ek", "email": "sara@solsidan.se"}],
    )
    login_email: Email | None = Field(
        None,
        description="The email the customer logs in to Mina tjänster with.",
        examples=["ekonomi@solsidan.se"],
    )
    used_services: list[Id] = Field(
        [],
        description="Services the customer has used before.",
        examples=[["eekonomi"]],
    )
    contact_details: Contact | None = Field(
        None,
        description="Mandatory contact details for a customer new to Spcs.",
        examples=[{"name": "Emma Nyström", "email": "emma@nystromdesign.se"}],
    )
    subscriptions: list[Subscription] = Field(
        [],
        description="The services the customer subscribes to now.",
        examples=[[_SUBSCRIPTION]],
    )
    collaborations: list[Collaboration] = Field(
        [],
        description="The customer's collaborations now, with this agency or with others.",
        examples=[[_COLLABORATION]],
    )


class Task(Model):
    """A task (uppdrag) of the agency for the customer."""

    id: Text = Field(description="The task's id; the request's `task:` names it.", examples=["T-100"])
    name: Text = Field(description="The task's name, as plans show it.", examples=["Bokslut 2026"])
    responsible: Text | None = Field(
        None,
        description="The employee responsible for the task; gets access to the collaboration.",
        examples=["Anna Berg"],
    )
    participants: list[Text] = Field(
        [],
        description="The other employees on the task; they get access too.",
        examples=[["Johan Lind"]],
    )


class Software(Model):
    """Software (or an account) the agency has, at a version."""

    id: Id = Field(
        description="The software's id, as services' prerequisites name it.",
        examples=["advisor_connect", "vismaspcs_account"],
    )
    version: Version | None = Field(
        None,
        description="The installed version, in quotes. Leave it out for an account.",
        examples=["1.68"],
    )

    _quoted = field_validator("version", mode="before")(_version_text)


class Agency(Model):
    """The accounting agency (byrå) that uses Visma Advisor."""

    id: Text = Field(
        description="The agency's id (its corporate ID number), in quotes; a collaboration "
        "with the same `agency:` is with this agency.",
        examples=[_AGENCY_ID],
    )
    name: Text = Field(description="The agency's name.", examples=["Byrå Redovisning AB"])
    tasks: list[Task] = Field(
        [],
        description="The agency's tasks connected to this customer.",
        examples=[[_TASK]],
    )
    software: list[Software] = Field(
        [],
        description="The software and accounts the agency has (checked against a service's "
        "prerequisites).",
        examples=[[{"id": "advisor_connect", "version": "1.68"}, {"id": "vismaspcs_account"}]],
    )


class Ending(Model):
    """How a collaboration ends: who ends it, and what happens to the service."""

    by: Recipient = Field(
        description="Who ends the collaboration: agency or customer.",
        examples=["customer"],
    )
    service: Literal["end", "continue"] = Field(
        description="end: the service ends too; continue: the customer continues alone.",
        examples=["continue"],
    )


class Request(Model):
    """What the agency (or customer) asks for, with the facts the rules need."""

    operation: Operation = Field(
        description="What is asked for: activate, accept_invitation, change_variant, "
        "change_invoice_recipient, change_agreement_period, end or link.",
        examples=["activate"],
    )
    service: Id = Field(
        description="The service, by id (`collab services` lists them).",
        examples=["eekonomi"],
    )
    variant: Id | None = Field(
        None,
        description="The variant asked for (activate, change_variant).",
        examples=["smart"],
    )
    task: Text | None = Field(
        None,
        description="The id of the task the collaboration is connected to.",
        examples=["T-100"],
    )
    invoice_recipient: Recipient | None = Field(
        None,
        description="Who pays: agency or customer. Left out, the rules apply a default where "
        "there is one.",
        examples=["customer"],
    )
    agreement_period: int | None = Field(
        None,
        description="The agreement period asked for, in months; one the variant allows (3 or 12).",
        examples=[12],
    )
    settings: dict[Id, Id] = Field(
        {},
        description="Choices for the service's settings, setting id: value (Lön Smart: who "
        "registers time).",
        examples=[{"time_registration": "employees"}],
    )
    ending: Ending | None = Field(
        None,
        description="For end: who ends the collaboration and whether the service ends too.",
        examples=[{"by": "customer", "service": "continue"}],
    )
    customer: Customer = Field(
        description="The customer company and what it has now.",
        examples=[{
            "name": "Bageri Solsidan AB",
            "spcs_customer": True,
            "main_contact": {"name": "Sara Ek", "email": "sara@solsidan.se"},
            "login_email": "ekonomi@solsidan.se",
            "used_services": ["eekonomi"],
            "subscriptions": [_SUBSCRIPTION],
        }],
    )
    agency: Agency = Field(
        description="The agency making the request, with its tasks and software.",
        examples=[{"id": _AGENCY_ID, "name": "Byrå Redovisning AB", "tasks": [_TASK]}],
    )


# --------------------------------------------------------------------------- plans

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
_PLAN_REJECTION = {
    "code": "NO_TASK",
    "message": "The agency has no task connected to Bageri Solsidan AB.",
    "hint": _NO_TASK["hint"],
    "rule": "reject-without-task",
    "source": ["D10"],
}
_DECISION = {
    "fact": "invoice_recipient",
    "value": "customer",
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


class PlanRejection(Model):
    """One reason the request is rejected."""

    code: Code = Field(description="The rejection's stable code.", examples=["NO_TASK"])
    message: str = Field(description="What is wrong, with the request's facts filled in.",
                         examples=[_PLAN_REJECTION["message"]])
    hint: str = Field(description="What to do about it.", examples=[_NO_TASK["hint"]])
    rule: RuleId = Field(description="The rule this comes from.", examples=["reject-without-task"])
    source: list[DFact] = Field(description="The domain facts behind that rule.", examples=[["D10"]])


class Decision(Model):
    """A fact a rule decided: the scenario, or a default for what the request left open."""

    fact: str = Field(description="The fact decided.", examples=["invoice_recipient"])
    value: Scalar = Field(description="The value it was given.", examples=["customer", 12])
    rule: RuleId = Field(description="The rule that decided it.", examples=["default-recipient-subscriber"])
    source: list[DFact] = Field(description="The domain facts behind that rule.", examples=[["D14"]])


class Ref(Model):
    """An item of the catalogue, by id and name."""

    id: str = Field(description="The item's id in the catalogue.", examples=["eekonomi"])
    name: str = Field(description="The item's name.", examples=["Visma eEkonomi"])


class Plan(Model):
    """The engine's answer to one request."""

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
        description="Facts the rules decided: the scenario and the defaults applied.",
        examples=[[_DECISION]],
    )
    steps: list[PlanStep] = Field(
        description="The steps in order, each with who does it; empty when the request is rejected.",
        examples=[[_PLAN_STEP]],
    )
    warnings: list[PlanWarning] = Field(
        description="What the agency should know; the plan goes ahead.",
        examples=[[_PLAN_WARNING]],
    )
    rejections: list[PlanRejection] = Field(
        description="Every reason the request is rejected; empty unless the outcome is rejected.",
        examples=[[_PLAN_REJECTION]],
    )
