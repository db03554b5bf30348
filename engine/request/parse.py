"""Parse a request (a file or data) and check it against a Catalogue; raises RequestError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.documents import Document, PathKey, load_document
from engine.catalogue.messages import did_you_mean, validate_model
from engine.catalogue.service import Service
from engine.errors import (
    Diagnostic,
    RequestError,
)
from engine.request.model import (
    OPERATION_FIELDS,
    OPERATION_MODELS,
    Request,
    operations_taking,
)

# What to do instead of giving a field the request's operation does not take.
_INSTEAD = {
    "variant": "the collaboration's own variant applies (customer.collaborations); to change "
               "it, ask for `operation: change_variant` first",
    "invoice_recipient": "the collaboration keeps its payer; to change it once the "
                         "collaboration is active, ask for `operation: change_invoice_recipient`",
    "agreement_period": "the collaboration keeps its period; to change it once the "
                        "collaboration is active, ask for `operation: change_agreement_period`",
    "settings": "settings are chosen when the service is activated (`operation: activate`)",
    "ending": "`ending` says how an `operation: end` ends the collaboration",
}


def _listed(words: list[str]) -> str:
    quoted = [f"`{w}`" for w in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _shape(document: Document) -> tuple[type[Request], Document, list[Diagnostic]]:
    """The model of the request's operation, the document without the fields that operation
    does not take, and a REQ020 at each of those fields (REQ001 for a missing or unknown
    operation: the request is then checked against the fields every operation shares)."""
    data = document.data
    if not isinstance(data, dict):  # any operation's model says what the file should hold
        return OPERATION_MODELS["link"], document, []
    operation = data.get("operation")
    ops = list(OPERATION_MODELS)
    if isinstance(operation, str) and operation in OPERATION_MODELS:
        model = OPERATION_MODELS[operation]
        problems = []
        for name in data:
            if name in OPERATION_FIELDS and name not in model.model_fields:
                problems.append(document.diagnostic(
                    (name,), "REQ020", foreign_field_message(name),
                    f"remove `{name}` from this `operation: {operation}` request; "
                    f"{_INSTEAD[name]}"))
            elif name not in model.model_fields:
                problems.append(document.diagnostic(
                    (name,), "REQ001", f"unknown field '{name}'",
                    did_you_mean(str(name), model.model_fields) or
                    f"an `operation: {operation}` request has the fields "
                    f"{', '.join(model.model_fields)}"))
        kept = {k: v for k, v in data.items() if k in model.model_fields}
        return model, Document(document.path, kept, document.positions, document.digest), problems
    if "operation" not in data:
        problem = document.diagnostic((), "REQ001", "missing required field 'operation'",
                                      f"add operation: one of {', '.join(ops)}")
    else:
        shown = repr(operation) if isinstance(operation, str) else "not text"
        problem = document.diagnostic(
            ("operation",), "REQ001",
            f"'operation' must be one of {', '.join(ops)}, not {shown}",
            (did_you_mean(operation, ops) if isinstance(operation, str) else "")
            or "use one of the operations listed")
    # the rest is checked against the fields every operation shares
    kept = {k: v for k, v in data.items() if k not in OPERATION_FIELDS and k != "operation"}
    rest = Document(document.path, {**kept, "operation": "link"}, document.positions,
                    document.digest)
    return OPERATION_MODELS["link"], rest, [problem]


def foreign_field_message(name: str) -> str:
    """"`variant` applies to `operation: activate`, `accept_invitation` and `change_variant`
    only": the operations that take the field ``name``."""
    # the message's "`operation: " opens the first operation's quote
    return f"`{name}` applies to `operation: {_listed(operations_taking(name))[1:]} only"


def request_from_document(document: Document, catalogue: Catalogue) -> Request:
    """The request in ``document``, checked against the catalogue; raises RequestError.

    A field that the request's operation does not take is REQ020 (the variant of an `end`,
    for instance, is the collaboration's): each operation's model accepts exactly its own.
    """
    model, shaped, foreign = _shape(document)
    request, problems = validate_model(model, shaped, "REQ001")
    problems = sorted(foreign + problems, key=lambda d: (d.line, d.column))
    if request is None or problems:
        raise RequestError(problems)
    problems = _RequestChecker(document, catalogue).check(request)
    if problems:
        raise RequestError(problems)
    return request


def load_request(path: Path, catalogue: Catalogue) -> Request:
    """The request in the file at ``path``; raises InputError or RequestError."""
    return request_from_document(load_document(path, streams=True), catalogue)


def parse_request(data: Any, catalogue: Catalogue, name: str = "<request>") -> Request:
    """A request given as data (e.g. by a service), checked like a file."""
    return request_from_document(Document(path=Path(name), data=data), catalogue)


class _RequestChecker:
    def __init__(self, document: Document, catalogue: Catalogue) -> None:
        self.document = document
        self.catalogue = catalogue
        self.problems: list[Diagnostic] = []

    def add(self, key: PathKey, code: str, message: str, hint: str) -> None:
        self.problems.append(self.document.diagnostic(key, code, message, hint))

    def service(self, service_id: str, key: PathKey) -> Service | None:
        service = self.catalogue.services.get(service_id)
        if service is None:
            self.add(key, "REQ010", f"unknown service '{service_id}'",
                     did_you_mean(service_id, self.catalogue.services) or
                     f"services: {', '.join(sorted(self.catalogue.services))}")
        return service

    def variant(self, service: Service, variant_id: str, key: PathKey) -> None:
        if not service.has_variant(variant_id):
            ids = [v.id for v in service.variants]
            self.add(key, "REQ011", f"'{variant_id}' is not a variant of {service.name}",
                     did_you_mean(variant_id, ids) or f"its variants: {', '.join(ids)}")

    def period(self, period: int | None, key: PathKey) -> None:
        known = sorted(self.catalogue.periods)
        if period is not None and period not in known:
            self.add(key, "REQ015", f"{period} months is not an agreement period of any service",
                     f"agreement periods: {', '.join(map(str, known))} months")

    def check(self, request: Request) -> list[Diagnostic]:
        asked = request.asked
        service = self.service(request.service, ("service",))
        if service is not None:
            if asked.variant is not None:
                self.variant(service, asked.variant, ("variant",))
            declared = {s.id: s for s in service.settings}
            for setting_id, value in asked.settings.items():
                if setting_id not in declared:
                    self.add(("settings", setting_id), "REQ013",
                             f"{service.name} has no setting '{setting_id}'",
                             did_you_mean(setting_id, declared) or
                             f"its settings: {', '.join(declared) or 'none'}")
                elif value not in declared[setting_id].values:
                    self.add(("settings", setting_id), "REQ013",
                             f"'{value}' is not a value of {setting_id}",
                             f"values: {', '.join(declared[setting_id].values)}")
        self.period(asked.agreement_period, ("agreement_period",))
        task_ids = [t.id for t in request.agency.tasks]
        if request.task is not None and request.task not in task_ids:
            self.add(("task",), "REQ012", f"the agency has no task '{request.task}' for this customer",
                     did_you_mean(request.task, task_ids) or
                     f"tasks: {', '.join(task_ids) or 'none (add one under agency.tasks)'}")
        software_ids = self.catalogue.software_ids
        for index, software in enumerate(request.agency.software):
            if software.id not in software_ids:
                self.add(("agency", "software", index, "id"), "REQ016",
                         f"unknown software '{software.id}'",
                         did_you_mean(software.id, software_ids) or
                         f"known: {', '.join(sorted(software_ids))}")
        customer = request.customer
        if customer.subscriptions and not customer.spcs_customer:
            self.add(("customer", "spcs_customer"), "REQ017",
                     "a customer with subscriptions is a Spcs customer",
                     "set spcs_customer: true, or remove the subscriptions")
        seen: set[str] = set()
        for index, subscription in enumerate(customer.subscriptions):
            key: PathKey = ("customer", "subscriptions", index)
            if subscription.service in seen:
                self.add((*key, "service"), "REQ018",
                         f"two subscriptions of '{subscription.service}'", "list each service once")
            seen.add(subscription.service)
            sub_service = self.service(subscription.service, (*key, "service"))
            if sub_service is not None:
                self.variant(sub_service, subscription.variant, (*key, "variant"))
                addons = [a.id for a in sub_service.addons]
                for a_index, addon in enumerate(subscription.addons):
                    if addon not in addons:
                        self.add((*key, "addons", a_index), "REQ014",
                                 f"{sub_service.name} has no add-on '{addon}'",
                                 did_you_mean(addon, addons) or
                                 f"its add-ons: {', '.join(addons) or 'none'}")
            self.period(subscription.agreement_period, (*key, "agreement_period"))
        pairs: set[tuple[str, str]] = set()
        for index, collaboration in enumerate(customer.collaborations):
            key = ("customer", "collaborations", index)
            pair = (collaboration.agency, collaboration.service)
            if pair in pairs:
                self.add((*key, "service"), "REQ018", "the same collaboration is listed twice",
                         "list each agency and service once")
            pairs.add(pair)
            collab_service = self.service(collaboration.service, (*key, "service"))
            if collab_service is not None and collaboration.variant is not None:
                self.variant(collab_service, collaboration.variant, (*key, "variant"))
            self.period(collaboration.agreement_period, (*key, "agreement_period"))
        for index, used in enumerate(customer.used_services):
            self.service(used, ("customer", "used_services", index))
        return self.problems
