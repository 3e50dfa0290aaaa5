"""What everyone asks: the trial's escalation state, one participant, what if (the screening
log is a screening use case: storage.usecases.screening)."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel

from domain.escalation import Decision, HistoryError, Outcome, decide, parse_history
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
    awaiting_evaluation: list[dict] = []  # DLT window ended, evaluation not confirmed
    next_infusion: date | None = None  # the protocol's spacing, from the infusions recorded
    today: date
    expansion: Opening | None = None


def snapshot(trial: Trial) -> Snapshot:
    rows = history_rows(trial.db)
    today = trial.today()
    open_now = [r for r in rows if r["dlt_window_end"] >= today and not r["withdrawn_on"]
                and not r["expansion"]]
    shown = {"rows": rows, "in_window": open_now, "today": today,
             "awaiting_evaluation": awaiting_in(trial, rows),
             "next_infusion": next_infusion_not_before(trial, rows)}
    try:
        decision = trial.decision(rows)
    except HistoryError as error:
        return Snapshot(decision=None, error=error.reason, **shown)
    confirmed = confirmation_of(trial, decision)
    return Snapshot(
        decision=decision, **shown,
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


def windows_awaiting_evaluation(trial: Trial) -> list[dict]:
    """Participants (DLT-evaluated) whose DLT window has ended with no DLT counted and who are
    not replaced, and whose evaluation no investigator has confirmed yet: the engine counts
    them as pending (the reminder's list; the button is `evaluate:<number>`). Rows as
    history_rows; `infused_on` None: the infusion must be recorded before the evaluation."""
    return awaiting_in(trial, history_rows(trial.db))


def awaiting_in(trial: Trial, rows: list[dict]) -> list[dict]:
    today = trial.today()
    return [row for row in rows if not row["expansion"] and row["dlt_window_end"] < today
            and trial.outcome(row) is Outcome.PENDING]


def next_infusion_not_before(trial: Trial, rows: list[dict]) -> date | None:
    """When the protocol spaces infusions: the first day the next may be given (the
    latest infusion recorded + `days_between_infusions`), while it is still ahead."""
    days = trial.protocol.escalation.days_between_infusions
    latest = max((row["infused_on"] for row in rows if row["infused_on"]), default=None)
    if not days or latest is None:
        return None
    earliest = latest + timedelta(days=days)
    return earliest if earliest > trial.today() else None


windows_ended_without_dlt = windows_awaiting_evaluation  # its name before evaluations existed
