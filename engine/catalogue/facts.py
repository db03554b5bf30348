"""The facts rules can read: their names, types, meanings and value domains.

How a request's facts are derived is engine.request.facts; rules test them in `when:` and
use them as {placeholders} in texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.catalogue.catalogue import Catalogue

#: Value domains: the name of a set of values the catalogue defines.
OPERATIONS = "operations"
SERVICES = "services"
VARIANTS = "variants"
RECIPIENTS = "recipients"
PERIODS = "periods"
SCENARIOS = "scenarios"
CHANGES = "changes"
ENDINGS = "endings"


@dataclass(frozen=True)
class FactSpec:
    name: str
    type: type
    description: str
    domain: str | None = None  # which catalogue value set its values come from
    settable: bool = False  # a rule's `set` may decide it


def _spec(name: str, kind: type, description: str, domain: str | None = None,
          settable: bool = False) -> FactSpec:
    return FactSpec(name, kind, description, domain, settable)


FACTS: dict[str, FactSpec] = {spec.name: spec for spec in [
    _spec("operation", str, "What is asked for.", OPERATIONS),
    _spec("scenario", str, "The activation scenario, decided by the scenario rules.", SCENARIOS,
          settable=True),
    _spec("service.id", str, "The service asked about.", SERVICES),
    _spec("service.name", str, "The service's name."),
    _spec("service.customer_can_invite", bool, "The customer can invite the agency from the service."),
    _spec("service.bundles", str, "Names of the services included in this one (text)."),
    _spec("service.bundle_count", int, "How many services are included in this one."),
    _spec("service.variant_count", int, "How many variants the service has."),
    _spec("service.only_variant", str, "The service's variant when it has only one.", VARIANTS),
    _spec("service.variants", str, "The service's variants as the plan's language lists them: "
          "id (name) in English, names in Swedish (text)."),
    _spec("variant.id", str, "The variant asked for (activate, change_variant).", VARIANTS,
          settable=True),
    _spec("variant.name", str, "The name of the variant asked for."),
    _spec("variant.paying", bool, "The variant asked for is paid for."),
    _spec("variant.customer_access", bool, "The customer works in the variant asked for."),
    _spec("variant.continue_alone", bool, "A customer can keep the variant asked for alone."),
    _spec("variant.customer_can_pay", bool, "The variant asked for allows the customer as invoice "
          "recipient."),
    _spec("variant.recipient_allowed", bool,
          "The invoice recipient is one the variant allows (absent if none is given)."),
    _spec("variant.period_allowed", bool,
          "The agreement period is one the variant allows (absent if none is given)."),
    _spec("variant.disabled_addons", str, "The customer's add-ons the variant switches off (text)."),
    _spec("variant.disabled_addon_count", int, "How many of the customer's add-ons it switches off."),
    _spec("current.variant", str, "The variant the customer has now in this service.", VARIANTS),
    _spec("current.name", str, "The name of the variant the customer has now."),
    _spec("current.paying", bool, "The customer's current variant is paid for."),
    _spec("current.continue_alone", bool, "A customer can keep its current variant alone."),
    _spec("current.customer_access", bool, "The customer works in its current variant."),
    _spec("change", str, "From the current variant to the one asked for: upgrade, downgrade, "
          "sideways (neither contains the other) or same.", CHANGES),
    _spec("invoice_recipient", str, "Who pays: agency or customer.", RECIPIENTS, settable=True),
    _spec("agreement_period", int, "The agreement period asked for, in months.", PERIODS,
          settable=True),
    _spec("agreement_period_changes", bool, "The period asked for differs from the current one "
          "(the collaboration's, else the subscription's); absent when either is unknown."),
    _spec("invoice_recipient_changes", bool, "The invoice recipient asked for differs from the "
          "collaboration's; absent when either is unknown."),
    _spec("customer.name", str, "The customer's name."),
    _spec("customer.spcs_customer", bool, "The customer is already a Visma Spcs customer."),
    _spec("customer.in_advisor", bool, "The agency has added the customer in Advisor."),
    _spec("customer.has_main_contact", bool, "The customer has a main contact on its card in "
          "Advisor."),
    _spec("customer.main_contact_email", str, "That main contact's email."),
    _spec("customer.login_email", str, "The email the customer logs in to Mina tjänster with."),
    _spec("customer.has_mina_tjanster_account", bool, "The customer has an account in Mina "
          "tjänster (as the request says; else when its login email is given or it subscribes "
          "to the service)."),
    _spec("customer.has_mina_tjanster_main_contact", bool, "The customer number has a main "
          "contact (Huvudkontakt) in Mina tjänster."),
    _spec("customer.mina_tjanster_main_contact", str, "That main contact's name."),
    _spec("customer.used_service", bool, "The customer has used this service before."),
    _spec("customer.has_contact_details", bool, "Contact details for a new customer are given."),
    _spec("customer.contact_email", str, "The email of those contact details."),
    _spec("customer.has_subscription", bool, "The customer subscribes to this service now."),
    _spec("subscription.variant", str, "The variant of the customer's subscription.", VARIANTS),
    _spec("subscription.agreement_period", int, "The subscription's agreement period.", PERIODS),
    _spec("collaboration.exists", bool, "This agency collaborates with the customer in this service."),
    _spec("collaboration.linked", bool, "That collaboration is linked to a service and task in Advisor."),
    _spec("collaboration.invoice_recipient", str, "That collaboration's invoice recipient.",
          RECIPIENTS),
    _spec("collaboration.agreement_period", int, "That collaboration's agreement period.", PERIODS),
    _spec("other_agency.count", int, "Collaborations the customer has with other agencies."),
    _spec("other_agency.services", str, "The services of those collaborations (text)."),
    _spec("other_agency.ids", str, "The ids of those agencies (text)."),
    _spec("this_agency.other_count", int,
          "Other collaborations between this agency and the customer, in other services."),
    _spec("this_agency.other_services", str, "The services of those collaborations (text)."),
    _spec("task.count", int, "Tasks the agency has connected to the customer."),
    _spec("task.selected", bool, "The request names the task to use."),
    _spec("task.name", str, "The selected task's name."),
    _spec("task.people", int, "Responsible person and participants of the selected task."),
    _spec("task.people_names", str, "Their names (text)."),
    _spec("prerequisites.met", bool, "The agency meets every prerequisite of the service."),
    _spec("prerequisites.missing", str, "The prerequisites the agency does not meet (text)."),
    _spec("ending.by", str, "Who ends the collaboration.", RECIPIENTS),
    _spec("ending.service", str, "end: the service ends too; continue: the customer continues "
          "alone.", ENDINGS),
    _spec("agency.name", str, "The agency's name."),
    _spec("agency.id", str, "The agency's id (organisation number, as 556812-3456)."),
]}

SETTING_PREFIX = "settings."


def is_known_fact(name: str, setting_ids: set[str]) -> bool:
    if name.startswith(SETTING_PREFIX):
        return name[len(SETTING_PREFIX):] in setting_ids
    return name in FACTS


def fact_specs(catalogue: Catalogue) -> list[FactSpec]:
    """Every fact rules of ``catalogue`` can read: the fixed ones, then its services' settings."""
    settings = [FactSpec(SETTING_PREFIX + setting.id, str,
                         f"{service.name} setting: {', '.join(setting.values)}.")
                for service in catalogue.services.values() for setting in service.settings]
    return [*FACTS.values(), *settings]
