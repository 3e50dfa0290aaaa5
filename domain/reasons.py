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

from typing import Any

from pydantic import BaseModel

from domain.dates import (
    EVENT_PROBLEMS,
    INFUSED_PROBLEMS,
    LYMPHODEPLETION_PROBLEMS,
    NEW_INFUSION_PROBLEMS,
    RESCHEDULE_REFUSALS,
)

__all__ = ["REFUSALS", "Codes", "Reason", "ReasonError", "Refused"]


class Reason(BaseModel, frozen=True):
    """A code from the catalogue and the values its text is filled with."""

    code: str
    params: dict[str, Any] = {}

    def __str__(self) -> str:  # a debugging aid (logs, assertion messages), never shown to users
        return f"{self.code} {self.params}" if self.params else self.code


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
        # A declared code and keyword parameters are all a Reason is: nothing to validate (the
        # judging of one screening builds some hundred of them).
        return Reason.model_construct(code=code, params=params)


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
