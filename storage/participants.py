"""Participants (P-01, P-02, ...), DLT reports and escalation decisions: plain reads and
audited writes. The decisions that decide a write (the 3+3 engine) are the use cases' job
(storage.usecases); they call these inside their own transaction."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from domain.dosing import LYMPHODEPLETION
from domain.reasons import Refused
from storage.audit import record_change, record_insert
from storage.database import (
    from_json,
    insert_row,
    now,
    one,
    read_once,
    rows_of,
    rows_where,
    to_date,
    to_json,
)

ORDER = "CAST(substr(number, 3) AS INTEGER)"
# A participant with what their infusion and DLT evaluation records add (NULL until recorded).
WITH_RECORDS = (
    "SELECT p.*, i.infused_at, i.infused_cells, e.confirmed_by AS evaluated_by,"
    " e.confirmed_at AS evaluated_at"
    " FROM participants p LEFT JOIN infusions i ON i.participant = p.number"
    " LEFT JOIN dlt_evaluations e ON e.participant = p.number"
)


@dataclass
class Placement:
    """Where a new participant goes, decided by the dose-escalation rules."""

    dose_level: int
    cohort: int
    expansion: bool
    cells_per_kg: float
    total_cells: float
    dlt_window_end: date


def history_rows(db: Database) -> list[dict]:
    """One dict per participant in enrolment order, what the escalation rules need: the
    participant, their infusion and evaluation records, and `has_dlt` (a report judged a DLT
    with its onset in the window)."""
    rows = rows_of(
        db,
        f"SELECT r.*, EXISTS ("
        "  SELECT 1 FROM dlt_reports d WHERE d.participant = r.number AND d.is_dlt"
        "  AND d.onset_date <= r.dlt_window_end) AS has_dlt"
        f" FROM ({WITH_RECORDS}) r ORDER BY {ORDER}"
    )
    return [dict(_participant_row(row), has_dlt=bool(row["has_dlt"])) for row in rows]


def next_participant_number(db: Database) -> str:
    last = db.execute(f"SELECT coalesce(max({ORDER}), 0) FROM participants").fetchone()[0]
    return f"P-{last + 1:02d}"


def add_participant(db: Database, *, screening: str, placement: Placement, weight_kg: float,
                    infusion_date: date, actor: Any) -> dict:
    """Enrol an eligible, not yet enrolled candidate where `placement` says (audited)."""
    check_enrollable(db, screening)
    number = next_participant_number(db)
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
    insert_row(db, "participants", {"number": number, **row, "enrolled_by": str(actor),
                               "enrolled_at": now()})
    record_insert(db, actor=actor, table="participants", record=number, row=row)
    return participant(db, number)


def set_withdrawal(db: Database, number: str, *, on: date, reason: str, actor: Any) -> dict:
    """Record that a participant left the trial on a date, and why (audited)."""
    old = existing_participant(db, number)
    if old["withdrawn_on"] is not None:
        raise Refused("already_withdrawn", number=number, on=old["withdrawn_on"],
                      reason=old["withdrawal_reason"])
    db["participants"].update(number, {"withdrawn_on": on.isoformat(),
                                       "withdrawal_reason": reason})
    record_change(db, actor=actor, table="participants", record=number, field="withdrawn_on",
                  old=None, new=on, reason=reason)
    return participant(db, number)


def set_infusion_date(db: Database, number: str, *, new_date: date, new_window_end: date,
                      reason: str, actor: Any) -> dict:
    """Move a participant's planned infusion date and the DLT window end with it, audited with
    the old values and the reason."""
    if not reason:
        raise Refused("reason_required")
    old = existing_participant(db, number)
    new = {"infusion_date": new_date, "dlt_window_end": new_window_end}
    db["participants"].update(number, {key: day.isoformat() for key, day in new.items()})
    for key, day in new.items():
        record_change(db, actor=actor, table="participants", record=number, field=key,
                      old=old[key], new=day, reason=reason)
    return participant(db, number)


def participant(db: Database, number: str) -> dict | None:
    """A participant with its `dlt_reports` list and `infusion` record (or None), or None."""
    row = one(db, f"SELECT * FROM ({WITH_RECORDS}) WHERE number = ?", [number])
    if row is None:
        return None
    return dict(_participant_row(row), dlt_reports=dlt_reports(db, number),
                infusion=infusion_record(db, number))


def existing_participant(db: Database, number: str) -> dict:
    found = participant(db, number)
    if found is None:
        raise Refused("no_participant", number=number)
    return found


def participants(db: Database) -> list[dict]:
    """Every participant in enrolment order (without their reports)."""
    return [_participant_row(row)
            for row in rows_of(db, f"SELECT * FROM ({WITH_RECORDS}) ORDER BY {ORDER}")]


# --- the infusion as given, and the end of the DLT window confirmed -------------------------

def add_infusion(db: Database, number: str, *, infused_at: datetime, infused_cells: float,
                 lymphodepletion: dict[str, tuple[date, date] | None], window_end: date,
                 actor: Any) -> dict:
    """Record a participant's infusion (once; audited) and move the DLT window end to the one
    that runs from it, audited with the old value."""
    old = existing_participant(db, number)
    if old["infusion"] is not None:
        raise Refused("already_infused", number=number, at=old["infusion"]["infused_at"])
    row = {"infused_at": infused_at.isoformat(timespec="minutes"),
           "infused_cells": float(infused_cells)}
    for drug in LYMPHODEPLETION:
        days = lymphodepletion.get(drug)
        row[f"{drug}_start"], row[f"{drug}_end"] = (
            (days[0].isoformat(), days[1].isoformat()) if days else (None, None))
    insert_row(db, "infusions", {"participant": number, **row, "recorded_by": str(actor),
                            "recorded_at": now()})
    record_insert(db, actor=actor, table="infusions", record=number, row=row)
    if old["dlt_window_end"] != window_end:
        db["participants"].update(number, {"dlt_window_end": window_end.isoformat()})
        record_change(db, actor=actor, table="participants", record=number,
                      field="dlt_window_end", old=old["dlt_window_end"], new=window_end,
                      reason="DLT window from the infusion recorded")
    return participant(db, number)


def infusion_record(db: Database, number: str) -> dict | None:
    """A participant's infusion as recorded: `infused_at` (aware datetime), `infused_cells`,
    and per lymphodepleting drug its (first, last) day or None."""
    row = one(db, "SELECT * FROM infusions WHERE participant = ?", [number])
    if row is None:
        return None
    days = {drug: (to_date(row[f"{drug}_start"]), to_date(row[f"{drug}_end"]))
            if row[f"{drug}_start"] else None for drug in LYMPHODEPLETION}
    return dict(row, infused_at=datetime.fromisoformat(row["infused_at"]), **days)


def add_evaluation(db: Database, number: str, *, actor: Any) -> dict:
    """Record that an investigator confirmed the DLT window completed without a DLT (once;
    audited)."""
    old = existing_participant(db, number)
    if old["evaluated"]:
        raise Refused("already_evaluated", number=number, who=old["evaluated_by"],
                      when=old["evaluated_at"])
    insert_row(db, "dlt_evaluations", {"participant": number, "confirmed_by": str(actor),
                                  "confirmed_at": now()})
    record_insert(db, actor=actor, table="dlt_evaluations", record=number,
                  row={"dlt_window_completed_without_dlt": True})
    return participant(db, number)


def enrolled_as(db: Database, screening: str) -> str | None:
    """The participant number a screening was enrolled as, or None."""
    row = one(db, "SELECT number FROM participants WHERE screening = ?", [screening])
    return row["number"] if row else None


def add_dlt_report(db: Database, *, participant: str, event: str, grading: str, grade: int,
                   onset_date: date, attribution: str, is_dlt: bool, suggested_dlt: bool,
                   actor: Any, notes: str = "") -> dict:
    """Store an adverse-event report with the investigator's judgement (audited)."""
    existing_participant(db, participant)
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
    report_id = insert_row(db, "dlt_reports",
                           {**row, "reported_by": str(actor), "reported_at": now()})
    record_insert(db, actor=actor, table="dlt_reports", record=report_id, row=row)
    return dlt_report(db, report_id)


def set_dlt_judgement(db: Database, report_id: int, *, is_dlt: bool, actor: Any,
                      reason: str) -> dict:
    """Change whether a report counts as a DLT; the audit keeps the earlier judgement. The
    same judgement again changes nothing."""
    if not reason:
        raise Refused("reason_required")
    old = dlt_report(db, report_id)
    if old is None:
        raise Refused("no_report", report=report_id)
    if old["is_dlt"] != bool(is_dlt):
        db["dlt_reports"].update(report_id, {"is_dlt": bool(is_dlt)})
        record_change(db, actor=actor, table="dlt_reports", record=report_id, field="is_dlt",
                      old=old["is_dlt"], new=bool(is_dlt), reason=reason)
    return dlt_report(db, report_id)


def dlt_report(db: Database, report_id: int) -> dict | None:
    row = one(db, "SELECT * FROM dlt_reports WHERE id = ?", [report_id])
    return _report_row(row) if row else None


def dlt_reports(db: Database, participant: str | None = None) -> list[dict]:
    """DLT reports in the order they were made, for one participant or all."""
    where, params = ("participant = ?", [participant]) if participant else (None, [])
    return [_report_row(row)
            for row in rows_where(db, "dlt_reports", where, params, order_by="id")]


def add_escalation_decision(db: Database, *, history: str, recommendation: dict, action: str,
                            dose_level: int | None, actor: Any) -> dict:
    """Store the investigator's confirmed escalation decision (audited)."""
    row = {"history": history, "recommendation": to_json(recommendation), "action": action,
           "dose_level": dose_level}
    decision_id = insert_row(db, "escalation_decisions",
                             {**row, "confirmed_by": str(actor), "confirmed_at": now()})
    record_insert(db, actor=actor, table="escalation_decisions", record=decision_id,
                  row=dict(row, recommendation=recommendation))
    return _decision_row(one(db, "SELECT * FROM escalation_decisions WHERE id = ?",
                             [decision_id]))


def escalation_decisions(db: Database) -> list[dict]:
    """Every escalation decision, oldest first."""
    return [_decision_row(row) for row in read_once(
        db, "escalation decisions", lambda: rows_where(db, "escalation_decisions", order_by="id"))]


def latest_escalation_decision(db: Database) -> dict | None:
    row = one(db, "SELECT * FROM escalation_decisions ORDER BY id DESC LIMIT 1")
    return _decision_row(row) if row else None


def check_enrollable(db: Database, screening: str) -> None:
    """Refused unless the screening exists, is eligible and is not enrolled yet."""
    found = one(db, "SELECT status FROM screenings WHERE number = ?", [screening])
    if found is None:
        raise Refused("no_screening", number=screening)
    if found["status"] != "eligible":
        raise Refused("screening_not_eligible", number=screening, status=found["status"])
    taken = enrolled_as(db, screening)
    if taken:
        raise Refused("already_enrolled", number=screening, participant=taken)


def _participant_row(row: dict) -> dict:
    """A stored participant (with WITH_RECORDS' columns) as Python values; `infused_on` is the
    day of the recorded infusion (the site's), `infusion_day` that day or, until it is
    recorded, the planned `infusion_date`."""
    infused_at = row.get("infused_at")
    infused_on = datetime.fromisoformat(infused_at).date() if infused_at else None
    planned = to_date(row["infusion_date"])
    return dict(
        row,
        expansion=bool(row["expansion"]),
        infusion_date=planned,
        dlt_window_end=to_date(row["dlt_window_end"]),
        withdrawn_on=to_date(row["withdrawn_on"]),
        infused_on=infused_on,
        infusion_day=infused_on or planned,
        evaluated=row.get("evaluated_at") is not None,
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
