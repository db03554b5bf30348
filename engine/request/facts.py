"""The facts derived from a request: one flat dict of the fact names in engine.catalogue.facts.

Derivation is generic data shaping (look things up in the catalogue, compare sets, count);
every domain decision lives in the YAML rules that read these facts.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from engine.catalogue.facts import SETTING_PREFIX
from engine.catalogue.language import LocalText
from engine.catalogue.words import tool_word

if TYPE_CHECKING:
    from engine.catalogue.catalogue import Catalogue
    from engine.catalogue.service import Variant
    from engine.catalogue.types import Scalar
    from engine.request.model import Collaboration, Request, Subscription


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


def _at_least(have: str, want: str) -> bool:
    """Version ``have`` >= ``want``, missing parts counting as zero ("2020" is "2020.0")."""
    left, right = [int(p) for p in have.split(".")], [int(p) for p in want.split(".")]
    width = max(len(left), len(right))
    return left + [0] * (width - len(left)) >= right + [0] * (width - len(right))


def _text(names: list[str]) -> str:
    return ", ".join(names)


@lru_cache(maxsize=256)
def _service_facts(catalogue: Catalogue, service_id: str) -> dict[str, Any]:
    service = catalogue.services[service_id]
    bundled = [catalogue.services[b].name for b in service.bundles]
    return {
        "service.id": service.id,
        "service.name": service.name,
        "service.customer_can_invite": service.customer_can_invite,
        "service.bundles": _text(bundled),
        "service.bundle_count": len(bundled),
        "service.variant_count": len(service.variants),
        "service.only_variant": service.variants[0].id if len(service.variants) == 1 else None,
        # a text in every language: the words table says whether ids show (en) or not (sv)
        "service.variants": LocalText({
            lang: _text([tool_word("variant_in_list", lang, None, id=v.id, name=v.name)
                         for v in service.variants])
            for lang in catalogue.pipeline.languages}),
    }


@lru_cache(maxsize=1024)
def _variant(catalogue: Catalogue, service_id: str, variant_id: str) -> Variant:
    """A service's variant by id, looked up once (with_decisions asks for it on every stage)."""
    return catalogue.services[service_id].variant(variant_id)


@lru_cache(maxsize=1024)
def _change(catalogue: Catalogue, service_id: str, current_id: str, target_id: str) -> str:
    """change_kind between two variants of a service, worked out once per pair."""
    return change_kind(_variant(catalogue, service_id, current_id),
                       _variant(catalogue, service_id, target_id))


@lru_cache(maxsize=1024)
def _variant_facts(catalogue: Catalogue, service_id: str, variant_id: str,
                   prefix: str) -> dict[str, Any]:
    variant = catalogue.services[service_id].variant(variant_id)
    facts: dict[str, Any] = {
        f"{prefix}.name": variant.name,
        f"{prefix}.paying": variant.paying,
        f"{prefix}.continue_alone": variant.continue_alone,
        f"{prefix}.customer_access": variant.customer_access,
    }
    if prefix == "variant":
        facts["variant.id"] = variant.id
        facts["variant.customer_can_pay"] = "customer" in variant.invoice_recipients
    else:
        facts["current.variant"] = variant.id
    return facts


def derive(catalogue: Catalogue, request: Request, decided: dict[str, Scalar]) -> dict[str, Any]:
    """The flat fact map (dotted names) for ``request``, with the rules' decisions applied.

    Absent values are left out: a rule tests absence with `{present: false}`.
    """
    return with_decisions(catalogue, request, request_facts(catalogue, request), decided)


def with_decisions(catalogue: Catalogue, request: Request, base: dict[str, Any],
                   decided: dict[str, Scalar]) -> dict[str, Any]:
    """``base`` (request_facts) with the facts that the rules' decisions can change.

    Split from request_facts so that an evaluation derives the request's facts once and
    only these again after each stage that decides something.
    """
    service = catalogue.services[request.service]
    asked = request.asked
    variant_id = decided.get("variant.id", asked.variant)
    recipient = decided.get("invoice_recipient", asked.invoice_recipient)
    period = decided.get("agreement_period", asked.agreement_period)
    facts = dict(base)
    scenario = decided.get("scenario")
    if scenario is not None:
        facts["scenario"] = scenario
    target = _variant(catalogue, service.id, str(variant_id)) if variant_id is not None else None
    if target is not None:
        facts.update(_variant_facts(catalogue, service.id, target.id, "variant"))
        if recipient is not None:
            facts["variant.recipient_allowed"] = recipient in target.invoice_recipients
        if period is not None:
            facts["variant.period_allowed"] = period in target.agreement_periods
        disabled = []
        if target.disables:
            addons = {(s.service, a) for s in request.customer.subscriptions for a in s.addons}
            disabled = [catalogue.services[ref.service].addon(ref.addon).name
                        for ref in target.disables if (ref.service, ref.addon) in addons]
        facts["variant.disabled_addons"] = _text(disabled)
        facts["variant.disabled_addon_count"] = len(disabled)
        current_id = facts.get("current.variant")
        if current_id is not None:
            facts["change"] = _change(catalogue, service.id, current_id, target.id)
    if recipient is not None:
        facts["invoice_recipient"] = recipient
        current_recipient = base.get("collaboration.invoice_recipient")
        if current_recipient is not None:
            facts["invoice_recipient_changes"] = recipient != current_recipient
    if period is not None:
        facts["agreement_period"] = period
        current_period = base.get("collaboration.agreement_period") or base.get(
            "subscription.agreement_period")
        if current_period is not None:
            facts["agreement_period_changes"] = period != current_period
    return facts


def _subscription(request: Request) -> Subscription | None:
    return next((s for s in request.customer.subscriptions if s.service == request.service), None)


def _our_collaboration(request: Request) -> Collaboration | None:
    return next((c for c in request.customer.collaborations
                 if c.service == request.service and c.agency == request.agency.id), None)


def request_facts(catalogue: Catalogue, request: Request) -> dict[str, Any]:
    """The facts that only the request and the catalogue decide (see with_decisions)."""
    service = catalogue.services[request.service]
    customer, agency = request.customer, request.agency
    subscription = _subscription(request)
    ours = _our_collaboration(request)
    task = next((t for t in agency.tasks if t.id == request.task), None)

    facts: dict[str, Any] = {"operation": request.operation,
                             **_service_facts(catalogue, service.id)}
    current_id = (ours.variant if ours and ours.variant else None) or (
        subscription.variant if subscription else None)
    if current_id is not None:
        facts.update(_variant_facts(catalogue, service.id, current_id, "current"))
    asked = request.asked
    for setting_id, value in asked.settings.items():
        facts[SETTING_PREFIX + setting_id] = value

    main_contact, details = customer.main_contact, customer.contact_details
    facts.update({
        "customer.name": customer.name,
        "customer.spcs_customer": customer.spcs_customer,
        "customer.in_advisor": customer.in_advisor,
        "customer.has_main_contact": main_contact is not None,
        "customer.main_contact_email": main_contact.email if main_contact else None,
        "customer.login_email": customer.login_email,
        "customer.has_mina_tjanster_account": customer.mina_tjanster_account
        if customer.mina_tjanster_account is not None
        else customer.login_email is not None or subscription is not None,
        "customer.has_mina_tjanster_main_contact": customer.mina_tjanster_main_contact is not None,
        "customer.mina_tjanster_main_contact": customer.mina_tjanster_main_contact,
        "customer.used_service": service.id in customer.used_services,
        "customer.has_contact_details": details is not None,
        "customer.contact_email": details.email if details else None,
        "customer.has_subscription": subscription is not None,
        "subscription.variant": subscription.variant if subscription else None,
        "subscription.agreement_period": subscription.agreement_period if subscription else None,
        "collaboration.exists": ours is not None,
        "collaboration.linked": ours.linked if ours else None,
        "collaboration.invoice_recipient": ours.invoice_recipient if ours else None,
        "collaboration.agreement_period": ours.agreement_period if ours else None,
    })

    names = catalogue.services
    others = [c for c in customer.collaborations if c.agency != agency.id]
    ours_elsewhere = sorted({names[c.service].name for c in customer.collaborations
                             if c.agency == agency.id and c.service != service.id})
    facts.update({
        "other_agency.count": len(others),
        "other_agency.services": _text(sorted({names[c.service].name for c in others})),
        "other_agency.ids": _text(sorted({c.agency for c in others})),
        "this_agency.other_count": len(ours_elsewhere),
        "this_agency.other_services": _text(ours_elsewhere),
        "task.count": len(agency.tasks),
        "task.selected": task is not None,
    })
    if task is not None:
        people = ([task.responsible] if task.responsible else []) + [
            p for p in task.participants if p != task.responsible]
        facts.update({"task.name": task.name, "task.people": len(people),
                      "task.people_names": _text(people)})

    missing = [p.description for p in service.prerequisites
               if not any(_meets(request, alt.software, alt.min_version) for alt in p.any_of)]
    facts["prerequisites.met"] = not missing
    # a text in every language: the plan picks its own (engine.catalogue.language.fill)
    facts["prerequisites.missing"] = LocalText({
        lang: "; ".join(d.in_(lang) for d in missing)
        for lang in catalogue.pipeline.languages}) if missing else ""
    if asked.ending is not None:
        facts["ending.by"] = asked.ending.by
        facts["ending.service"] = asked.ending.service
    facts["agency.name"] = agency.name
    facts["agency.id"] = agency.id
    return {name: value for name, value in facts.items() if value is not None}


def _meets(request: Request, software: str, min_version: str | None) -> bool:
    have = next((s for s in request.agency.software if s.id == software), None)
    if have is None:
        return False
    if min_version is None:
        return True
    return have.version is not None and _at_least(have.version, min_version)


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
