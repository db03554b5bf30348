"""The floor: the activation decision of the shipped catalogue, written by hand in plain Python.

The same decision the rules in rules/*.yaml make for ``operation: activate`` (scenario,
default variant, payer and period, then every rejection and the outcome), as one function
over the request's facts *before* any rule decided anything (engine.request.facts.derive with no
decisions). It is what the engine would cost if the rules were code: run.py times it against
the engine and checks that both decide the same on every activation of the corpus.
"""

from __future__ import annotations

from typing import Any

from engine.catalogue.catalogue import Catalogue

# (outcome, scenario, variant, invoice recipient, agreement period, sorted rejection codes)
Decision = tuple[str, str, str | None, str | None, int | None, tuple[str, ...]]


def activation_decision(catalogue: Catalogue, facts: dict[str, Any]) -> Decision:
    """The decision on an activation (outcome, scenario, the variant, payer and period it
    goes with, the rejection codes), from its facts (flat, dotted)."""
    get = facts.get
    service = catalogue.services[facts["service.id"]]

    # rules/10-scenarios.yaml
    if get("customer.has_subscription"):
        scenario = "subscriber"
    elif get("customer.spcs_customer"):
        scenario = "spcs_customer"
    else:
        scenario = "new_customer"
    subscriber = scenario == "subscriber"

    # rules/15-variant.yaml: a subscriber is invited in the variant it has
    variant_id = get("variant.id")
    if variant_id is None and subscriber:
        variant_id = get("subscription.variant")
    elif variant_id is None and get("current.variant") is None and get("service.variant_count") == 1:
        variant_id = get("service.only_variant")  # a service's single variant
    variant = service.variant(variant_id) if variant_id is not None else None

    # rules/20-defaults.yaml: who pays and for how long, when the request leaves it open
    recipient = get("invoice_recipient")
    if recipient is None and variant is not None:
        customer_can_pay = "customer" in variant.invoice_recipients
        if subscriber and customer_can_pay:
            recipient = "customer"
        elif not customer_can_pay:
            recipient = "agency"
    period = get("agreement_period")
    if period is None and subscriber:
        period = get("subscription.agreement_period")

    # rules/30-preconditions.yaml: every reason to reject
    codes = []
    task_count = facts["task.count"]
    if task_count == 0:
        codes.append("NO_TASK")
    elif not facts["task.selected"]:
        codes.append("TASK_NOT_SELECTED")
    if facts["other_agency.count"] > 0:
        codes.append("OTHER_AGENCY")
    if facts["collaboration.exists"]:
        linked = get("collaboration.linked")
        if linked is True:
            codes.append("ALREADY_COLLABORATING")
        elif linked is False:
            codes.append("COLLABORATION_UNLINKED")
    if variant is None:
        codes.append("VARIANT_MISSING")
    if recipient is None:
        codes.append("INVOICE_RECIPIENT_MISSING")
    if period is None:
        codes.append("AGREEMENT_PERIOD_MISSING")
    if variant is not None:
        if recipient is not None and recipient not in variant.invoice_recipients:
            codes.append("INVOICE_RECIPIENT_NOT_ALLOWED")
        if period is not None and period not in variant.agreement_periods:
            codes.append("AGREEMENT_PERIOD_NOT_ALLOWED")
    if subscriber and service.id == "eekonomi" and variant is not None:
        current = get("current.variant")
        if current is not None and set(service.variant(current).contains) != set(variant.contains):
            codes.append("SUBSCRIPTION_VARIANT_REQUIRED")
    if scenario == "new_customer" and not facts["customer.has_contact_details"]:
        codes.append("CONTACT_DETAILS_MISSING")
    if not facts["prerequisites.met"]:
        codes.append("PREREQUISITES_MISSING")
    # [003] L65 (where the invitation goes) and [000] L9/L15 (who registers time) give
    # warnings and steps, not rejections (rules/40-activation.yaml).
    if subscriber and period is not None:
        current_period = get("collaboration.agreement_period") or get("subscription.agreement_period")
        if current_period is not None and period != current_period:
            codes.append("SUBSCRIPTION_AGREEMENT_KEPT")

    # rules/40-activation.yaml: the outcome (a rejection overrides it)
    if codes:
        outcome = "rejected"
    elif scenario != "new_customer" or (variant is not None and variant.paying):
        outcome = "awaits_customer"  # a new customer awaits unless its variant is free (D17)
    else:
        outcome = "ready"
    return outcome, scenario, variant_id, recipient, period, tuple(sorted(codes))
