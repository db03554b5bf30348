"""The shape of a request: what is asked, of which service, for which customer, by which agency.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any, Literal, NamedTuple, Self, cast

from pydantic import AfterValidator, Field, TypeAdapter, field_validator

from engine.catalogue.types import (
    Email,
    Id,
    Model,
    Operation,
    Recipient,
    Text,
    Version,
    _version_text,
)

# --------------------------------------------------------------------------- requests

_ORGANISATION_NUMBER = re.compile(r"(\d{6})-?(\d{4})")


def _organisation_number(value: str) -> str:
    """A Swedish organisation number in one form: 5568123456 and 556812-3456 are the same."""
    match = _ORGANISATION_NUMBER.fullmatch(value.strip())
    return f"{match[1]}-{match[2]}" if match else value


AgencyId = Annotated[Text, AfterValidator(_organisation_number)]

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

    agency: AgencyId = Field(
        description="The agency's id; the request's own agency id means 'with us' (an "
        "organisation number is the same with or without its dash).",
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
        description="The main contact on the customer's card in Advisor; a customer without a "
        "Mina tjänster account is invited at this email (D20).",
        examples=[{"name": "Sara Ek", "email": "sara@solsidan.se"}],
    )
    mina_tjanster_account: bool | None = Field(
        None,
        description="Whether the customer has an account in Mina tjänster (D20). Left out, it "
        "has one when its login email is given or it subscribes to the service.",
        examples=[False],
    )
    login_email: Email | None = Field(
        None,
        description="The email the customer logs in to Mina tjänster with.",
        examples=["ekonomi@solsidan.se"],
    )
    mina_tjanster_main_contact: Text | None = Field(
        None,
        description="The user who is main contact (Huvudkontakt) on the customer number in Mina "
        "tjänster, not the same as `main_contact` in Advisor; ending needs one (D30).",
        examples=["Sara Ek"],
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

    id: AgencyId = Field(
        description="The agency's id (its corporate ID number), in quotes; a collaboration "
        "with the same `agency:` is with this agency (556812-3456 and 5568123456 are the same).",
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
    """The part every request shares: what is asked, of which service, for which customer, by
    which agency, and the task the collaboration is (or is to be) connected to.

    A request is one of the operation models below (ActivateRequest, ...), each accepting
    exactly the fields its operation uses; `validate_request` picks it by `operation`.
    `Request.model_validate` does the same, so that code validating "a request" gets the
    operation's own model.
    """

    operation: Operation = Field(
        description="What is asked for: activate, accept_invitation, change_variant, "
        "change_invoice_recipient, change_agreement_period, end or link.",
        examples=["activate"],
    )
    service: Id = Field(
        description="The service, by id (`collab services` lists them).",
        examples=["eekonomi"],
    )
    task: Text | None = Field(
        None,
        description="The id of the task the collaboration is connected to.",
        examples=["T-100"],
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

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        """On Request itself: the model of the request's operation (see validate_request)."""
        if cls is not Request:
            return super().model_validate(obj, *args, **kwargs)
        operation = obj.get("operation") if isinstance(obj, dict) else None
        model = OPERATION_MODELS.get(operation) if isinstance(operation, str) else None
        if model is None:  # the union says what `operation` must be
            return cast(Self, requests_adapter().validate_python(obj, *args, **kwargs))
        # as the union would with this tag, building only this operation's validator; its
        # errors lack only the tag in their place, which engine.catalogue.messages leaves out
        return cast(Self, model.model_validate(obj, *args, **kwargs))

    @property
    def asked(self) -> Asked:
        """What the request chooses, whatever its operation: None (or no settings) for a
        field its operation does not take."""
        fields = self.__dict__  # a field its operation lacks is absent: no __getattr__ miss
        return Asked(
            variant=fields.get("variant"),
            invoice_recipient=fields.get("invoice_recipient"),
            agreement_period=fields.get("agreement_period"),
            settings=fields.get("settings", {}),
            ending=fields.get("ending"),
        )


class Asked(NamedTuple):
    """The fields of a request that differ by operation, read the same way for every one."""

    variant: str | None
    invoice_recipient: Recipient | None
    agreement_period: int | None
    settings: dict[str, str]
    ending: Ending | None


# The fields by operation. Each is decided from the help pages and from the rules that read
# the fact it gives (`grep` rules/*.yaml for `operation:` and the fact in `when:`).

def _variant(what: str) -> Any:
    return Field(None, description=what, examples=["smart"])


def _recipient(what: str) -> Any:
    return Field(None, description=what, examples=["customer"])


def _period(what: str) -> Any:
    return Field(None, description=what, examples=[12])


class ActivateRequest(Request):
    """The agency activates a collaboration (and the service) from Advisor: it chooses the
    variant, the task, the invoice recipient and the agreement period in the window Activate
    service ([001] L42-L46), and for Lön Smart who registers time ([000]; read by
    reject-time-registration-missing and lon-smart-*-registers-time)."""

    operation: Literal["activate"] = Field(description="Activate a collaboration.",
                                           examples=["activate"])
    variant: Id | None = _variant(
        "The variant asked for. Left out, a subscriber is invited in its current variant and a "
        "service with one variant takes it.")
    invoice_recipient: Recipient | None = _recipient(
        "Who pays: agency or customer. Left out, the rules apply a default where there is one.")
    agreement_period: int | None = _period(
        "The agreement period asked for, in months; one the variant allows (3 or 12).")
    settings: dict[Id, Id] = Field(
        {},
        description="Choices for the service's settings, setting id: value (Lön Smart: who "
        "registers time); made when the service is activated.",
        examples=[{"time_registration": "employees"}],
    )


class AcceptInvitationRequest(Request):
    """The agency accepts the customer's invitation from inside the service ([001] L25-L36):
    it connects the service to a task; the variant is the one the customer invited in (read
    by default-variant-of-subscription and reject-variant-*). No page lets the agency choose
    a payer or a period when accepting."""

    operation: Literal["accept_invitation"] = Field(
        description="Accept the customer's invitation.", examples=["accept_invitation"])
    variant: Id | None = _variant(
        "The variant the customer invited in. Left out, the one it subscribes to.")


class ChangeVariantRequest(Request):
    """The agency changes the variant of an active collaboration ([001] L22-L24). The same
    pen icon in Advisor changes the variant, the period and the payer ([003] L88, D24), and
    the new variant may not allow the current ones (Lön Smart Start: only the agency pays; read by
    reject-recipient-not-allowed and reject-period-not-allowed). Settings are chosen on
    activation, not on a change."""

    operation: Literal["change_variant"] = Field(description="Change the variant.",
                                                 examples=["change_variant"])
    variant: Id | None = _variant("The variant to change to.")
    invoice_recipient: Recipient | None = _recipient(
        "Who pays in the new variant. Left out, the collaboration's payer.")
    agreement_period: int | None = _period(
        "The agreement period in the new variant, in months. Left out, the collaboration's.")


class ChangeInvoiceRecipientRequest(Request):
    """The agency changes who pays for an active collaboration (D24). Its variant and period
    are the collaboration's (default-variant-of-collaboration, default-period-of-collaboration)."""

    operation: Literal["change_invoice_recipient"] = Field(
        description="Change the invoice recipient.", examples=["change_invoice_recipient"])
    invoice_recipient: Recipient | None = _recipient("The new invoice recipient.")


class ChangeAgreementPeriodRequest(Request):
    """The agency changes the agreement period of an active collaboration (D24). Its variant
    and payer are the collaboration's (default-*-of-collaboration)."""

    operation: Literal["change_agreement_period"] = Field(
        description="Change the agreement period.", examples=["change_agreement_period"])
    agreement_period: int | None = _period("The new agreement period, in months (3 or 12).")


class EndRequest(Request):
    """The agency or the customer ends a collaboration ([003] L88, L109-L117): who ends it and
    whether the service ends too (read by end-* and reject-continue-alone-*). The variant,
    payer and period are the collaboration's: to end in another variant, change it first."""

    operation: Literal["end"] = Field(description="End the collaboration.", examples=["end"])
    ending: Ending | None = Field(
        None,
        description="Who ends the collaboration and whether the service ends too.",
        examples=[{"by": "customer", "service": "continue"}],
    )


class LinkRequest(Request):
    """The agency links a collaboration made in Byråstöd to a service and a task ([002] L11,
    D25). Everything else is the collaboration's."""

    operation: Literal["link"] = Field(description="Link a Byråstöd collaboration.",
                                       examples=["link"])


OPERATION_MODELS: dict[str, type[Request]] = {
    "activate": ActivateRequest,
    "accept_invitation": AcceptInvitationRequest,
    "change_variant": ChangeVariantRequest,
    "change_invoice_recipient": ChangeInvoiceRecipientRequest,
    "change_agreement_period": ChangeAgreementPeriodRequest,
    "end": EndRequest,
    "link": LinkRequest,
}

AnyRequest = Annotated[
    ActivateRequest | AcceptInvitationRequest | ChangeVariantRequest
    | ChangeInvoiceRecipientRequest | ChangeAgreementPeriodRequest | EndRequest | LinkRequest,
    Field(discriminator="operation"),
]
COMMON_FIELDS: tuple[str, ...] = tuple(Request.model_fields)


def own_fields(operation: str) -> tuple[str, ...]:
    """The fields only some operations take that ``operation`` takes, in declaration order."""
    return tuple(name for name in OPERATION_MODELS[operation].model_fields
                 if name not in COMMON_FIELDS)


def operations_taking(name: str) -> list[str]:
    """The operations whose requests take the field ``name``, in the order of Operation."""
    return [op for op, model in OPERATION_MODELS.items() if name in model.model_fields]


OPERATION_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(
    name for op in OPERATION_MODELS for name in own_fields(op)))


@cache
def requests_adapter() -> TypeAdapter[Request]:
    """Every operation's model, chosen by `operation` (built on first use: its validator holds
    all seven models, where a request needs only its own)."""
    return TypeAdapter(AnyRequest)


def validate_request(data: Any) -> Request:
    """The request in ``data``, as the model of its operation; raises ValidationError."""
    return Request.model_validate(data)
