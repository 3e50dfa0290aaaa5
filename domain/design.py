"""The 3+3 design a protocol sets: what the escalation engine (domain.escalation) needs of a
protocol, as plain data.

The bot gets it from the validated protocol (domain.protocol.Protocol.design). The shell's
`trialbot escalation` reads it from the shipped protocol file with tomllib alone (`read_design`),
so that the command loads no pydantic; the shipped file is validated in full wherever the
bot or the tests load it, and a test checks that both ways give the same design. A protocol
file a site sets (TRIALBOT_PROTOCOL) is always validated in full.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

__all__ = ["DESIGN_SETTINGS", "Design", "read_design"]

# The [escalation] settings of a protocol file the engine uses (the others are for the chat).
DESIGN_SETTINGS = ("cohort_size", "expanded_cohort_size", "max_participants",
                   "replaced_count_toward_cap", "days_between_infusions")


@dataclass(frozen=True)
class Design:
    """The protocol's name, its dose levels' labels (DL1 first: level n is labels[n - 1]) and
    the escalation settings of DESIGN_SETTINGS (see domain.protocol.Escalation)."""

    name: str
    labels: tuple[str, ...]
    cohort_size: int
    expanded_cohort_size: int
    max_participants: int
    replaced_count_toward_cap: bool
    days_between_infusions: int


def read_design(text: str) -> Design:
    """The design in a protocol file's TOML text, read without validation: only for the shipped
    file, which sets every one of DESIGN_SETTINGS (tests/domain/test_design.py)."""
    data = tomllib.loads(text)
    escalation = data["escalation"]
    return Design(name=data["name"], labels=tuple(dose["label"] for dose in data["dose_levels"]),
                  **{setting: escalation[setting] for setting in DESIGN_SETTINGS})
