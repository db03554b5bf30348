"""Generate requests covering the catalogue's space, for analysis, impact diffs and benchmarks.

The space: every operation x service x variant (x current variant, for a variant change) x
customer kind x invoice recipient x agreement period x ending x setting value, each also
with one *variation* (no task, another agency's collaboration, no main contact, ...) so
that every rule has a request that can reach it. Everything is read from the catalogue:
services, variants, periods and settings from services/, and which operations there are,
which start a collaboration and which kinds of customer from the `operations`, `payers` and
`endings` of rules/pipeline.yaml. What each operation chooses is what its request model takes
(engine.request.model: `own_fields`), each field present with every value and absent (a
variation `no_<field>`), so the corpus holds no field an operation does not take. The order is
fixed: the same catalogue always gives the same corpus.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.pipeline import OperationSpace
from engine.catalogue.service import Service
from engine.files import Writer
from engine.request.model import own_fields

AGENCY_ID = "556000-0001"
OTHER_AGENCY_ID = "556000-0002"

Request = dict[str, Any]


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


def _longest(service: Service, variant: str) -> int:
    """The longest agreement period of a variant: what a customer has now, in the base request."""
    return max(next(v for v in service.variants if v.id == variant).agreement_periods)


def _base(service: Service, operation: OperationSpace, kind: str, current: str | None) -> Request:
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
                                      "agreement_period": _longest(service, current)}]
        customer["login_email"] = "eva@kund.se"  # a subscriber logs in (no_login: without)
    if not operation.starts and current is not None:
        customer["collaborations"] = [{"agency": AGENCY_ID, "service": service.id,
                                       "variant": current, "invoice_recipient": "agency",
                                       "agreement_period": _longest(service, current),
                                       "linked": True}]
    return {
        "operation": operation.id,
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


@dataclass(frozen=True)
class _At:
    """Where a variation applies: the service, whether the operation starts a collaboration,
    and another service of the catalogue (for collaborations in other services)."""

    service: Service
    starts: bool
    other: str | None  # None in a catalogue of one service


def _vary_no_task(r: Request, at: _At) -> None:
    r["agency"]["tasks"] = []
    r.pop("task", None)


def _vary_other_agency(r: Request, at: _At) -> None:
    r["customer"].setdefault("collaborations", []).append(
        {"agency": OTHER_AGENCY_ID, "service": at.other or at.service.id})


def _vary_no_main_contact(r: Request, at: _At) -> None:
    r["customer"].pop("main_contact", None)  # D20: in Advisor
    r["customer"].pop("mina_tjanster_main_contact", None)  # D30: on the customer number


def _vary_used_before(r: Request, at: _At) -> None:
    r["customer"]["used_services"] = [at.service.id]
    r["customer"]["login_email"] = "login@kund.se"


def _vary_addons(r: Request, at: _At) -> None:
    """The customer has every add-on some variant of the catalogue can disable."""
    r["customer"].setdefault("subscriptions", [])


def _vary_unlinked(r: Request, at: _At) -> None:
    for collaboration in r["customer"].get("collaborations", []):
        collaboration["linked"] = False


def _vary_old_software(r: Request, at: _At) -> None:
    r["agency"]["software"] = _software(at.service, old=True)


def _vary_task_without_people(r: Request, at: _At) -> None:
    r["agency"]["tasks"] = [{"id": "T1", "name": "Bokföring"}]


def _vary_not_in_advisor(r: Request, at: _At) -> None:
    r["customer"]["in_advisor"] = False


def _vary_no_choices(r: Request, at: _At) -> None:
    for key in ("variant", "invoice_recipient", "agreement_period", "settings", "ending"):
        r.pop(key, None)


def _vary_no_task_selected(r: Request, at: _At) -> None:
    r.pop("task", None)


def _vary_no_recipient(r: Request, at: _At) -> None:
    r.pop("invoice_recipient", None)


def _vary_no_variant(r: Request, at: _At) -> None:
    r.pop("variant", None)


def _vary_no_period(r: Request, at: _At) -> None:
    r.pop("agreement_period", None)


def _vary_no_settings(r: Request, at: _At) -> None:
    r.pop("settings", None)


def _vary_no_ending(r: Request, at: _At) -> None:
    r.pop("ending", None)


def _vary_no_contact_details(r: Request, at: _At) -> None:
    r["customer"].pop("contact_details", None)


def _vary_used_before_no_login(r: Request, at: _At) -> None:
    r["customer"]["used_services"] = [at.service.id]
    r["customer"]["mina_tjanster_account"] = True
    r["customer"].pop("login_email", None)


def _vary_flip_collaboration(r: Request, at: _At) -> None:
    """Operations that start a collaboration get one with this agency already; others lose theirs."""
    customer = r["customer"]
    if at.starts:
        customer.setdefault("collaborations", []).append(
            {"agency": AGENCY_ID, "service": at.service.id})
    else:
        customer["collaborations"] = [c for c in customer.get("collaborations", [])
                                      if c["agency"] != AGENCY_ID]


def _vary_customer_pays_collaboration(r: Request, at: _At) -> None:
    for collaboration in r["customer"].get("collaborations", []):
        if collaboration["agency"] == AGENCY_ID:
            collaboration["invoice_recipient"] = "customer"


def _vary_vague_collaboration(r: Request, at: _At) -> None:
    """Starting operations meet an unlinked collaboration of ours; others one whose variant is
    not known."""
    customer = r["customer"]
    if at.starts:
        customer.setdefault("collaborations", []).append(
            {"agency": AGENCY_ID, "service": at.service.id, "linked": False})
    for collaboration in customer.get("collaborations", []):
        if collaboration["agency"] == AGENCY_ID:
            collaboration.pop("variant", None)


def _vary_other_collaboration(r: Request, at: _At) -> None:
    if at.other is not None:
        r["customer"].setdefault("collaborations", []).append(
            {"agency": AGENCY_ID, "service": at.other})


VARIATIONS: dict[str, Callable[[Request, _At], None]] = {
    "none": lambda r, at: None,
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
    "no_variant": _vary_no_variant,
    "no_period": _vary_no_period,
    "no_settings": _vary_no_settings,
    "no_ending": _vary_no_ending,
    "no_contact_details": _vary_no_contact_details,
    "used_before_no_login": _vary_used_before_no_login,
    "flip_collaboration": _vary_flip_collaboration,
    "customer_pays_collaboration": _vary_customer_pays_collaboration,
    "vague_collaboration": _vary_vague_collaboration,
}


def _at(catalogue: Catalogue, service: Service, operation: str) -> _At:
    others = [s for s in catalogue.services if s != service.id]
    starts = any(o.id == operation and o.starts for o in catalogue.pipeline.operations)
    return _At(service, starts, others[0] if others else None)


def vary(catalogue: Catalogue, request: Request, name: str) -> None:
    """Apply the variation ``name`` to a request of the catalogue's space, in place."""
    VARIATIONS[name](request, _at(catalogue, catalogue.services[request["service"]],
                                  request["operation"]))


def _with_addons(request: Request, catalogue: Catalogue) -> None:
    """Give the customer, where it subscribes to a service, every add-on of that service."""
    for subscription in request["customer"].get("subscriptions", []):
        service = catalogue.services.get(subscription["service"])
        if service is not None:
            subscription["addons"] = [a.id for a in service.addons]


def _addon_holders(catalogue: Catalogue, service: Service) -> list[dict[str, Any]]:
    """Subscriptions carrying every add-on a variant of ``service`` disables (Lön Smart Start:
    Lön Direkt in eEkonomi): only those its own variants read, so that a request is as large
    as its service needs, however many services the catalogue has."""
    holders: dict[str, set[str]] = {}
    for variant in service.variants:
        for ref in variant.disables:
            if ref.service in catalogue.services and ref.service != service.id:  # else CAT013
                holders.setdefault(ref.service, set()).add(ref.addon)
    return [{"service": s, "variant": catalogue.services[s].variants[0].id,
             "agreement_period": _longest(catalogue.services[s], catalogue.services[s].variants[0].id),
             "addons": sorted(addons)}
            for s, addons in sorted(holders.items())]


def _digest(request: Request) -> bytes:
    """A fixed-size fingerprint of a request's content, for finding duplicates."""
    return hashlib.blake2b(json.dumps(request, sort_keys=True).encode(), digest_size=16).digest()


def corpus(catalogue: Catalogue, variations: tuple[str, ...] | None = None) -> Iterator[Request]:
    """Every request of the space, with each variation (default: all of them).

    Streamed: memory does not grow with the catalogue. Duplicates (e.g. "no payer" makes
    requests differing by payer equal) are found by digest among one service's requests,
    the only ones that can be equal (a request names its service).
    """
    names = variations or tuple(VARIATIONS)
    for service in catalogue.services.values():
        holders = _addon_holders(catalogue, service)
        places = {o.id: _at(catalogue, service, o.id) for o in catalogue.pipeline.operations}
        seen: set[bytes] = set()
        for operation, kind, variant, current, recipient, period, ending, setting in \
                _dimensions(catalogue, service):
            at = places[operation.id]
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
            if holders and kind != "new_customer":
                base["customer"]["spcs_customer"] = True
                base["customer"].setdefault("subscriptions", []).extend(holders)  # copied below
            for request in _varied(json.dumps(base), names, at, current):
                _with_addons(request, catalogue)
                key = _digest(request)
                if key not in seen:
                    seen.add(key)
                    yield request


def _varied(frozen: str, names: tuple[str, ...], at: _At, current: str | None
            ) -> Iterator[Request]:
    """The base request with each variation, then with each other agreement period the
    customer's current variant allows (its subscription's and collaboration's)."""
    for name in names:
        request = json.loads(frozen)  # a deep copy, several times faster than deepcopy
        VARIATIONS[name](request, at)
        yield request
    if current is None:
        return
    periods = next(v for v in at.service.variants if v.id == current).agreement_periods
    for period in sorted(periods)[:-1]:
        request = json.loads(frozen)
        customer = request["customer"]
        for held in customer.get("subscriptions", []) + customer.get("collaborations", []):
            if held["service"] == at.service.id:
                held["agreement_period"] = period
        yield request


Dimension = tuple[OperationSpace, str, str | None, str | None, str | None, int | None,
                  tuple[str, str] | None, tuple[tuple[str, str], ...]]


def _dimensions(catalogue: Catalogue, service: Service) -> Iterator[Dimension]:
    """(operation, customer kind, variant asked, current variant, payer, period, ending,
    settings) for every combination the catalogue admits, variant by variant."""
    pipeline = catalogue.pipeline
    variants = [v.id for v in service.variants]
    periods: list[int | None] = [*sorted(catalogue.periods)]
    recipients: list[str | None] = list(pipeline.payers)
    endings: list[tuple[str, str] | None] = list(itertools.product(pipeline.endings.by,
                                                                   pipeline.endings.service))
    # one tuple of (setting, value) pairs per combination; [()] for a service without any
    settings = list(itertools.product(*[[(s.id, value) for value in s.values]
                                        for s in service.settings]))
    for variant in variants:
        for operation in pipeline.operations:
            chooses = set(own_fields(operation.id))
            for kind in operation.customers:
                if operation.starts:  # a subscriber has a subscription in some variant
                    currents: list[str | None] = list(variants) if kind == "subscriber" else [None]
                else:  # the collaboration's variant: any, when changing it
                    currents = list(variants) if "variant" in chooses else [variant]
                for current, recipient, period, ending, setting in itertools.product(
                        currents,
                        recipients if "invoice_recipient" in chooses else [None],
                        periods if "agreement_period" in chooses else [None],
                        endings if "ending" in chooses else [None],
                        settings if "settings" in chooses else [()]):
                    yield (operation, kind, variant if "variant" in chooses else None, current,
                           recipient, period, ending, setting)


KEPT_FOR_ROUNDS = 20_000  # a corpus up to this size is kept (as JSON) for the later rounds


def requests(catalogue: Catalogue, count: int | None = None) -> Iterator[Request]:
    """``count`` requests (default: the corpus once): beyond the corpus it starts over, each
    round with customers of other names, so that every request is distinct.

    Streamed: a corpus of up to KEPT_FOR_ROUNDS requests is kept for the later rounds, a
    larger one generated again for each round, so memory stays bounded however large the
    catalogue and the count.
    """
    kept: list[str] = []  # the corpus as JSON, while it is small enough to keep
    keeping = True
    given = 0
    for request in corpus(catalogue):
        if given == count:
            return
        if keeping and len(kept) < KEPT_FOR_ROUNDS:
            kept.append(json.dumps(request))
        elif keeping:
            keeping, kept = False, []
        given += 1
        yield request
    if count is None or given == 0:
        return
    round_number = 1
    while given < count:
        round_number += 1
        again = (json.loads(line) for line in kept) if keeping else corpus(catalogue)
        for request in again:
            if given == count:
                return
            request["customer"]["name"] += f" {round_number}"
            given += 1
            yield request


def write_requests(catalogue: Catalogue, out: Writer, count: int | None = None) -> None:
    """`collab generate`: the requests as JSON Lines on ``out``."""
    for request in requests(catalogue, count):
        out.write(json.dumps(request, ensure_ascii=False) + "\n")
