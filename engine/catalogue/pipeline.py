"""The shape of rules/pipeline.yaml (stages, phases, scenarios) and rules/domain.yaml (D-facts).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from engine.catalogue.language import Glossary, Lang, LocalText
from engine.catalogue.types import (
    DFact,
    Id,
    Model,
    Operation,
    Recipient,
)

#: What a request of an operation may choose; the space takes every value of each.
#: A kind of customer: a subscriber of the service, a Spcs customer without it, or new to Spcs.
CustomerKind = Literal["subscriber", "spcs_customer", "new_customer"]


class Named(Model):
    """A stage or a step phase of the pipeline."""

    id: Id = Field(
        description="The id rule files (`stage:`) and steps (`phase:`) use.",
        examples=["decide", "approve"],
    )
    description: LocalText = Field(
        description="What happens in it.",
        examples=["What the other party must do before the change takes effect."],
    )


class Scenario(Model):
    """An activation scenario; the scenario rules decide which one applies."""

    id: Id = Field(
        description="The scenario's id, as rules test and set it (`scenario: subscriber`).",
        examples=["subscriber"],
    )
    name: LocalText = Field(
        description="The scenario in words, as plans show it.",
        examples=["The customer already has an active subscription of the service"],
    )
    source: list[DFact] = Field(
        min_length=1,
        description="The domain facts (D-numbers) this scenario comes from.",
        examples=[["D14"]],
    )


class OperationSpace(Model):
    """An operation as the request space covers it (analysis, `collab generate`, diffs)."""

    id: Operation = Field(description="The operation.", examples=["activate"])
    starts: bool = Field(
        False,
        description="It starts a collaboration: its requests have none with the agency yet, "
        "and scenario rules must cover them.",
        examples=[True],
    )
    customers: list[CustomerKind] = Field(
        ["spcs_customer"],
        min_length=1,
        description="The kinds of customer its requests are generated for.",
        examples=[["subscriber", "spcs_customer", "new_customer"]],
    )


class Endings(Model):
    """Who can end a collaboration and what becomes of the service."""

    by: list[Recipient] = Field(min_length=1, description="Who ends it.",
                                examples=[["agency", "customer"]])
    service: list[Literal["end", "continue"]] = Field(
        min_length=1, description="end: the service ends too; continue: the customer goes on "
        "alone.", examples=[["end", "continue"]])


class Pipeline(Model):
    """rules/pipeline.yaml: the order of stages and step phases, and the scenarios."""

    languages: list[Lang] = Field(
        ["en"],
        min_length=1,
        description="The languages every text of the catalogue is written in; `collab "
        "validate` names each text or glossary entry missing one. A language is added by "
        "listing it here and adding its texts.",
        examples=[["en", "sv"]],
    )
    default_language: Lang = Field(
        "en",
        description="The language of plans and docs when none is asked for (`--lang`).",
        examples=["en"],
    )
    glossary: Glossary = Field(
        Glossary.model_construct(),  # not Glossary(): that would build its validator on import
        description="Words texts share: screen names (`{screen.<id>}`), how fact values read, "
        "and the words of a printed plan.",
        examples=[{"screens": {"customers": {"en": "Customers", "sv": "Kunder"}}}],
    )
    description: LocalText = Field(
        description="What the catalogue is about; it opens the generated docs.",
        examples=["Collaborations between an accounting agency (byrå) in Visma Advisor and its customer."],
    )
    source: list[DFact] = Field(
        min_length=1,
        description="The domain facts (D-numbers) the description comes from.",
        examples=[["D1"]],
    )
    stages: list[Named] = Field(
        min_length=1,
        description="Rule stages, in the order they run.",
        examples=[[{"id": "scenario", "description": "Which activation scenario applies (D14-D18)."},
                   {"id": "decide", "description": "Preconditions, rejections, steps and warnings."}]],
    )
    phases: list[Named] = Field(
        min_length=1,
        description="Step phases, in the order steps are listed.",
        examples=[[{"id": "request", "description": "What the agency (or the customer) does to make "
                    "the request."},
                   {"id": "approve", "description": "What the other party must do before the change "
                    "takes effect."}]],
    )
    scenarios: list[Scenario] = Field(
        min_length=1,
        description="The activation scenarios the scenario rules choose from.",
        examples=[[{"id": "spcs_customer", "name": "An existing Spcs customer without the service",
                    "source": ["D15"]}]],
    )
    operations: list[OperationSpace] = Field(
        min_length=1,
        description="The operations requests ask for: the space the analysis and `collab "
        "generate` cover, each operation with every field its request takes (the request "
        "model decides which: schemas/request.schema.json).",
        examples=[[{"id": "activate", "starts": True,
                    "customers": ["subscriber", "spcs_customer", "new_customer"]},
                   {"id": "end"}]],
    )
    payers: list[Recipient] = Field(
        min_length=1, description="Who can be the invoice recipient of a collaboration.",
        examples=[["agency", "customer"]])
    endings: Endings = Field(description="How a collaboration can end.",
                             examples=[{"by": ["agency", "customer"],
                                        "service": ["end", "continue"]}])


_D10 = {
    "id": "D10",
    "section": "Preconditions",
    "text": "The agency must have a task connected to the customer before it can activate any "
    "collaboration.",
    "seeds": ["001"],
}


class DomainFact(Model):
    """One numbered fact of the domain, restated from the help documents."""

    id: DFact = Field(description="The fact's number, as `source:` cites it.", examples=["D10"])
    section: LocalText = Field(description="The heading the fact is listed under.",
                               examples=["Preconditions"])
    text: LocalText = Field(description="The fact, restated in a few sentences.",
                            examples=[_D10["text"]])
    seeds: list[Annotated[str, StringConstraints(pattern=r"^[0-9]{3}$")]] = Field(
        min_length=1,
        description="The help documents the fact comes from, by their three-digit prefix, in quotes.",
        examples=[["001", "003"]],
    )


class Domain(Model):
    """rules/domain.yaml: the numbered domain facts that rules cite."""

    facts: list[DomainFact] = Field(
        min_length=1,
        description="The facts, D1 upwards.",
        examples=[[_D10]],
    )


