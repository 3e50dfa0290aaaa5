"""The end of a DLT window, confirmed: an investigator records "DLT window completed, no DLT".

The end of a window does not make a participant "no DLT" by itself (domain.escalation.outcome_on):
some DLTs are decided late (grade 3 CRS not improving within 72 h, cytopenia beyond day 28), so
until an investigator confirms the evaluation the 3+3 engine counts the participant as pending.
"""

from __future__ import annotations

from typing import Any

from domain.escalation import Outcome
from domain.reasons import Reason, Refused
from storage.database import transaction
from storage.outbox import AlertDraft
from storage.participants import add_evaluation, existing_participant, history_rows
from storage.usecases.escalation import after_event, require_role
from storage.usecases.events import Saved, row_of
from storage.usecases.trial import Trial

# Why a participant's evaluation cannot be confirmed, by their outcome as known today.
NOT_TO_CONFIRM = {Outcome.DLT: "evaluation_has_dlt",
                  Outcome.NOT_EVALUABLE: "evaluation_not_evaluable"}


def may_evaluate(trial: Trial, number: str) -> dict:
    """The participant's history row, if their evaluation may be confirmed now; else Refused
    (already confirmed, case expansion, a DLT, not evaluable, window still open, infusion not
    recorded)."""
    row = existing_participant(trial.db, number)
    if row["evaluated"]:
        raise Refused("already_evaluated", number=number,
                      who=trial.staff_name(row["evaluated_by"]),
                      when=trial.local_time(row["evaluated_at"]))
    if row["expansion"]:
        raise Refused("evaluation_expansion", number=number)
    history = row_of(history_rows(trial.db), number)
    outcome = trial.outcome(history)
    if outcome in NOT_TO_CONFIRM:
        raise Refused(NOT_TO_CONFIRM[outcome], number=number)
    if trial.today() <= row["dlt_window_end"]:
        raise Refused("evaluation_window_open", number=number, end=row["dlt_window_end"])
    if row["infused_on"] is None:
        raise Refused("evaluation_not_infused", number=number, planned=row["infusion_date"])
    return history


def confirm_evaluation(trial: Trial, *, number: str, actor: Any) -> Saved:
    """An investigator confirms that the DLT window of `number` completed without a DLT: the
    participant becomes evaluable, no DLT. Audited, alerted, with the 3+3 step it raises.
    Confirming twice changes nothing (Refused "already_evaluated")."""
    with transaction(trial.db):
        staff = require_role(trial, actor, "investigator")
        row = may_evaluate(trial, number)
        before = trial.decision_if_readable()
        record = add_evaluation(trial.db, number, actor=actor)
        trial.alert(AlertDraft("dlt-evaluated", "investigator", {
            "number": number, "level": row["dose_level"],
            "window_end": row["dlt_window_end"].isoformat(), "who": staff["name"]}))
        meaning = Reason(code="outcome_change", params={"before": Outcome.PENDING.value,
                                                        "after": Outcome.NO_DLT.value})
        return Saved(record=record, meaning=meaning,
                     after=after_event(trial, before, number, "evaluation", actor))
