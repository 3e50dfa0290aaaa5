"""What happens to a participant after enrolment: a DLT report, the revision of a judgement,
a withdrawal, a moved infusion date. Each is previewed (what the 3+3 would say) and saved in
one transaction with the alerts it raises."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Any

from pydantic import BaseModel

from domain.dates import event_problem, new_infusion_problem, reschedule_refusal
from domain.dlt import GRADING, Suggestion, dlt_window_end, suggest_dlt
from domain.escalation import Decision, HistoryError, Outcome
from domain.reasons import Reason, Refused
from storage.database import transaction
from storage.outbox import AlertDraft
from storage.participants import (
    add_dlt_report,
    dlt_report,
    dlt_reports,
    enrolled_as,
    existing_participant,
    history_rows,
    participants,
    set_dlt_judgement,
    set_infusion_date,
    set_withdrawal,
)
from storage.screenings import get_screening, list_screenings, withdraw_screening
from storage.usecases.escalation import After, after_event, require_role
from storage.usecases.trial import Trial


class Saved(BaseModel):
    """A saved event: the record, what it meant for the participant, the 3+3 answer after."""

    record: dict
    meaning: Reason | None = None
    after: After


class Preview(BaseModel):
    """What saving would change: the participant's outcome and the engine's answer."""

    meaning: Reason
    then: Decision | None
    conflict: Reason | None = None  # why the history would no longer fit the design


# --- shared -------------------------------------------------------------------------------

def row_of(rows: list[dict], number: str) -> dict:
    return next(row for row in rows if row["number"] == number)


def outcome_of(trial: Trial, row: dict) -> Outcome:
    return trial.outcome(row)


def outcome_change(trial: Trial, before: dict, after: dict) -> Reason:
    """What an event means for the participant's 3+3 outcome (before -> after)."""
    if before["expansion"]:  # the engine does not DLT-evaluate case expansion
        return Reason(code="meaning_expansion")
    return Reason(code="outcome_change", params={
        "before": outcome_of(trial, before).value, "after": outcome_of(trial, after).value})


def preview(trial: Trial, number: str, changed: list[dict]) -> Preview:
    """The meaning and the engine's answer if `changed` (history rows) were saved."""
    meaning = outcome_change(trial, row_of(history_rows(trial.db), number),
                             row_of(changed, number))
    try:
        return Preview(meaning=meaning, then=trial.decision(changed))
    except HistoryError as error:
        return Preview(meaning=meaning, then=None, conflict=error.reason)


def staying_participants(trial: Trial) -> list[dict]:
    """Participants not withdrawn, in enrolment order."""
    return [p for p in participants(trial.db) if p["withdrawn_on"] is None]


def in_window(trial: Trial) -> list[dict]:
    """Participants in their DLT window today (and not withdrawn)."""
    today = trial.today()
    return [p for p in participants(trial.db)
            if p["withdrawn_on"] is None and today <= p["dlt_window_end"]]


def check_event_date(trial: Trial, row: dict, day: date | None, *, dlt: bool) -> date:
    problem = event_problem(day, infusion=row["infusion_day"], today=trial.today(),
                            last_day=row["dlt_window_end"] if dlt else None)
    if problem:
        raise Refused(f"event_{problem}", date=day, number=row["number"],
                      infusion=row["infusion_day"], window_end=row["dlt_window_end"],
                      today=trial.today())
    return day


# --- a DLT report -------------------------------------------------------------------------

def suggestion(trial: Trial, number: str, *, event: str, grade: int, attribution: str,
               onset: date) -> Suggestion:
    row = existing_participant(trial.db, number)
    return suggest_dlt(trial.protocol, event=event, grade=grade, attribution=attribution,
                       onset=onset, infusion_date=row["infusion_day"],
                       dlt_window_end=row["dlt_window_end"])


def report_dlt(trial: Trial, *, number: str, event: str, grade: int, onset: date,
               attribution: str, is_dlt: bool, actor: Any) -> Saved:
    """Save an investigator's DLT report with their judgement, and its alerts."""
    with transaction(trial.db):
        staff = require_role(trial, actor, "investigator")
        row = existing_participant(trial.db, number)
        check_event_date(trial, row, onset, dlt=True)
        suggested = suggestion(trial, number, event=event, grade=grade,
                               attribution=attribution, onset=onset)
        before = trial.decision_if_readable()
        report = add_dlt_report(
            trial.db, participant=number, event=event, grading=GRADING[event], grade=grade,
            onset_date=onset, attribution=attribution, is_dlt=is_dlt,
            suggested_dlt=suggested.is_dlt, actor=actor, notes=suggestion_note(suggested))
        if is_dlt:
            trial.alert(AlertDraft("dlt", "investigator", {
                "number": number, "level": row["dose_level"], "event": event, "grade": grade,
                "grading": GRADING[event], "onset": onset.isoformat(),
                "attribution": attribution, "who": staff["name"]}), actor=actor)
        return Saved(record=report, after=after_event(trial, before, number, "report", actor))


def suggestion_note(suggested: Suggestion) -> str:
    """What the suggestion was, kept with the report (its code, language-neutral)."""
    reason = suggested.reason
    if not isinstance(reason, Reason):
        return str(reason)
    return json.dumps(reason.as_json(), ensure_ascii=False, separators=(",", ":"))


# --- revising a judgement -------------------------------------------------------------------

def participants_with_reports(trial: Trial) -> list[str]:
    """Participants with at least one DLT report, in enrolment order (what /revise offers)."""
    reported = {report["participant"] for report in dlt_reports(trial.db)}
    return [p["number"] for p in participants(trial.db) if p["number"] in reported]


def revised_rows(trial: Trial, number: str, report_id: int, is_dlt: bool) -> list[dict]:
    """history_rows as they will be with one report's judgement changed."""
    rows = history_rows(trial.db)
    window_end = row_of(rows, number)["dlt_window_end"]
    participant = existing_participant(trial.db, number)
    has_dlt = any((is_dlt if report["id"] == report_id else report["is_dlt"])
                  and report["onset_date"] <= window_end
                  for report in participant["dlt_reports"])
    return [dict(row, has_dlt=has_dlt) if row["number"] == number else row for row in rows]


def revision_preview(trial: Trial, number: str, report_id: int, is_dlt: bool) -> Preview:
    found = preview(trial, number, revised_rows(trial, number, report_id, is_dlt))
    report = dlt_report(trial.db, report_id)
    window_end = existing_participant(trial.db, number)["dlt_window_end"]
    if report and report["onset_date"] > window_end:
        found.meaning = Reason(code="outside_window", params={"window_end": window_end})
    return found


def revise_dlt(trial: Trial, *, number: str, report_id: int, was: bool, reason: str,
               actor: Any) -> Saved:
    """An investigator revises a DLT judgement, with a reason; audited, with its alerts."""
    with transaction(trial.db):
        staff = require_role(trial, actor, "investigator")
        report = dlt_report(trial.db, report_id)
        if report is None or report["participant"] != number:
            raise Refused("no_report", number=number)
        if report["is_dlt"] != was:
            raise Refused("revised_meanwhile", number=number, is_dlt=report["is_dlt"])
        meaning = revision_preview(trial, number, report_id, not was).meaning
        before = trial.decision_if_readable()
        revised = set_dlt_judgement(trial.db, report_id, is_dlt=not was, actor=actor,
                                    reason=reason)
        row = existing_participant(trial.db, number)
        trial.alert(AlertDraft("dlt-revised", "investigator", {
            "number": number, "level": row["dose_level"], "event": report["event"],
            "grade": report["grade"], "grading": report["grading"],
            "onset": report["onset_date"].isoformat(), "was": was, "to": not was,
            "reason": reason.rstrip("."), "who": staff["name"]}), actor=actor)
        return Saved(record=revised, meaning=meaning,
                     after=after_event(trial, before, number, "revision", actor))


# --- withdrawal -----------------------------------------------------------------------------

def withdrawal_preview(trial: Trial, number: str, on: date) -> Preview:
    changed = [dict(row, withdrawn_on=on) if row["number"] == number else row
               for row in history_rows(trial.db)]
    return preview(trial, number, changed)


def withdraw(trial: Trial, *, number: str, on: date, reason: str, actor: Any) -> Saved:
    """An investigator records that a participant left the trial; before the end of the DLT
    window they are not evaluable and the engine replaces them."""
    with transaction(trial.db):
        staff = require_role(trial, actor, "investigator")
        row = existing_participant(trial.db, number)
        check_event_date(trial, row, on, dlt=False)
        meaning = withdrawal_preview(trial, number, on).meaning
        before = trial.decision_if_readable()
        withdrawn = set_withdrawal(trial.db, number, on=on, reason=reason, actor=actor)
        trial.alert(AlertDraft("withdrawn", "investigator", {
            "number": number, "level": row["dose_level"], "on": on.isoformat(),
            "reason": reason.rstrip("."), "meaning": asdict(meaning), "who": staff["name"]}),
            actor=actor)
        return Saved(record=withdrawn, meaning=meaning,
                     after=after_event(trial, before, number, "withdrawal", actor))


WITHDRAWABLE_SCREENING = ("in_progress", "eligible")


def withdrawable_screening(trial: Trial, number: str) -> dict:
    """A screening a candidate may still leave (in progress, or eligible and not enrolled)."""
    found = get_screening(trial.db, number)
    if found is None:
        raise Refused("no_screening", number=number)
    taken = enrolled_as(trial.db, number)
    if taken:
        raise Refused("screening_enrolled", number=number, participant=taken)
    if found["status"] not in WITHDRAWABLE_SCREENING:
        raise Refused("screening_closed", number=number, status=found["status"])
    return found


def withdrawable_screenings(trial: Trial) -> list[str]:
    return [s["number"] for s in list_screenings(trial.db)
            if s["status"] in WITHDRAWABLE_SCREENING and not s["participant"]]


def withdraw_candidate(trial: Trial, *, number: str, reason: str, actor: Any) -> dict:
    """A candidate leaves screening (coordinators are enough)."""
    with transaction(trial.db):
        require_role(trial, actor, "coordinator")
        withdrawable_screening(trial, number)
        return withdraw_screening(trial.db, number, actor=actor, reason=reason)


# --- moving a planned infusion --------------------------------------------------------------

def may_reschedule(trial: Trial, number: str) -> dict:
    """The participant, if their planned infusion date may still move; else Refused."""
    row = existing_participant(trial.db, number)
    why = reschedule_refusal(withdrawn=row["withdrawn_on"] is not None,
                             reports=len(row["dlt_reports"]), infused=row["infused_on"] is not None)
    if why:
        raise Refused(f"reschedule_{why}", number=number, infusion=row["infusion_date"],
                      on=row["withdrawn_on"] or row["infused_on"])
    return row


def movable_participants(trial: Trial) -> list[str]:
    """Participants whose planned infusion date may still move (what /reschedule offers)."""
    movable = []
    for row in participants(trial.db):
        try:
            may_reschedule(trial, row["number"])
        except Refused:
            continue
        movable.append(row["number"])
    return movable


def earliest_for(trial: Trial, number: str) -> date | None:
    """The protocol's stagger for this participant: the engine over those enrolled before."""
    rows = history_rows(trial.db)
    earlier = rows[:[row["number"] for row in rows].index(number)]
    decision = trial.decision_if_readable(earlier)
    return decision.earliest_next_infusion if decision else None


def check_new_infusion(trial: Trial, number: str, day: date | None) -> date:
    row = may_reschedule(trial, number)
    problem = new_infusion_problem(
        day, planned=row["infusion_date"], today=trial.today(),
        max_days=trial.protocol.escalation.max_days_to_infusion,
        earliest=earliest_for(trial, number))
    if problem:
        raise Refused(f"infusion_{problem}", date=day, today=trial.today(),
                      earliest=earliest_for(trial, number),
                      max_days=trial.protocol.escalation.max_days_to_infusion)
    return day


def reschedule(trial: Trial, *, number: str, planned: date, new: date, reason: str,
               actor: Any) -> Saved:
    """Move a planned infusion date (and the DLT window with it), audited with the reason."""
    with transaction(trial.db):
        staff = require_role(trial, actor, "coordinator")
        row = may_reschedule(trial, number)
        if row["infusion_date"] != planned:
            raise Refused("infusion_changed_meanwhile", number=number,
                          infusion=row["infusion_date"])
        check_new_infusion(trial, number, new)
        window_end = dlt_window_end(trial.protocol, new)
        moved = set_infusion_date(trial.db, number, new_date=new, new_window_end=window_end,
                                  reason=reason, actor=actor)
        draft = AlertDraft("infusion-moved", "investigator", {
            "number": number, "level": row["dose_level"], "old": planned.isoformat(),
            "new": new.isoformat(), "new_end": window_end.isoformat(),
            "reason": reason.rstrip("."), "who": staff["name"]})
        trial.alert(draft, actor=actor)
        return Saved(record=moved, after=After(decision=None, alerts=[draft]))
