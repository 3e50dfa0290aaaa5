"""Reminders the scheduler raises: they are alerts too (outbox, deliveries, acknowledgement).

- Each local day, from the reminder time on (08:00 by default): the participants whose DLT
  window ends today or tomorrow, and those whose window has ended with no DLT recorded (their
  evaluation is overdue; repeated daily). Each at most once a day, so a restart never repeats
  one and a bot that was down at 08:00 catches up when it starts.
- A form (a screening or any other) open for more than a day: one reminder to whoever opened
  it. The form stays open: nothing is closed or blocked, the next /command opens a new form.

Not here yet: "enrolled but not infused by the planned date" needs a record of the infusion
given (issue 10), so it is not reminded about; today a planned date is all there is.
"""

from __future__ import annotations

from datetime import time, timedelta

from storage.conversations import forms_open_since, mark_reminded
from storage.database import stamp, transaction
from storage.outbox import AlertDraft, raised_on
from storage.staff import active_staff
from storage.usecases.status import windows_awaiting_evaluation, windows_ending
from storage.usecases.trial import Trial

FORM_LEFT_OPEN = timedelta(days=1)


def ending_windows(trial: Trial) -> list[dict]:
    """Participants whose DLT window ends today or tomorrow."""
    today = trial.today()
    return [{"number": row["number"], "level": row["dose_level"],
             "end": row["dlt_window_end"].isoformat(), "today": row["dlt_window_end"] == today}
            for row in windows_ending(trial, within_days=1)]


def overdue_evaluations(trial: Trial) -> list[dict]:
    """Participants whose DLT evaluation is overdue: the window has ended with no DLT recorded
    and no investigator has confirmed the evaluation yet (the one place this is decided)."""
    return [{"number": row["number"], "level": row["dose_level"],
             "end": row["dlt_window_end"].isoformat()}
            for row in windows_awaiting_evaluation(trial)]


DAILY = {"windows-ending": ending_windows, "evaluation-overdue": overdue_evaluations}


def daily_reminders(trial: Trial, *, not_before: time) -> list[AlertDraft]:
    """From `not_before` (local time) on, the day's reminders not raised yet today."""
    now = trial.now()
    if now.time() < not_before:
        return []
    day, raised = now.date().isoformat(), []
    with transaction(trial.db):
        for kind, who in DAILY.items():
            if raised_on(trial.db, kind, day):
                continue
            participants = who(trial)
            if participants:
                draft = AlertDraft(kind, "investigator", {"day": day, "who": participants})
                trial.alert(draft)
                raised.append(draft)
    return raised


def open_form_reminders(trial: Trial) -> list[AlertDraft]:
    """One reminder to whoever opened a form more than a day ago and has not finished it."""
    raised = []
    with transaction(trial.db):
        for form in forms_open_since(trial.db, stamp(trial.clock() - FORM_LEFT_OPEN)):
            mark_reminded(trial.db, form["name"], form["key"], stamp(trial.clock()))
            user = form["key"][-1]
            if active_staff(trial.db, user) is None:
                continue
            draft = AlertDraft("form-open", str(user), {
                "form": form["name"], "opened": trial.local_time(form["opened_at"])})
            trial.alert(draft)
            raised.append(draft)
    return raised
