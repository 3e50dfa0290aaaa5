"""Reports: what the escalation chart shows, the counts of the screening log (a CONSORT-style
flow), and the records exported for the trial master file and the monitors.

Everything here reads, except `record_export`: an export is itself audited (who exported what,
when). No words: sheets and columns are keys that handlers/texts.py names and explains, and the
chart and the workbook are drawn by telegram-free handlers modules (handlers/chart.py,
handlers/export.py) that `/status`, `/export` and the shell share.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel

from domain.escalation import Decision, Outcome, decide, format_history, parse_history
from domain.reasons import Reason
from storage.audit import audit_trail, record_change
from storage.database import from_json, transaction
from storage.participants import dlt_reports, escalation_decisions, participants
from storage.screenings import (
    enrolled_counts,
    failure_counts,
    list_screenings,
    status_counts,
)
from storage.staff import get_staff
from storage.usecases.escalation import require_role
from storage.usecases.status import Snapshot, snapshot
from storage.usecases.trial import Trial

# --- the escalation chart ------------------------------------------------------------------


class Mark(BaseModel):
    """One participant on the chart: where they were enrolled and how their DLT window ended."""

    label: str  # "P-03"; in a hypothetical history, the position ("3")
    dose_level: int
    outcome: Outcome
    expansion: bool = False


class Level(BaseModel):
    level: int
    label: str
    cells_per_kg: float


class Picture(BaseModel):
    """What the escalation chart shows: every participant in enrolment order at their dose
    level, the cohorts (sizes, in order), and the 3+3 answer, or the reason there is none."""

    trial: str
    levels: list[Level]
    marks: list[Mark]
    cohorts: list[int]
    history: str
    cap: int
    decision: Decision | None
    error: Reason | None = None
    hypothetical: bool = False


def escalation_picture(trial: Trial, snap: Snapshot | None = None) -> Picture:
    """The trial as it stands (the snapshot /status already read, or a new one)."""
    snap = snap or snapshot(trial)
    enrolments = trial.enrolments(snap.rows)
    marks = [Mark(label=row["number"], dose_level=e.dose_level, outcome=e.outcome,
                  expansion=e.expansion) for row, e in zip(snap.rows, enrolments, strict=True)]
    return _picture(trial, marks, enrolments, snap.decision, snap.error)


def what_if_picture(trial: Trial, history: str) -> Picture:
    """A hypothetical history drawn the same way (raises HistoryError, like what_if)."""
    enrolments = parse_history(history)
    decision = decide(trial.protocol, enrolments)
    marks = [Mark(label=str(n), dose_level=e.dose_level, outcome=e.outcome,
                  expansion=e.expansion) for n, e in enumerate(enrolments, start=1)]
    return _picture(trial, marks, enrolments, decision, None, hypothetical=True)


def _picture(trial: Trial, marks, enrolments, decision, error, hypothetical=False) -> Picture:
    protocol = trial.protocol
    history = format_history(enrolments, protocol.escalation.cohort_size)
    return Picture(
        trial=protocol.name, marks=marks, history=history, cohorts=cohort_sizes(history),
        levels=[Level(level=d.level, label=d.label, cells_per_kg=d.cells_per_kg)
                for d in protocol.dose_levels],
        cap=protocol.escalation.max_participants, decision=decision, error=error,
        hypothetical=hypothetical)


def cohort_sizes(history: str) -> list[int]:
    """How many participants each cohort of an outcome string has: "1NNT 1NN +2N" -> [3, 2, 1]."""
    return [len(token.lstrip("+").lstrip("0123456789")) for token in history.split()]


# --- the screening log ---------------------------------------------------------------------


class CriterionCount(BaseModel):
    number: int
    id: str
    count: int


class LevelCount(BaseModel):
    level: int
    count: int


class ScreeningCounts(BaseModel):
    """The counts a CONSORT-style flow needs, for screenings started from `since` to `until`
    (the site's calendar days, both included; None: no limit). A candidate failing several
    criteria counts under each of them and once in `screen_failures`."""

    since: date | None = None
    until: date | None = None
    screened: int
    in_progress: int
    eligible: int
    screen_failures: int
    withdrawn: int
    enrolled: int
    failures_by_criterion: list[CriterionCount]
    enrolled_by_level: list[LevelCount]


def screening_counts(trial: Trial, since: date | None = None,
                     until: date | None = None) -> ScreeningCounts:
    """The CONSORT-style counts for screenings started on the site's days `since`..`until`,
    from indexed queries and SQLite's JSON functions: as fast with 10,000 screenings as 100."""
    bounds = (utc_start(trial, since), utc_start(trial, until + timedelta(days=1))
              if until else None)
    statuses = status_counts(trial.db, *bounds)
    failed = failure_counts(trial.db, *bounds)
    enrolled = enrolled_counts(trial.db, *bounds)
    return ScreeningCounts(
        since=since, until=until, screened=sum(statuses.values()),
        in_progress=statuses.get("in_progress", 0), eligible=statuses.get("eligible", 0),
        screen_failures=statuses.get("screen_failure", 0),
        withdrawn=statuses.get("withdrawn", 0), enrolled=sum(enrolled.values()),
        failures_by_criterion=[
            CriterionCount(number=number, id=cid, count=count)
            for (number, cid), count in sorted(failed.items(), key=lambda i: (-i[1], i[0]))],
        enrolled_by_level=[LevelCount(level=d.level, count=enrolled.get(d.level, 0))
                           for d in trial.protocol.dose_levels])


def utc_start(trial: Trial, day: date | None) -> str | None:
    """The UTC timestamp (as stored) at which the site's `day` begins."""
    if day is None:
        return None
    local = datetime.combine(day, time(), tzinfo=trial.timezone)
    return local.astimezone(UTC).isoformat(timespec="seconds")


def failed_criteria(verdict: Any) -> list[dict]:
    """The criteria a stored verdict found not met (none for a verdict without criteria)."""
    criteria = verdict.get("criteria") if isinstance(verdict, dict) else None
    return [c for c in criteria or [] if c.get("status") == "not_met"]


def _within(day: date, since: date | None, until: date | None) -> bool:
    return (since is None or day >= since) and (until is None or day <= until)


# --- the export ----------------------------------------------------------------------------

SHELL = "shell"  # `trialbot export`: the operator at the server, who can read the file anyway
EXPORTER_ROLE = "investigator"
SEX_CODES = {"female": "F", "male": "M"}  # SDTM SEX
DOSE_UNIT = "CAR+ T cells/kg"  # EXDOSU
WITHDRAWN = "WITHDRAWN"  # DSDECOD of a participant who left the trial

Cell = str | int | float | None


class Table(BaseModel):
    """One sheet (one CSV): `name` and `columns` are keys handlers/texts.py words and explains;
    every value is plain (text, number or empty), dates and times ISO 8601, times in UTC."""

    name: str
    columns: list[str]
    rows: list[list[Cell]]


class Export(BaseModel):
    study: str
    site: str
    time_zone: str
    exported_at: str  # UTC, ISO 8601
    exported_by: str  # the staff member's name, or "shell"
    tables: list[Table]

    def table(self, name: str) -> Table:
        return next(table for table in self.tables if table.name == name)


def export_records(trial: Trial, *, actor: Any) -> Export:
    """Every record of the trial, as tables, read in one transaction (one consistent moment).
    Investigators and admins (and the shell); nothing is written: see record_export."""
    with transaction(trial.db):
        _require_exporter(trial, actor)
        sheet = Sheets(trial)
        tables = [table(name, rows()) for name, rows in sheet.all().items()]
    return Export(study=trial.protocol.name, site=trial.site, time_zone=str(trial.timezone),
                  exported_at=trial.clock().astimezone(UTC).isoformat(timespec="seconds"),
                  exported_by=trial.staff_name(actor), tables=tables)


def record_export(trial: Trial, export: Export, *, actor: Any, files: list[str]) -> None:
    """Audit an export once it is written or sent: who, when, which files, how many rows."""
    with transaction(trial.db):
        _require_exporter(trial, actor)
        record_change(trial.db, actor=actor, table="exports", record=export.exported_at,
                      field="export", old=None,
                      new={"files": files, "rows": {t.name: len(t.rows) for t in export.tables}})


def _require_exporter(trial: Trial, actor: Any) -> None:
    if actor != SHELL:
        require_role(trial, actor, EXPORTER_ROLE)


def table(name: str, rows: Iterable[dict[str, Any]]) -> Table:
    """A sheet from rows given as {column: value}, its columns in the order COLUMNS says."""
    columns = COLUMNS[name]
    return Table(name=name, columns=list(columns),
                 rows=[[cell(row[column]) for column in columns] for row in rows])


def cell(value: Any) -> Cell:
    """A stored value as a sheet holds it: booleans Y/N (SDTM), dates ISO 8601, lists and
    mappings as JSON text; text and numbers as they are."""
    if value is None or isinstance(value, str | int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class Sheets:
    """The rows of each sheet, by its key (in the order the workbook shows them)."""

    def __init__(self, trial: Trial):
        self.trial = trial
        self.db = trial.db
        self.study, self.site = trial.protocol.name, trial.site

    def all(self) -> dict[str, Callable[[], Iterable[dict[str, Any]]]]:
        return {"screening_log": self.screening_log, "answers": self.answers,
                "participants": self.participants, "dlt_reports": self.dlt_reports,
                "decisions": self.decisions, "alerts": self.alerts,
                "staff_changes": self.staff_changes, "audit": self.audit}

    def usubjid(self, number: str | None) -> str | None:
        return f"{self.study}-{self.site}-{number}" if number else None

    def label(self, level: int | None) -> str | None:
        return self.trial.protocol.dose_level(level).label if level else None

    def screening_log(self):
        for row in list_screenings(self.db):
            failed = failed_criteria(row["verdict"])
            verdict = row["verdict"].get("status") if isinstance(row["verdict"], dict) else None
            yield {"STUDYID": self.study, "SITEID": self.site, "screening": row["number"],
                   "started_at": row["started_at"], "finished_at": row["finished_at"],
                   "AGE": row["age"], "SEX": SEX_CODES.get(row["sex"], row["sex"]),
                   "status": row["status"], "verdict": verdict,
                   "failed_criteria": "; ".join(f"{c['number']} {c['id']}" for c in failed),
                   "failed_count": len(failed), "USUBJID": self.usubjid(row["participant"]),
                   "SUBJID": row["participant"]}

    def answers(self):
        rows = self.db.query(
            "SELECT * FROM answers ORDER BY CAST(substr(screening, 3) AS INTEGER), rowid")
        for row in rows:
            yield {"screening": row["screening"], "IETESTCD": row["question_id"],
                   "IEORRES": row["entered"], "IEORRESU": row["unit"],
                   "IESTRESC": from_json(row["value"]), "standing": row["value"] is not None,
                   "answered_by": row["answered_by"], "answered_at": row["answered_at"]}

    def participants(self):
        for row in participants(self.db):
            yield {"STUDYID": self.study, "SITEID": self.site,
                   "USUBJID": self.usubjid(row["number"]), "SUBJID": row["number"],
                   "screening": row["screening"], "ARMCD": self.label(row["dose_level"]),
                   "cohort": row["cohort"], "expansion": row["expansion"],
                   "weight_kg": row["weight_kg"], "EXDOSE": row["cells_per_kg"],
                   "EXDOSU": DOSE_UNIT, "total_cells": row["total_cells"],
                   "EXSTDTC": row["infusion_date"], "dlt_window_end": row["dlt_window_end"],
                   "DSDECOD": WITHDRAWN if row["withdrawn_on"] else None,
                   "DSTERM": row["withdrawal_reason"], "DSSTDTC": row["withdrawn_on"],
                   "enrolled_by": row["enrolled_by"], "enrolled_at": row["enrolled_at"]}

    def dlt_reports(self):
        sequence: Counter[str] = Counter()
        for row in dlt_reports(self.db):
            sequence[row["participant"]] += 1
            yield {"USUBJID": self.usubjid(row["participant"]), "SUBJID": row["participant"],
                   "AESEQ": sequence[row["participant"]], "report_id": row["id"],
                   "AETERM": row["event"], "grading": row["grading"], "AETOXGR": row["grade"],
                   "AESTDTC": row["onset_date"], "AEREL": row["attribution"],
                   "dlt_suggested": row["suggested_dlt"], "dlt": row["is_dlt"],
                   "notes": row["notes"], "reported_by": row["reported_by"],
                   "reported_at": row["reported_at"]}

    def decisions(self):
        for row in escalation_decisions(self.db):
            shown = row["recommendation"] or {}
            yield {"decision_id": row["id"], "history": row["history"], "action": row["action"],
                   "dose_level": self.label(row["dose_level"]),
                   "next_dose": self.label(shown.get("next_dose")),
                   "mtd": self.label(shown.get("mtd")),
                   "confirmed_by": row["confirmed_by"],
                   "confirmed_by_name": self.name(row["confirmed_by"]),
                   "confirmed_at": row["confirmed_at"]}

    def name(self, actor: str) -> str | None:
        found = get_staff(self.db, int(actor)) if str(actor).isdigit() else None
        return found["name"] if found else None

    def alerts(self):
        for row in self.db["alerts"].rows_where(order_by="id"):
            yield {"alert_id": row["id"], "kind": row["kind"], "recipients": row["recipients"],
                   "params": row["params"], "text": row["text"], "created_at": row["created_at"],
                   "attempts": row["attempts"], "last_error": row["last_error"],
                   "delivered_at": row["delivered_at"],
                   "acknowledged_at": row["acknowledged_at"],
                   "acknowledged_by": row["acknowledged_by"]}

    def staff_changes(self):
        for row in audit_trail(self.db, "staff"):
            yield {"audit_id": row["id"], "at": row["at"], "actor": row["actor"],
                   "user_id": row["record_id"], "field": row["field"],
                   "old_value": row["old_value"], "new_value": row["new_value"],
                   "reason": row["reason"]}

    def audit(self):
        for row in audit_trail(self.db):
            yield {"audit_id": row["id"], "at": row["at"], "actor": row["actor"],
                   "table": row["table_name"], "record": row["record_id"],
                   "field": row["field"], "old_value": row["old_value"],
                   "old_typed": row["old_typed"], "new_value": row["new_value"],
                   "new_typed": row["new_typed"], "reason": row["reason"]}


# Each sheet's columns in order; handlers/texts.py (EXPORT) has a header and a meaning for each.
COLUMNS: dict[str, tuple[str, ...]] = {
    "screening_log": ("STUDYID", "SITEID", "screening", "started_at", "finished_at", "AGE",
                      "SEX", "status", "verdict", "failed_criteria", "failed_count", "USUBJID",
                      "SUBJID"),
    "answers": ("screening", "IETESTCD", "IEORRES", "IEORRESU", "IESTRESC", "standing",
                "answered_by", "answered_at"),
    "participants": ("STUDYID", "SITEID", "USUBJID", "SUBJID", "screening", "ARMCD", "cohort",
                     "expansion", "weight_kg", "EXDOSE", "EXDOSU", "total_cells", "EXSTDTC",
                     "dlt_window_end", "DSDECOD", "DSTERM", "DSSTDTC", "enrolled_by",
                     "enrolled_at"),
    "dlt_reports": ("USUBJID", "SUBJID", "AESEQ", "report_id", "AETERM", "grading", "AETOXGR",
                    "AESTDTC", "AEREL", "dlt_suggested", "dlt", "notes", "reported_by",
                    "reported_at"),
    "decisions": ("decision_id", "history", "action", "dose_level", "next_dose", "mtd",
                  "confirmed_by", "confirmed_by_name", "confirmed_at"),
    "alerts": ("alert_id", "kind", "recipients", "params", "text", "created_at", "attempts",
               "last_error", "delivered_at", "acknowledged_at", "acknowledged_by"),
    "staff_changes": ("audit_id", "at", "actor", "user_id", "field", "old_value", "new_value",
                      "reason"),
    "audit": ("audit_id", "at", "actor", "table", "record", "field", "old_value", "old_typed",
              "new_value", "new_typed", "reason"),
}
