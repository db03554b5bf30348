"""What a catalogue holds, for people and tools: its services (`collab services`) and the facts
its rules can read (`collab facts`)."""

from __future__ import annotations

from collections.abc import Callable

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.facts import fact_specs
from engine.render.escape import visible
from engine.render.plan import to_json


def services_text(catalogue: Catalogue) -> str:
    """The services for a person, the catalogue's texts shown escaped (``visible``)."""
    lines = []
    for service in catalogue.services.values():
        lines.append(f"{service.name} ({service.id})  [{', '.join(service.source)}]")
        for v in service.variants:
            paying = "paying" if v.paying else "free"
            agency = "  (the agency's own variant)" if v.id == service.agency_variant else ""
            lines.append(f"  - {v.name} ({v.id}): {paying}; payers: {', '.join(v.invoice_recipients)};"
                         f" periods: {', '.join(map(str, v.agreement_periods))} months{agency}")
    return "".join(visible(line) + "\n" for line in lines)


def services_json(catalogue: Catalogue) -> str:
    return to_json([service.model_dump(mode="json", by_alias=True)
                    for service in catalogue.services.values()])


def facts_text(catalogue: Catalogue) -> str:
    facts = fact_specs(catalogue)
    width = max(len(spec.name) for spec in facts) + 2
    return "".join(
        visible(f"{spec.name:<{width}}{spec.type.__name__:<5} {spec.description}"
                + (" Rules may set it." if spec.settable else "")) + "\n" for spec in facts)


def facts_json(catalogue: Catalogue) -> str:
    return to_json([{"name": spec.name, "type": spec.type.__name__, "description": spec.description,
                     "values_from": spec.domain, "settable": spec.settable}
                    for spec in fact_specs(catalogue)])


SERVICES_REPORTERS: dict[str, Callable[[Catalogue], str]] = {"text": services_text, "json": services_json}
FACTS_REPORTERS: dict[str, Callable[[Catalogue], str]] = {"text": facts_text, "json": facts_json}
