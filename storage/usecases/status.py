"""What everyone asks: the trial's escalation state, one participant, what if (the screening
log is a screening use case: storage.usecases.screening)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from domain.escalation import Decision, HistoryError, decide, parse_history
from domain.reasons import Reason
from storage.participants import history_rows, participant
from storage.usecases.escalation import confirmation_of, needs_confirmation
from storage.usecases.expansion import Opening, current_opening
from storage.usecases.trial import Trial


class Confirmation(BaseModel):
    who: str
    when: str  # the site's local time


class Snapshot(BaseModel):
    """The escalation as it stands: participants (enrolment order), the engine's answer (or the
    error that prevents one), who confirmed the step in progress, who is in their window, the
    case expansion open."""

    rows: list[dict]
    decision: Decision | None
    error: Reason | None = None
    confirmation: Confirmation | None = None
    to_confirm: bool = False
    in_window: list[dict] = []
    today: date
    expansion: Opening | None = None


def snapshot(trial: Trial) -> Snapshot:
    rows = history_rows(trial.db)
    today = trial.today()
    open_now = [r for r in rows if r["dlt_window_end"] >= today and not r["withdrawn_on"]
                and not r["expansion"]]
    try:
        decision = trial.decision(rows)
    except HistoryError as error:
        return Snapshot(rows=rows, decision=None, error=error.reason, in_window=open_now,
                        today=today)
    confirmed = confirmation_of(trial, decision)
    return Snapshot(
        rows=rows, decision=decision, in_window=open_now, today=today,
        to_confirm=needs_confirmation(trial, decision),
        expansion=current_opening(trial, decision),
        confirmation=Confirmation(who=trial.staff_name(confirmed["confirmed_by"]),
                                  when=trial.local_time(confirmed["confirmed_at"]))
        if confirmed else None)


def participant_record(trial: Trial, number: str) -> dict | None:
    """One participant with their DLT reports, and who enrolled them by name."""
    row = participant(trial.db, number)
    if row is None:
        return None
    return dict(row, enrolled_by_name=trial.staff_name(row["enrolled_by"]),
                enrolled_at_local=trial.local_time(row["enrolled_at"]))


def what_if(trial: Trial, history: str) -> Decision:
    """The 3+3 answer for a hypothetical history (raises HistoryError)."""
    return decide(trial.protocol, parse_history(history))


def windows_ending(trial: Trial, within_days: int = 1) -> list[dict]:
    """Participants (DLT-evaluated, not withdrawn) whose DLT window ends from today to
    `within_days` days from today: the investigators' reminder."""
    today = trial.today()
    return [row for row in history_rows(trial.db)
            if not row["expansion"] and row["withdrawn_on"] is None
            and 0 <= (row["dlt_window_end"] - today).days <= within_days]


def windows_ended_without_dlt(trial: Trial) -> list[dict]:
    """Participants whose DLT window has ended with no DLT recorded (and not withdrawn)."""
    today = trial.today()
    return [row for row in history_rows(trial.db)
            if not row["expansion"] and row["withdrawn_on"] is None and not row["has_dlt"]
            and row["dlt_window_end"] < today]
