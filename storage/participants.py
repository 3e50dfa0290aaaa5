"""Participants (P-01, P-02, ...), DLT reports and escalation decisions.

Clinical decisions are made by callables the caller passes in; they run inside the
same transaction as the writes they decide, so two enrolments can never race.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlite_utils import Database

from storage.audit import record_change, record_insert
from storage.database import from_json, now, one, to_date, to_json, transaction
from storage.outbox import AlertDraft, add_alert
from storage.screenings import ReasonRequired

__all__ = [
    "AlertDraft",
    "EnrollmentRefused",
    "ParticipantNotFound",
    "Placement",
    "correct_dlt_judgement",
    "dlt_reports",
    "enroll",
    "escalation_decisions",
    "history_rows",
    "latest_escalation_decision",
    "participant",
    "record_dlt_report",
    "RescheduleRefused",
    "record_escalation_decision",
    "reschedule_infusion",
    "withdraw_participant",
]


@dataclass
class Placement:
    """Where a new participant goes, decided by the dose-escalation rules."""

    dose_level: int
    cohort: int
    expansion: bool
    cells_per_kg: float
    total_cells: float
    dlt_window_end: date
    alerts: list[AlertDraft] = field(default_factory=list)


class EnrollmentRefused(Exception):
    """The participant cannot be enrolled; `.reason` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ParticipantNotFound(LookupError):
    """No participant with that number (or no DLT report with that id)."""


class RescheduleRefused(ValueError):
    """The planned infusion date may no longer change (withdrawn, a DLT report exists, or what
    the caller's `alerts` saw); the message says why."""


ORDER = "CAST(substr(number, 3) AS INTEGER)"


def history_rows(db: Database) -> list[dict]:
    """One dict per participant in enrolment order, what the escalation rules need."""
    rows = db.query(
        "SELECT number, screening, dose_level, cohort, expansion, infusion_date, dlt_window_end,"
        " withdrawn_on, weight_kg, total_cells, EXISTS ("
        "  SELECT 1 FROM dlt_reports d WHERE d.participant = p.number AND d.is_dlt"
        "  AND d.onset_date <= p.dlt_window_end) AS has_dlt"
        f" FROM participants p ORDER BY {ORDER}"
    )
    return [dict(_participant_row(row), has_dlt=bool(row["has_dlt"])) for row in rows]


def enroll(
    db: Database,
    *,
    screening: str,
    weight_kg: float,
    infusion_date: date,
    actor: Any,
    plan: Callable[[list[dict]], Placement],
) -> dict:
    """Enrol an eligible candidate where `plan(history_rows)` places them, in one transaction."""
    with transaction(db):
        _check_enrollable(db, screening)
        placement = plan(history_rows(db))
        last = db.execute(f"SELECT coalesce(max({ORDER}), 0) FROM participants").fetchone()[0]
        number = f"P-{last + 1:02d}"
        row = {
            "screening": screening,
            "dose_level": placement.dose_level,
            "cohort": placement.cohort,
            "expansion": bool(placement.expansion),
            "weight_kg": weight_kg,
            "cells_per_kg": placement.cells_per_kg,
            "total_cells": placement.total_cells,
            "infusion_date": infusion_date.isoformat(),
            "dlt_window_end": placement.dlt_window_end.isoformat(),
        }
        db["participants"].insert(
            {"number": number, **row, "enrolled_by": str(actor), "enrolled_at": now()}
        )
        record_insert(db, actor=actor, table="participants", record=number, row=row)
        for alert in placement.alerts:
            add_alert(db, alert)
    return participant(db, number)


def withdraw_participant(
    db: Database,
    number: str,
    *,
    on: date,
    reason: str,
    actor: Any,
    alerts: Callable[[list[dict]], list[AlertDraft]] | None = None,
) -> dict:
    """Record that a participant left the trial on a date, and why; with `alerts`, also the
    alerts `alerts(history_rows)` asks for (the rows already show the withdrawal), atomically."""
    with transaction(db):
        old = _participant(db, number)
        if old["withdrawn_on"] is not None:
            raise ValueError(f"{number} was already withdrawn on {old['withdrawn_on']}")
        db["participants"].update(
            number, {"withdrawn_on": on.isoformat(), "withdrawal_reason": reason}
        )
        record_change(
            db,
            actor=actor,
            table="participants",
            record=number,
            field="withdrawn_on",
            old=None,
            new=on,
            reason=reason,
        )
        for alert in alerts(history_rows(db)) if alerts else ():
            add_alert(db, alert)
    return participant(db, number)


def reschedule_infusion(
    db: Database,
    number: str,
    *,
    new_date: date,
    new_window_end: date,
    reason: str,
    actor: Any,
    alerts: Callable[[dict], list[AlertDraft]] | None = None,
) -> dict:
    """Move a participant's planned infusion date and the DLT window end with it, audited with
    the old values and the reason; with `alerts`, also the alerts `alerts(old)` asks for (`old`:
    the participant as it stood, with its `dlt_reports`; it may raise RescheduleRefused), all in
    one transaction. Refused for a withdrawn participant or one with a DLT report."""
    if not reason:
        raise ReasonRequired("moving an infusion date needs a reason")
    with transaction(db):
        old = participant(db, number)
        if old is None:
            raise ParticipantNotFound(f"there is no participant {number}")
        if old["withdrawn_on"] is not None:
            raise RescheduleRefused(f"{number} was withdrawn on {old['withdrawn_on']}")
        if old["dlt_reports"]:
            raise RescheduleRefused(f"{number} already has a DLT report")
        drafts = alerts(old) if alerts else []
        new = {"infusion_date": new_date, "dlt_window_end": new_window_end}
        db["participants"].update(number, {key: day.isoformat() for key, day in new.items()})
        for key, day in new.items():
            record_change(db, actor=actor, table="participants", record=number, field=key,
                          old=old[key], new=day, reason=reason)
        for alert in drafts:
            add_alert(db, alert)
    return participant(db, number)


def participant(db: Database, number: str) -> dict | None:
    """A participant with its `dlt_reports` list, or None."""
    row = one(db, "SELECT * FROM participants WHERE number = ?", [number])
    if row is None:
        return None
    return dict(_participant_row(row), dlt_reports=dlt_reports(db, number))


def participants(db: Database) -> list[dict]:
    """Every participant in enrolment order (without their reports)."""
    return [
        _participant_row(row) for row in db.query(f"SELECT * FROM participants ORDER BY {ORDER}")
    ]


def record_dlt_report(
    db: Database,
    *,
    participant: str,
    event: str,
    grading: str,
    grade: int,
    onset_date: date,
    attribution: str,
    is_dlt: bool,
    suggested_dlt: bool,
    actor: Any,
    notes: str = "",
    alerts: Callable[[list[dict]], list[AlertDraft]],
) -> dict:
    """Store an adverse-event report and the alerts `alerts(history_rows)` asks for, atomically."""
    with transaction(db):
        _participant(db, participant)
        row = {
            "participant": participant,
            "event": event,
            "grading": grading,
            "grade": int(grade),
            "onset_date": onset_date.isoformat(),
            "attribution": attribution,
            "is_dlt": bool(is_dlt),
            "suggested_dlt": bool(suggested_dlt),
            "notes": notes,
        }
        report_id = (
            db["dlt_reports"]
            .insert({**row, "reported_by": str(actor), "reported_at": now()})
            .last_pk
        )
        record_insert(db, actor=actor, table="dlt_reports", record=report_id, row=row)
        for alert in alerts(history_rows(db)):
            add_alert(db, alert)
        return dlt_report(db, report_id)


def correct_dlt_judgement(
    db: Database,
    report_id: int,
    *,
    is_dlt: bool,
    actor: Any,
    reason: str,
    alerts: Callable[[list[dict]], list[AlertDraft]] | None = None,
) -> dict:
    """Change whether a report counts as a DLT; the audit keeps the earlier judgement. With
    `alerts`, also the alerts `alerts(history_rows)` asks for (the rows already show the change),
    atomically; a judgement that is already `is_dlt` changes nothing and raises no alert."""
    if not reason:
        raise ReasonRequired("correcting a DLT judgement needs a reason")
    with transaction(db):
        old = dlt_report(db, report_id)
        if old is None:
            raise ParticipantNotFound(f"there is no DLT report {report_id}")
        if old["is_dlt"] != bool(is_dlt):
            db["dlt_reports"].update(report_id, {"is_dlt": bool(is_dlt)})
            record_change(
                db,
                actor=actor,
                table="dlt_reports",
                record=report_id,
                field="is_dlt",
                old=old["is_dlt"],
                new=bool(is_dlt),
                reason=reason,
            )
            for alert in alerts(history_rows(db)) if alerts else ():
                add_alert(db, alert)
        return dlt_report(db, report_id)


def dlt_report(db: Database, report_id: int) -> dict | None:
    row = one(db, "SELECT * FROM dlt_reports WHERE id = ?", [report_id])
    return _report_row(row) if row else None


def dlt_reports(db: Database, participant: str | None = None) -> list[dict]:
    """DLT reports in the order they were made, for one participant or all."""
    where, params = ("participant = ?", [participant]) if participant else (None, [])
    return [_report_row(row) for row in db["dlt_reports"].rows_where(where, params, order_by="id")]


def record_escalation_decision(
    db: Database,
    *,
    history: str,
    recommendation: dict,
    action: str,
    dose_level: int | None,
    actor: Any,
    alerts: list[AlertDraft] = (),
) -> dict:
    """Store the investigator's confirmed escalation decision, audited, with its alerts."""
    row = {
        "history": history,
        "recommendation": to_json(recommendation),
        "action": action,
        "dose_level": dose_level,
    }
    with transaction(db):
        decision_id = (
            db["escalation_decisions"]
            .insert({**row, "confirmed_by": str(actor), "confirmed_at": now()})
            .last_pk
        )
        audited = dict(row, recommendation=recommendation)
        record_insert(
            db, actor=actor, table="escalation_decisions", record=decision_id, row=audited
        )
        for alert in alerts:
            add_alert(db, alert)
        return _decision_row(
            one(db, "SELECT * FROM escalation_decisions WHERE id = ?", [decision_id])
        )


def escalation_decisions(db: Database) -> list[dict]:
    """Every escalation decision, oldest first."""
    return [_decision_row(row) for row in db["escalation_decisions"].rows_where(order_by="id")]


def latest_escalation_decision(db: Database) -> dict | None:
    row = one(db, "SELECT * FROM escalation_decisions ORDER BY id DESC LIMIT 1")
    return _decision_row(row) if row else None


def _check_enrollable(db: Database, screening: str) -> None:
    found = one(db, "SELECT status FROM screenings WHERE number = ?", [screening])
    if found is None:
        raise EnrollmentRefused(f"there is no screening {screening}")
    if found["status"] != "eligible":
        status = found["status"].replace("_", " ")
        raise EnrollmentRefused(f"screening {screening} is {status}, not eligible")
    enrolled = one(db, "SELECT number FROM participants WHERE screening = ?", [screening])
    if enrolled:
        raise EnrollmentRefused(
            f"screening {screening} is already enrolled as {enrolled['number']}"
        )


def _participant(db: Database, number: str) -> dict:
    row = one(db, "SELECT * FROM participants WHERE number = ?", [number])
    if row is None:
        raise ParticipantNotFound(f"there is no participant {number}")
    return row


def _participant_row(row: dict) -> dict:
    return dict(
        row,
        expansion=bool(row["expansion"]),
        infusion_date=to_date(row["infusion_date"]),
        dlt_window_end=to_date(row["dlt_window_end"]),
        withdrawn_on=to_date(row["withdrawn_on"]),
    )


def _report_row(row: dict) -> dict:
    return dict(
        row,
        is_dlt=bool(row["is_dlt"]),
        suggested_dlt=bool(row["suggested_dlt"]),
        onset_date=to_date(row["onset_date"]),
    )


def _decision_row(row: dict) -> dict:
    return dict(row, recommendation=from_json(row["recommendation"]))
