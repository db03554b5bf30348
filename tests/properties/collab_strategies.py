"""Hypothesis strategies: valid requests for a catalogue, invalid ones, and catalogue variants.

``valid_requests`` builds a request from scratch the way engine.tools.generate shapes them
(operation x service x variant x current variant x customer kind x payer x period x ending x
setting), but draws every part independently, so it also combines what the generated corpus
only varies one at a time: several tasks, collaborations with this agency and others, in
several services, subscriptions with add-ons, old and missing software, unusual names.
``corpus_requests`` takes a request of the generated corpus and applies several of the
corpus' own variations to it. Both give requests the parser accepts; ``invalid_requests``
breaks one of them in one way the parser must refuse.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from engine import Catalogue
from engine.tools.generate import VARIATIONS, corpus, vary

OPERATIONS = ("activate", "accept_invitation", "change_variant", "change_invoice_recipient",
              "change_agreement_period", "end", "link")
ACTIVATIONS = ("activate", "accept_invitation")
#: The fields each operation's request takes beyond the shared ones (service, task, customer,
#: agency), from the help pages: the window Activate service ([001] L42-L46, [000] time
#: registration), an invitation's variant ([001] L25), the pen icon's edits ([003] L88), the
#: ending's choice ([003] L111-L117). Written here, not taken from the engine.
OWN_FIELDS: dict[str, set[str]] = {
    "activate": {"variant", "invoice_recipient", "agreement_period", "settings"},
    "accept_invitation": {"variant"},
    "change_variant": {"variant", "invoice_recipient", "agreement_period"},
    "change_invoice_recipient": {"invoice_recipient"},
    "change_agreement_period": {"agreement_period"},
    "end": {"ending"},
    "link": set(),
}
CHOSEN_FIELDS = set().union(*OWN_FIELDS.values())
OUR_AGENCY = "556000-0001"
OTHER_AGENCIES = ("556000-0002", "559999-9999")
EMAILS = ("eva@kund.se", "login@kund.se", "sara.ek@bageri-solsidan.se", "a@b.co")
NAMES = ("Kund AB", "Bageri Solsidan AB", "Åkessons Måleri AB", "Nyström & Co {customer.name}",
         "Ö", "Kund AB (ny)")
PEOPLE = ("Anna Berg", "Olle", "Johan Lind", "Maria Sjöberg")

Pins = dict[str, Any]
Request = dict[str, Any]


def admits(condition: Any, value: Any) -> bool:
    """Whether ``value`` meets an invariant's condition (invariants.yaml): a value (equal),
    a list (one of), ``{not: x}`` or ``{not_in: [...]}`` (present and different)."""
    if isinstance(condition, dict):
        if set(condition) == {"not"}:
            return value is not None and value != condition["not"]
        if set(condition) == {"not_in"}:
            return value is not None and value not in condition["not_in"]
        raise ValueError(f"unknown condition {condition!r}: use a value, a list, not or not_in")
    if isinstance(condition, list):
        return value in condition
    return bool(value == condition)


def admitted(values: Sequence[Any], condition: Any = None) -> list[Any]:
    """The ``values`` ``condition`` admits; all of them when there is no condition or it admits
    none, so that a pin only ever biases a draw, never empties it."""
    if condition is None:
        return list(values)
    return [v for v in values if admits(condition, v)] or list(values)


def change_kind(catalogue: Catalogue, service_id: str, current: str | None,
                wanted: str | None) -> str | None:
    """upgrade, downgrade, sideways or same, from what each variant contains (services/*.yaml);
    None when either variant is unknown. Written here, not taken from the engine, so that the
    invariants do not trust the code they check."""
    if current is None or wanted is None:
        return None
    service = catalogue.services[service_id]
    have, want = set(service.variant(current).contains), set(service.variant(wanted).contains)
    if have == want:
        return "same"
    return "upgrade" if want > have else "downgrade" if want < have else "sideways"


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``strategy`` mostly, sometimes None (the request leaves it out)."""
    return st.one_of(strategy, strategy, strategy, st.none())


def chance(draw: st.DrawFn, odds: int) -> bool:
    """True once in ``odds`` draws, or so. (Hypothesis favours small integers and the first
    element of a list, so "usually" is the first element here, not `integers(...) > 0`.)"""
    return bool(draw(st.sampled_from([False] * (odds - 1) + [True])))


def _flag(draw: st.DrawFn, pins: Pins, name: str, odds: int = 2) -> bool:
    """A pinned boolean, else true ``odds - 1`` times in ``odds``."""
    if isinstance(pins.get(name), bool):
        return bool(pins[name])
    return not chance(draw, odds)


@st.composite
def valid_requests(draw: st.DrawFn, catalogue: Catalogue, pins: Pins | None = None) -> Request:
    """A request the parser accepts, built part by part. ``pins`` are an invariant's `when`
    conditions (operation, service, variant, current_variant, change, payer, ending, tasks,
    ...): they bias the draw towards requests the invariant applies to, never exclude others
    for certain (the rules' defaults decide some of them)."""
    pins = dict(pins or {})
    # aimed at plans that go ahead: leave out what the rules reject for, unless pinned
    clean = "outcome" in pins and not admits(pins["outcome"], "rejected")
    if "customer_pays" in pins and isinstance(pins["customer_pays"], bool):
        pins.setdefault("payer", "customer" if pins["customer_pays"] else "agency")

    def maybe(strategy: st.SearchStrategy[Any]) -> Any:
        return draw(strategy if clean else _optional(strategy))

    services = sorted(catalogue.services)
    if "change" in pins:  # only services with several variants have changes
        services = [s for s in services if len(catalogue.services[s].variants) > 1]
    paying = pins.get("variant_paying")
    if isinstance(paying, bool):  # only services with a variant that is (not) paying
        services = [s for s in services
                    if any(v.paying == paying for v in catalogue.services[s].variants)] or services
    service_id = draw(st.sampled_from(admitted(services, pins.get("service"))))
    service = catalogue.services[service_id]
    operation = draw(st.sampled_from(admitted(OPERATIONS, pins.get("operation"))))
    variants = [v.id for v in service.variants]
    periods = sorted(catalogue.periods)
    activation = operation in ACTIVATIONS

    # the variant asked for, and the one the customer has now (collaboration or subscription);
    # an edit is about the current variant, so a pin on `variant` pins that one too
    wanted = admitted(variants, pins.get("variant"))
    if isinstance(paying, bool):
        wanted = [v for v in wanted if service.variant(v).paying == paying] or wanted
    currents = admitted(variants, pins.get("current_variant",
                                           None if activation else pins.get("variant")))
    pairs = [(c, w) for c in currents for w in wanted]
    if "change" in pins:
        pairs = [p for p in pairs
                 if admits(pins["change"], change_kind(catalogue, service_id, *p))] or pairs
    current, variant = draw(st.sampled_from(pairs))
    if operation not in ("activate", "change_variant"):
        variant = draw(st.sampled_from((None, None, None, variant)))
    elif chance(draw, 10):
        variant = None

    if activation:
        kind = draw(st.sampled_from(("subscriber", "spcs_customer", "new_customer")))
    else:
        kind = draw(st.sampled_from(("spcs_customer", "subscriber")))
    if pins.get("spcs_customer") is False:
        kind = "new_customer"
    elif pins.get("spcs_customer") is True and kind == "new_customer":
        kind = "spcs_customer"
    spcs = kind != "new_customer"
    if clean:
        pins = {"main_contact": True, "contact_details": True, "task_selected": True,
                "other_agency": False, "collaboration": not activation, **pins}

    customer: Request = {"name": draw(st.sampled_from(NAMES) | st.text(min_size=1, max_size=12)),
                         "spcs_customer": spcs}
    if not _flag(draw, pins, "in_advisor", 4):
        customer["in_advisor"] = False
    if _flag(draw, pins, "main_contact", 5):
        customer["main_contact"] = {"name": draw(st.sampled_from(PEOPLE)),
                                    "email": draw(st.sampled_from(EMAILS))}
        # D30's main contact, on the customer number in Mina tjänster (D20's is in Advisor)
        customer["mina_tjanster_main_contact"] = customer["main_contact"]["name"]
    if clean or draw(st.booleans()):
        customer["login_email"] = draw(st.sampled_from(EMAILS))
    used = draw(st.lists(st.sampled_from(services), max_size=2, unique=True))
    if used:
        customer["used_services"] = used
    if not spcs and _flag(draw, pins, "contact_details", 5):
        customer["contact_details"] = {"name": "Nils Ny", "email": draw(st.sampled_from(EMAILS))}

    subscriptions = []
    if spcs:
        others = draw(st.lists(st.sampled_from(sorted(catalogue.services)), max_size=2,
                               unique=True))
        chosen = ([service_id] if kind == "subscriber" else []) + [
            s for s in others if s != service_id]
        for sub_id in chosen:
            sub_service = catalogue.services[sub_id]
            sub: Request = {"service": sub_id,
                            "variant": current if sub_id == service_id else
                            draw(st.sampled_from([v.id for v in sub_service.variants]))}
            period = maybe(st.sampled_from(periods))
            if period is not None:
                sub["agreement_period"] = period
            if sub_service.addons and draw(st.booleans()):
                sub["addons"] = [a.id for a in sub_service.addons]
            subscriptions.append(sub)
    if subscriptions:
        customer["subscriptions"] = subscriptions

    collaborations = []
    if isinstance(pins.get("collaboration"), bool):
        has_ours = pins["collaboration"]
    else:  # activations mostly without one, edits mostly with one
        has_ours = chance(draw, 6) == activation
    if has_ours:
        ours: Request = {"agency": OUR_AGENCY, "service": service_id}
        if not chance(draw, 7):
            ours["variant"] = current
        recipient = maybe(st.sampled_from(admitted(("agency", "customer"), pins.get("payer"))))
        if recipient is not None:
            ours["invoice_recipient"] = recipient
        period = maybe(st.sampled_from(periods))
        if period is not None:
            ours["agreement_period"] = period
        if operation == "link":
            ours["linked"] = chance(draw, 5) and not clean
        elif chance(draw, 6) and not clean:
            ours["linked"] = False
        collaborations.append(ours)
    extra = draw(st.lists(st.tuples(st.sampled_from((OUR_AGENCY, OUR_AGENCY, *OTHER_AGENCIES)),
                                    st.sampled_from(sorted(catalogue.services))),
                          max_size=3, unique=True)) if chance(draw, 2) else []
    if pins.get("other_agency") is True and all(a == OUR_AGENCY for a, _ in extra):
        extra.append((OTHER_AGENCIES[0], draw(st.sampled_from(sorted(catalogue.services)))))
    for agency_id, other_service in extra:
        if agency_id == OUR_AGENCY and other_service == service_id:
            continue  # that one is `ours`, decided above
        if pins.get("other_agency") is False and agency_id != OUR_AGENCY:
            continue
        entry: Request = {"agency": agency_id, "service": other_service}
        if draw(st.booleans()):
            entry["variant"] = draw(st.sampled_from(
                [v.id for v in catalogue.services[other_service].variants]))
        collaborations.append(entry)
    if collaborations:
        customer["collaborations"] = draw(st.permutations(collaborations))

    tasks = []
    task_counts = (1, 1, 1, 2) if clean and "tasks" not in pins else (1, 1, 1, 2, 0)
    for index in range(draw(st.sampled_from(admitted(task_counts, pins.get("tasks"))))):
        task: Request = {"id": f"T{index + 1}",
                         "name": draw(st.sampled_from(("Bokföring", "Lön 2026")))}
        if not chance(draw, 4):
            task["responsible"] = draw(st.sampled_from(PEOPLE))
        people = draw(st.lists(st.sampled_from(PEOPLE), max_size=2, unique=True))
        if people:
            task["participants"] = people
        tasks.append(task)
    software = []
    for software_id in sorted(catalogue.software_ids):
        version = "99.1" if clean else draw(st.sampled_from(
            (None, "absent", "0.1", "1.68", "5.91", "2020.0", "99.1")))
        if version != "absent":
            software.append({"id": software_id} | ({"version": version} if version else {}))
    request: Request = {
        "operation": operation,
        "service": service_id,
        "customer": customer,
        "agency": {"id": OUR_AGENCY, "name": "Byrå AB", "tasks": tasks, "software": software},
    }
    if variant is not None:
        request["variant"] = variant
    if tasks and _flag(draw, pins, "task_selected", 6):
        request["task"] = draw(st.sampled_from([t["id"] for t in tasks]))
    recipients = admitted(("agency", "customer"), pins.get("payer"))
    recipient = maybe(st.sampled_from(recipients))
    if recipient is not None:
        request["invoice_recipient"] = recipient
    period = maybe(st.sampled_from(periods))
    if period is not None:
        request["agreement_period"] = period
    settings = {}
    for setting in service.settings:
        value = maybe(st.sampled_from(setting.values))
        if value is not None:
            settings[setting.id] = value
    if settings:
        request["settings"] = settings
    ending_given = (clean or not chance(draw, 7)) if operation == "end" else chance(draw, 20)
    if ending_given:
        request["ending"] = {
            "by": draw(st.sampled_from(("agency", "customer"))),
            "service": draw(st.sampled_from(admitted(("end", "continue"), pins.get("ending"))))}
    for name in CHOSEN_FIELDS - OWN_FIELDS[operation]:
        request.pop(name, None)  # a field its operation does not take is refused (REQ020)
    return request


def _dedupe_collaborations(request: Request) -> Request:
    """Variations applied one after another may list a collaboration twice; keep the first."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for collaboration in request["customer"].get("collaborations", []):
        pair = (collaboration["agency"], collaboration["service"])
        if pair not in seen:
            seen.add(pair)
            kept.append(collaboration)
    if "collaborations" in request["customer"]:
        request["customer"]["collaborations"] = kept
    return request


def corpus_requests(catalogue: Catalogue, space: list[Request] | None = None
                    ) -> st.SearchStrategy[Request]:
    """A request of the generated corpus with up to three of its variations applied on top."""
    space = space if space is not None else list(corpus(catalogue))
    frozen = [json.dumps(r) for r in space]

    @st.composite
    def build(draw: st.DrawFn) -> Request:
        request = json.loads(draw(st.sampled_from(frozen)))
        for name in draw(st.lists(st.sampled_from(sorted(VARIATIONS)), max_size=3)):
            vary(catalogue, request, name)
        if draw(st.booleans()):
            request["customer"]["name"] = draw(st.sampled_from(NAMES))
        return _dedupe_collaborations(request)

    return build()


def any_valid_request(catalogue: Catalogue, space: list[Request] | None = None
                      ) -> st.SearchStrategy[Request]:
    return st.one_of(valid_requests(catalogue), corpus_requests(catalogue, space))


# --------------------------------------------------------------------------- invalid requests

def _set(path: tuple[str | int, ...], value: Any) -> Callable[[Request], None]:
    def apply(request: Request) -> None:
        node = request
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    return apply


def _delete(path: tuple[str, ...]) -> Callable[[Request], None]:
    def apply(request: Request) -> None:
        node = request
        for part in path[:-1]:
            node = node[part]
        node.pop(path[-1], None)
    return apply


def _duplicate_collaboration(request: Request) -> None:
    entry = {"agency": "556000-0002", "service": "scanner"}
    request["customer"]["collaborations"] = [*request["customer"].get("collaborations", []),
                                             entry, dict(entry)]


def _subscriptions_without_spcs(request: Request) -> None:
    request["customer"]["spcs_customer"] = False
    request["customer"]["subscriptions"] = [{"service": "scanner", "variant": "standard"}]


#: One way to break a request, and the codes the parser may answer with.
BREAKERS: dict[str, tuple[Callable[[Request], None], set[str]]] = {
    "unknown_field": (_set(("colour",), "blue"), {"REQ001"}),
    "unknown_customer_field": (_set(("customer", "age"), 3), {"REQ001"}),
    "unknown_operation": (_set(("operation",), "activation"), {"REQ001"}),
    "unknown_service": (_set(("service",), "eekonomy"), {"REQ010"}),
    "foreign_variant": (_set(("variant",), "no_such_variant"), {"REQ011"}),
    "bad_variant_id": (_set(("variant",), "Smart!"), {"REQ001"}),
    "unknown_task": (_set(("task",), "T-404"), {"REQ012"}),
    "unknown_setting": (_set(("settings",), {"colour": "blue"}), {"REQ013"}),
    "unknown_period": (_set(("agreement_period",), 7), {"REQ015"}),
    "quoted_period": (_set(("agreement_period",), "12"), {"REQ001"}),
    "float_period": (_set(("agreement_period",), 12.0), {"REQ001"}),
    "bool_period": (_set(("agreement_period",), True), {"REQ001"}),
    "unknown_software": (_set(("agency", "software"), [{"id": "winzip"}]), {"REQ016"}),
    "unquoted_version": (_set(("agency", "software"), [{"id": "advisor_connect", "version": 1.7}]),
                         {"REQ001"}),
    "subscriptions_without_spcs": (_subscriptions_without_spcs, {"REQ017"}),
    "duplicate_collaboration": (_duplicate_collaboration, {"REQ018"}),
    "quoted_boolean": (_set(("customer", "spcs_customer"), "yes"), {"REQ001"}),
    "bad_email": (_set(("customer", "login_email"), "not an email"), {"REQ001"}),
    "no_customer": (_delete(("customer",)), {"REQ001"}),
    "no_operation": (_delete(("operation",)), {"REQ001"}),
    "bad_recipient": (_set(("invoice_recipient",), "bank"), {"REQ001"}),
    "bad_ending": (_set(("ending",), {"by": "support", "service": "end"}), {"REQ001"}),
    "empty_name": (_set(("customer", "name"), ""), {"REQ001"}),
    "ending_of_another_operation": (_set(("ending",), {"by": "agency", "service": "end"}),
                                    {"REQ020"}),
    "list_for_mapping": (_set(("customer",), []), {"REQ001"}),
}
NOT_MAPPINGS: list[Any] = [None, [], "activate", 3, 1.5, True, ["operation", "activate"]]


@st.composite
def invalid_requests(draw: st.DrawFn, catalogue: Catalogue, how: str) -> Any:
    """A valid request broken as BREAKERS[how] says, or (how="not_a_mapping") no mapping."""
    if how == "not_a_mapping":
        return draw(st.sampled_from(NOT_MAPPINGS))
    field = BROKEN_FIELD.get(how)
    # a broken field is given to an operation that takes it (or, *_of_another_operation, to
    # one that does not)
    foreign = how.endswith("_of_another_operation")
    takers = [op for op in OPERATIONS if (field in OWN_FIELDS[op]) != foreign]
    request = copy.deepcopy(draw(valid_requests(
        catalogue, {"operation": takers} if field else None)))
    BREAKERS[how][0](request)
    return request


#: The field a breaker breaks, where only some operations take it.
BROKEN_FIELD = {"foreign_variant": "variant", "bad_variant_id": "variant",
                "unknown_setting": "settings", "unknown_period": "agreement_period",
                "quoted_period": "agreement_period", "float_period": "agreement_period",
                "bool_period": "agreement_period", "bad_recipient": "invoice_recipient",
                "bad_ending": "ending", "ending_of_another_operation": "ending"}


# --------------------------------------------------------------------------- catalogues

def _write_yaml(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


@st.composite
def catalogue_edits(draw: st.DrawFn, root: Path) -> list[tuple[str, str, Any]]:
    """Edits that keep a catalogue valid: (file, what, value), applied by ``write_catalogue``."""
    edits: list[tuple[str, str, Any]] = []
    services = sorted((root / "services").glob("*.yaml"))
    for path in draw(st.lists(st.sampled_from(services), min_size=1, max_size=3, unique=True)):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for index in draw(st.lists(st.integers(0, len(data["variants"]) - 1), max_size=3,
                                   unique=True)):
            field = draw(st.sampled_from(("paying", "customer_access", "continue_alone",
                                          "invoice_recipients", "agreement_periods")))
            if field in ("paying", "customer_access", "continue_alone"):
                value: Any = draw(st.booleans())
            elif field == "invoice_recipients":
                value = draw(st.sampled_from((["agency"], ["customer"], ["agency", "customer"])))
            else:
                value = draw(st.sampled_from(([3], [12], [3, 12])))
            edits.append((path.name, f"variants.{index}.{field}", value))
        if draw(st.booleans()):
            edits.append((path.name, "customer_can_invite", draw(st.booleans())))
    rule_files = [p for p in sorted((root / "rules").glob("*.yaml"))
                  if p.name not in ("domain.yaml", "pipeline.yaml")]
    for path in draw(st.lists(st.sampled_from(rule_files), max_size=2, unique=True)):
        count = len(yaml.safe_load(path.read_text(encoding="utf-8"))["rules"])
        if count > 1 and draw(st.booleans()):
            edits.append((path.name, "drop_rule", draw(st.integers(0, count - 1))))
        else:
            edits.append((path.name, "reorder_rules", draw(st.permutations(range(count)))))
    return edits


def write_catalogue(source: Path, target: Path, edits: list[tuple[str, str, Any]]) -> None:
    """A copy of the catalogue at ``source`` in ``target`` with ``edits`` applied."""
    for folder in ("services", "rules"):
        (target / folder).mkdir(parents=True, exist_ok=True)
        for path in sorted((source / folder).glob("*.yaml")):
            (target / folder / path.name).write_bytes(path.read_bytes())
    for name, what, value in edits:
        folder = "rules" if (target / "rules" / name).exists() else "services"
        path = target / folder / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if what == "drop_rule":
            del data["rules"][value]
        elif what == "reorder_rules":
            data["rules"] = [data["rules"][i] for i in value]
        elif what.startswith("variants."):
            _, index, field = what.split(".")
            data["variants"][int(index)][field] = value
        else:
            data[what] = value
        _write_yaml(path, data)
