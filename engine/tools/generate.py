"""Generate requests covering the catalogue's space, for analysis, impact diffs and benchmarks.

The space: every operation x service x variant (x current variant, for a variant change) x
customer kind x invoice recipient x agreement period x ending x setting value, each also
with one *variation* (no task, another agency's collaboration, no main contact, ...) so
that every rule has a request that can reach it. The order is fixed: the same catalogue
always gives the same corpus.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.service import Service

AGENCY_ID = "556000-0001"
OTHER_AGENCY_ID = "556000-0002"

Request = dict[str, Any]

CUSTOMER_KINDS = ("subscriber", "spcs_customer", "new_customer")


def _software(service: Service, old: bool) -> list[dict[str, str]]:
    """The first alternative of every prerequisite, met, or (old) one version too early."""
    software = []
    for prerequisite in service.prerequisites:
        alternative = prerequisite.any_of[0]
        entry = {"id": alternative.software}
        if alternative.min_version:
            entry["version"] = "0.1" if old else alternative.min_version
        software.append(entry)
    return software


def _base(service: Service, operation: str, kind: str, current: str | None) -> Request:
    customer: dict[str, Any] = {
        "name": "Kund AB",
        "spcs_customer": kind != "new_customer",
        "main_contact": {"name": "Eva Main", "email": "eva@kund.se"},
        "mina_tjanster_main_contact": "Eva Main",
    }
    if kind == "new_customer":
        customer["contact_details"] = {"name": "Nils Ny", "email": "nils@kund.se"}
    if kind == "subscriber" and current is not None:
        customer["subscriptions"] = [{"service": service.id, "variant": current,
                                      "agreement_period": 12}]
        customer["login_email"] = "eva@kund.se"  # a subscriber logs in (no_login: without)
    if operation not in ("activate", "accept_invitation") and current is not None:
        customer["collaborations"] = [{"agency": AGENCY_ID, "service": service.id,
                                       "variant": current, "invoice_recipient": "agency",
                                       "agreement_period": 12, "linked": operation != "link"}]
    return {
        "operation": operation,
        "service": service.id,
        "customer": customer,
        "agency": {
            "id": AGENCY_ID,
            "name": "Byrå AB",
            "tasks": [{"id": "T1", "name": "Bokföring", "responsible": "Anna",
                       "participants": ["Olle"]}],
            "software": _software(service, old=False),
        },
        "task": "T1",
    }


def _vary_no_task(r: Request, service: Service) -> None:
    r["agency"]["tasks"] = []
    r.pop("task", None)


def _vary_other_agency(r: Request, service: Service) -> None:
    r["customer"].setdefault("collaborations", []).append(
        {"agency": OTHER_AGENCY_ID, "service": "ekonomioversikt"})


def _vary_no_main_contact(r: Request, service: Service) -> None:
    r["customer"].pop("main_contact", None)  # D20: in Advisor
    r["customer"].pop("mina_tjanster_main_contact", None)  # D30: on the customer number


def _vary_used_before(r: Request, service: Service) -> None:
    r["customer"]["used_services"] = [service.id]
    r["customer"]["login_email"] = "login@kund.se"


def _vary_addons(r: Request, service: Service) -> None:
    """The customer has every add-on some variant of the catalogue can disable."""
    r["customer"].setdefault("subscriptions", [])


def _vary_unlinked(r: Request, service: Service) -> None:
    for collaboration in r["customer"].get("collaborations", []):
        collaboration["linked"] = False


def _vary_old_software(r: Request, service: Service) -> None:
    r["agency"]["software"] = _software(service, old=True)


def _vary_task_without_people(r: Request, service: Service) -> None:
    r["agency"]["tasks"] = [{"id": "T1", "name": "Bokföring"}]


def _vary_not_in_advisor(r: Request, service: Service) -> None:
    r["customer"]["in_advisor"] = False


def _vary_no_choices(r: Request, service: Service) -> None:
    for key in ("variant", "invoice_recipient", "agreement_period", "settings", "ending"):
        r.pop(key, None)


def _vary_no_task_selected(r: Request, service: Service) -> None:
    r.pop("task", None)


def _vary_no_recipient(r: Request, service: Service) -> None:
    r.pop("invoice_recipient", None)


def _vary_no_contact_details(r: Request, service: Service) -> None:
    r["customer"].pop("contact_details", None)


def _vary_used_before_no_login(r: Request, service: Service) -> None:
    r["customer"]["used_services"] = [service.id]
    r["customer"]["mina_tjanster_account"] = True
    r["customer"].pop("login_email", None)


def _vary_flip_collaboration(r: Request, service: Service) -> None:
    """Activations get a collaboration with this agency already; edits lose theirs; a linked one."""
    customer = r["customer"]
    ours = [c for c in customer.get("collaborations", []) if c["agency"] == AGENCY_ID]
    if r["operation"] in ("activate", "accept_invitation"):
        customer.setdefault("collaborations", []).append(
            {"agency": AGENCY_ID, "service": service.id})
    elif r["operation"] == "link":
        for collaboration in ours:
            collaboration["linked"] = True
    else:
        customer["collaborations"] = [c for c in customer.get("collaborations", [])
                                      if c["agency"] != AGENCY_ID]


def _vary_customer_pays_collaboration(r: Request, service: Service) -> None:
    for collaboration in r["customer"].get("collaborations", []):
        if collaboration["agency"] == AGENCY_ID:
            collaboration["invoice_recipient"] = "customer"


def _vary_vague_collaboration(r: Request, service: Service) -> None:
    """Activations meet an unlinked collaboration of ours; edits one whose variant is not known."""
    customer = r["customer"]
    if r["operation"] in ("activate", "accept_invitation"):
        customer.setdefault("collaborations", []).append(
            {"agency": AGENCY_ID, "service": service.id, "linked": False})
    for collaboration in customer.get("collaborations", []):
        if collaboration["agency"] == AGENCY_ID:
            collaboration.pop("variant", None)


def _vary_other_collaboration(r: Request, service: Service) -> None:
    r["customer"].setdefault("collaborations", []).append(
        {"agency": AGENCY_ID, "service": "ekonomioversikt" if service.id != "ekonomioversikt"
         else "scanner"})


VARIATIONS: dict[str, Callable[[Request, Service], None]] = {
    "none": lambda r, s: None,
    "no_task": _vary_no_task,
    "other_agency": _vary_other_agency,
    "no_main_contact": _vary_no_main_contact,
    "used_before": _vary_used_before,
    "unlinked": _vary_unlinked,
    "old_software": _vary_old_software,
    "task_without_people": _vary_task_without_people,
    "not_in_advisor": _vary_not_in_advisor,
    "no_choices": _vary_no_choices,
    "other_collaboration": _vary_other_collaboration,
    "no_task_selected": _vary_no_task_selected,
    "no_recipient": _vary_no_recipient,
    "no_contact_details": _vary_no_contact_details,
    "used_before_no_login": _vary_used_before_no_login,
    "flip_collaboration": _vary_flip_collaboration,
    "customer_pays_collaboration": _vary_customer_pays_collaboration,
    "vague_collaboration": _vary_vague_collaboration,
}


def _with_addons(request: Request, catalogue: Catalogue) -> None:
    """Give the customer, where it subscribes to a service, every add-on of that service."""
    for subscription in request["customer"].get("subscriptions", []):
        service = catalogue.services.get(subscription["service"])
        if service is not None:
            subscription["addons"] = [a.id for a in service.addons]


def _addon_holders(catalogue: Catalogue) -> list[dict[str, Any]]:
    """Subscriptions carrying every add-on some variant disables (e.g. Lön Direkt in eEkonomi)."""
    holders: dict[str, set[str]] = {}
    for service in catalogue.services.values():
        for variant in service.variants:
            for ref in variant.disables:
                holders.setdefault(ref.service, set()).add(ref.addon)
    return [{"service": s, "variant": catalogue.services[s].variants[0].id,
             "agreement_period": 12, "addons": sorted(addons)}
            for s, addons in sorted(holders.items())]


def corpus(catalogue: Catalogue, variations: tuple[str, ...] | None = None) -> Iterator[Request]:
    """Every request of the space, with each variation (default: all of them)."""
    names = variations or tuple(VARIATIONS)
    periods = sorted(catalogue.periods)
    holders = _addon_holders(catalogue)
    seen: set[str] = set()
    for service in catalogue.services.values():
        variants = [v.id for v in service.variants]
        # one tuple of (setting, value) pairs per combination; [()] for a service without any
        settings = list(itertools.product(*[[(s.id, value) for value in s.values]
                                            for s in service.settings]))
        for operation, kind, variant, current, recipient, period, ending, setting in \
                _dimensions(variants, periods, settings):
            if kind is None:
                continue
            base = _base(service, operation, kind, current)
            if variant is not None:
                base["variant"] = variant
            if recipient is not None:
                base["invoice_recipient"] = recipient
            if period is not None:
                base["agreement_period"] = period
            if ending is not None:
                base["ending"] = {"by": ending[0], "service": ending[1]}
            if setting:
                base["settings"] = dict(setting)
            if holders and service.id not in {h["service"] for h in holders}:
                base["customer"]["spcs_customer"] = True
                base["customer"].setdefault("subscriptions", []).extend(holders)  # copied below
            frozen = json.dumps(base)
            for name in names:
                request = json.loads(frozen)  # a deep copy, several times faster than deepcopy
                VARIATIONS[name](request, service)
                _with_addons(request, catalogue)
                key = json.dumps(request, sort_keys=True)
                if key not in seen:  # e.g. "no payer" makes requests differing by payer equal
                    seen.add(key)
                    yield request


def _dimensions(variants: list[str], periods: list[int],
                settings: list[tuple[tuple[str, str], ...]]) -> Iterator[tuple[Any, ...]]:
    recipients = ("agency", "customer")
    endings = list(itertools.product(("agency", "customer"), ("end", "continue")))
    for variant in variants:
        for kind in CUSTOMER_KINDS:
            currents = variants if kind == "subscriber" else [None]
            for current, recipient, period, setting in itertools.product(
                    currents, recipients, periods, settings):
                yield "activate", kind, variant, current, recipient, period, None, setting
        for kind in ("spcs_customer", "new_customer"):
            yield "accept_invitation", kind, None, None, None, None, None, ()
        for current in variants:
            yield "change_variant", "spcs_customer", variant, current, None, None, None, ()
        for recipient in recipients:
            yield "change_invoice_recipient", "spcs_customer", None, variant, recipient, None, \
                None, ()
        for period in periods:
            yield "change_agreement_period", "spcs_customer", None, variant, None, period, None, ()
        for ending in endings:
            yield "end", "spcs_customer", None, variant, None, None, ending, ()
        yield "link", "spcs_customer", None, variant, None, None, None, ()


def requests(catalogue: Catalogue, count: int | None = None) -> Iterator[Request]:
    """``count`` requests (default: the corpus once): beyond the corpus it starts over, each
    round with customers of other names, so that every request is distinct."""
    space = list(corpus(catalogue))
    if count is None:
        count = len(space)
    for index in range(count):
        rounds, position = divmod(index, len(space))
        request = space[position]
        if rounds:
            request = json.loads(json.dumps(request))
            request["customer"]["name"] += f" {rounds + 1}"
        yield request


def write_requests(catalogue: Catalogue, out: TextIO, count: int | None = None) -> None:
    """`collab generate`: the requests as JSON Lines on ``out``."""
    for request in requests(catalogue, count):
        out.write(json.dumps(request, ensure_ascii=False) + "\n")
