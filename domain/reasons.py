"""What the domain says, as codes with parameters: never words.

Every reason, refusal, alert and verdict that leaves domain/ is a `Reason`: a code and the plain
values that fill it. The words live in one catalogue (handlers/texts.py, REASONS) and are put
together by handlers/wording.py, so a translation touches no domain code.

Parameters are JSON-able: numbers, strings, lists of them, and (only where a reason is built from
smaller ones) nested Reasons, which the catalogue renders in place.

A domain module declares its codes (`Codes`) and raises `ReasonError`s; the use cases
(storage.usecases) refuse with `Refused`, by one of the names declared here (REFUSALS, the
"refusal.*" codes), so the catalogue can be checked to word every refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from domain.dates import (
    EVENT_PROBLEMS,
    INFUSED_PROBLEMS,
    LYMPHODEPLETION_PROBLEMS,
    NEW_INFUSION_PROBLEMS,
    RESCHEDULE_REFUSALS,
)

__all__ = ["REFUSALS", "Codes", "Reason", "ReasonError", "Refused", "jsonable"]


@dataclass(frozen=True)
class Reason:
    """A code from the catalogue and the values its text is filled with.

    A plain frozen dataclass, not a pydantic model: the shell's `trialbot escalation` says
    reasons without loading pydantic (pydantic models take one as a field all the same, and
    store it as {"code", "params"})."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:  # a debugging aid (logs, assertion messages), never shown to users
        return f"{self.code} {self.params}" if self.params else self.code

    @classmethod
    def stored(cls, data: Mapping[str, Any]) -> Reason:
        """A reason kept as JSON ({"code", "params"}); nested reasons stay dicts."""
        return cls(code=str(data["code"]), params=dict(data.get("params") or {}))

    def as_json(self) -> dict[str, Any]:
        """{"code", "params"} with nested reasons as dicts and dates as ISO text."""
        return jsonable(self)


def jsonable(value: Any) -> Any:
    """A value as JSON keeps it, the way pydantic's model_dump(mode="json") writes it:
    dataclasses (a Reason) as dicts, tuples as lists, dates and times as ISO text, enums as
    their values."""
    if is_dataclass(value) and not isinstance(value, type):
        return {item.name: jsonable(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, Mapping):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, datetime):
        text = value.isoformat()
        return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
    if isinstance(value, date | time):
        return value.isoformat()
    return value


class Codes:
    """The codes one domain module may produce, all under one prefix ("units.not_a_number").

    Calling it builds a Reason and refuses a code the module has not declared, so `all` is the
    complete list a test checks the catalogue against.
    """

    def __init__(self, prefix: str, *names: str):
        self.prefix = prefix
        self.all = frozenset(f"{prefix}.{name}" for name in names)

    def __call__(self, name: str, **params: Any) -> Reason:
        code = f"{self.prefix}.{name}"
        if code not in self.all:
            raise ValueError(f"undeclared reason code {code}")
        return Reason(code=code, params=params)


class ReasonError(ValueError):
    """An error whose `.reason` says what is wrong (str() is the code, for logs only)."""

    def __init__(self, reason: Reason):
        super().__init__(str(reason))
        self.reason = reason


# Everything a use case may refuse, by name: Refused takes no other.
REFUSALS = Codes(
    "refusal",
    # who acts
    "not_staff", "needs_role", "unknown_role", "not_self", "no_active_staff",
    # a record that is not there, or no longer takes this change
    "no_screening", "no_participant", "no_report", "screening_closed", "screening_enrolled",
    "screening_not_eligible", "screening_expired", "already_enrolled", "already_withdrawn",
    # the 3+3 escalation
    "history_unreadable", "cap_reached", "escalation_complete", "waiting_for_windows",
    "step_unconfirmed", "step_changed", "step_stale", "step_already_confirmed",
    # case expansion
    "expansion_too_early", "expansion_no_dose", "expansion_level", "expansion_already_open",
    # changed by someone else meanwhile
    "revised_meanwhile", "infusion_changed_meanwhile",
    # the reason a change needs (domain.corrections)
    "reason_required", "short_reason", "long_reason",
    # a screening's answers
    "unknown_question", "invalid_answer", "answered_meanwhile", "moved_on", "changed_meanwhile",
    "no_previous_question", "cannot_finish", "screening_incomplete", "verdict_changed",
    "nothing_to_correct",
    # dates (domain.dates): a planned infusion, an event after it, moving a planned infusion
    *(f"infusion_{problem}" for problem in sorted(NEW_INFUSION_PROBLEMS)),
    *(f"event_{problem}" for problem in sorted(EVENT_PROBLEMS)),
    *(f"reschedule_{refusal}" for refusal in sorted(RESCHEDULE_REFUSALS)),
    *(f"infused_{problem}" for problem in sorted(INFUSED_PROBLEMS)),
    *(f"lymphodepletion_{problem}" for problem in sorted(LYMPHODEPLETION_PROBLEMS)),
    # dosing and the end of the DLT window (domain.dosing, /infuse, /evaluate)
    "weight_unconfirmed", "already_infused", "already_evaluated", "evaluation_expansion",
    "evaluation_has_dlt", "evaluation_not_evaluable", "evaluation_window_open",
    "evaluation_not_infused",
    # alerts
    "no_alert",
)


class Refused(Exception):
    """Something that cannot be done now; `reason` says why, as a code the chat words. `name`
    must be one of REFUSALS (ValueError otherwise)."""

    def __init__(self, name: str, **params: Any):
        self.reason = REFUSALS(name, **params)
        super().__init__(self.reason.code, params)
