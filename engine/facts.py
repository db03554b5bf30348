"""The facts rules can read: their names, meanings and value domains, and how they are derived.

A request is turned into one nested fact (e.g. ``{"variant": {"id": "smart", "paying": true}}``)
that durable-rules matches rule conditions against. Derivation here is generic data shaping
(look things up in the catalogue, compare sets, count); every domain decision lives in the
YAML rules that read these facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.catalogue import Catalogue
    from engine.models import Request, Scalar, Variant

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
    _spec("customer.has_main_contact", bool, "The customer number has a main contact."),
    _spec("customer.main_contact_email", str, "The main contact's email."),
    _spec("customer.login_email", str, "The email the customer logs in to Mina tjänster with."),
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
]}

SETTING_PREFIX = "settings."


def is_known_fact(name: str, setting_ids: set[str]) -> bool:
    if name.startswith(SETTING_PREFIX):
        return name[len(SETTING_PREFIX):] in setting_ids
    return name in FACTS


def change_kind(current: Variant, target: Variant) -> str:
    """Upgrade, downgrade, sideways or same, from what each variant contains."""
    have, want = set(current.contains), set(target.contains)
    if have == want:
        return "same"
    if want > have:
        return "upgrade"
    if want < have:
        return "downgrade"
    return "sideways"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _text(names: list[str]) -> str:
    return ", ".join(names)


def derive(catalogue: Catalogue, request: Request, decided: dict[str, Scalar]) -> dict[str, Any]:
    """The flat fact map (dotted names) for ``request``, with the rules' decisions applied."""
    facts: dict[str, Any] = {}
    service = catalogue.services[request.service]
    customer, agency = request.customer, request.agency

    def put(name: str, value: Any) -> None:
        if value is not None:
            facts[name] = value

    variant_id = decided.get("variant.id", request.variant)
    recipient = decided.get("invoice_recipient", request.invoice_recipient)
    period = decided.get("agreement_period", request.agreement_period)

    put("operation", request.operation)
    put("scenario", decided.get("scenario"))
    put("service.id", service.id)
    put("service.name", service.name)
    put("service.customer_can_invite", service.customer_can_invite)
    bundled = [catalogue.services[b].name for b in service.bundles]
    put("service.bundles", _text(bundled))
    put("service.bundle_count", len(bundled))

    subscription = next((s for s in customer.subscriptions if s.service == service.id), None)
    ours = next((c for c in customer.collaborations
                 if c.service == service.id and c.agency == agency.id), None)

    target = service.variant(str(variant_id)) if variant_id is not None else None
    if target is not None:
        put("variant.id", target.id)
        put("variant.name", target.name)
        put("variant.paying", target.paying)
        put("variant.customer_access", target.customer_access)
        put("variant.continue_alone", target.continue_alone)
        put("variant.customer_can_pay", "customer" in target.invoice_recipients)
        if recipient is not None:
            put("variant.recipient_allowed", recipient in target.invoice_recipients)
        if period is not None:
            put("variant.period_allowed", period in target.agreement_periods)
        addons = {(s.service, a) for s in customer.subscriptions for a in s.addons}
        disabled = [catalogue.services[ref.service].addon(ref.addon).name
                    for ref in target.disables if (ref.service, ref.addon) in addons]
        put("variant.disabled_addons", _text(disabled))
        put("variant.disabled_addon_count", len(disabled))

    current_id = (ours.variant if ours and ours.variant else None) or (
        subscription.variant if subscription else None)
    current = service.variant(current_id) if current_id else None
    if current is not None:
        put("current.variant", current.id)
        put("current.name", current.name)
        put("current.paying", current.paying)
        put("current.continue_alone", current.continue_alone)
        put("current.customer_access", current.customer_access)
        if target is not None:
            put("change", change_kind(current, target))

    put("invoice_recipient", recipient)
    put("agreement_period", period)
    current_period = (ours.agreement_period if ours else None) or (
        subscription.agreement_period if subscription else None)
    if period is not None and current_period is not None:
        put("agreement_period_changes", period != current_period)
    if recipient is not None and ours is not None and ours.invoice_recipient is not None:
        put("invoice_recipient_changes", recipient != ours.invoice_recipient)
    for setting_id, value in request.settings.items():
        put(SETTING_PREFIX + setting_id, value)

    put("customer.name", customer.name)
    put("customer.spcs_customer", customer.spcs_customer)
    put("customer.in_advisor", customer.in_advisor)
    put("customer.has_main_contact", customer.main_contact is not None)
    put("customer.main_contact_email", customer.main_contact.email if customer.main_contact else None)
    put("customer.login_email", customer.login_email)
    put("customer.used_service", service.id in customer.used_services)
    put("customer.has_contact_details", customer.contact_details is not None)
    put("customer.contact_email",
        customer.contact_details.email if customer.contact_details else None)
    put("customer.has_subscription", subscription is not None)
    if subscription is not None:
        put("subscription.variant", subscription.variant)
        put("subscription.agreement_period", subscription.agreement_period)

    put("collaboration.exists", ours is not None)
    if ours is not None:
        put("collaboration.linked", ours.linked)
        put("collaboration.invoice_recipient", ours.invoice_recipient)
        put("collaboration.agreement_period", ours.agreement_period)

    others = sorted({catalogue.services[c.service].name for c in customer.collaborations
                     if c.agency != agency.id})
    put("other_agency.count", sum(1 for c in customer.collaborations if c.agency != agency.id))
    put("other_agency.services", _text(others))
    ours_elsewhere = sorted({catalogue.services[c.service].name for c in customer.collaborations
                             if c.agency == agency.id and c.service != service.id})
    put("this_agency.other_count", len(ours_elsewhere))
    put("this_agency.other_services", _text(ours_elsewhere))

    put("task.count", len(agency.tasks))
    task = next((t for t in agency.tasks if t.id == request.task), None)
    put("task.selected", task is not None)
    if task is not None:
        people = ([task.responsible] if task.responsible else []) + [
            p for p in task.participants if p != task.responsible]
        put("task.name", task.name)
        put("task.people", len(people))
        put("task.people_names", _text(people))

    missing = [p.description for p in service.prerequisites
               if not any(_meets(request, alt.software, alt.min_version) for alt in p.any_of)]
    put("prerequisites.met", not missing)
    put("prerequisites.missing", "; ".join(missing))

    if request.ending is not None:
        put("ending.by", request.ending.by)
        put("ending.service", request.ending.service)
    put("agency.name", agency.name)
    return facts


def _meets(request: Request, software: str, min_version: str | None) -> bool:
    have = next((s for s in request.agency.software if s.id == software), None)
    if have is None:
        return False
    if min_version is None:
        return True
    return have.version is not None and _version(have.version) >= _version(min_version)


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}`` -> ``{"a": {"b": 1}}``: durable-rules reads dotted paths into nested objects."""
    nested: dict[str, Any] = {}
    for name, value in flat.items():
        *parents, leaf = name.split(".")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return nested
