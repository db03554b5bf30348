"""Types shared by every model (catalogue files, requests, plans): ids, codes, texts, literals,
and the strict base Model.

Every model forbids unknown fields and does not coerce types: a typo or a quoted boolean is
an error, never silently accepted. The JSON Schemas in schemas/ are generated from the models.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]
DFact = Annotated[str, StringConstraints(pattern=r"^D[1-9][0-9]*$")]
Version = Annotated[str, StringConstraints(pattern=r"^[0-9]+(\.[0-9]+)*$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Scalar = str | int | bool

Actor = Literal["agency", "customer", "system", "support"]
Recipient = Literal["agency", "customer"]
Operation = Literal[
    "activate",
    "accept_invitation",
    "change_variant",
    "change_invoice_recipient",
    "change_agreement_period",
    "end",
    "link",
]
Outcome = Literal["ready", "awaits_customer", "needs_support", "rejected"]
# Most decisive first: a plan takes the first outcome any of its rules gives.
OUTCOME_PRECEDENCE: tuple[Outcome, ...] = ("rejected", "needs_support", "awaits_customer", "ready")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


def _version_text(value: object) -> object:
    if isinstance(value, float | int) and not isinstance(value, bool):
        raise ValueError(
            f"write the version in quotes, e.g. \"{value}\": unquoted, YAML reads it as a "
            "number and 1.10 would become 1.1"
        )
    return value


