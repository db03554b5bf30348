"""The shape of a service file (services/*.yaml): variants, bundles, prerequisites, add-ons, settings.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from engine.catalogue.language import LocalText
from engine.catalogue.types import (
    DFact,
    Id,
    Model,
    Recipient,
    Text,
    Version,
    _version_text,
)

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

    description: LocalText = Field(
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
    description: LocalText = Field(
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
    # [003] L117: "Din kund kan välja att jobba vidare med sitt program fristående": a customer
    # can continue alone unless its variant says otherwise (eEkonomi Start and Pro, D29).
    continue_alone: bool = Field(
        True,
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
    description: LocalText = Field(
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


