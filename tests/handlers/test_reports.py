"""/status and /whatif with the escalation chart, /export's workbook checked sheet by sheet
against the database, and /screenlog's CONSORT counts with a date range."""

from __future__ import annotations

import io
import json
import struct
from datetime import timedelta

from openpyxl import load_workbook

from handlers.chart import HEIGHT, WIDTH
from handlers.texts import ACCESS, EXPORT
from handlers.texts import STATUS as T
from storage.audit import audit_trail
from storage.outbox import acknowledge
from storage.screenings import (
    finish_screening,
    retract_answer,
    save_answer,
    start_screening,
    withdraw_screening,
)
from storage.usecases.escalation import confirm_step
from storage.usecases.events import report_dlt
from storage.usecases.reports import COLUMNS
from storage.usecases.staff import add_member
from tests.handlers.conftest import ADMIN, COORDINATOR, INVESTIGATOR
from tests.handlers.helpers_enrollment import CLOSED, OPEN, enrol_directly, trial_of
from tests.handlers.test_screening import ELIGIBLE, answer_all

SHEETS = EXPORT["sheets"]
HEADER = {key: header for key, (header, _) in EXPORT["columns"].items()}
FORMULA_LIKE = "=HYPERLINK(\"http://x\") moved away"  # typed text that must stay text


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


# --- the chart ----------------------------------------------------------------------------------

async def test_status_sends_the_chart_with_its_text(app, driver):
    enrol_directly(app, days_ago=OPEN)
    [chart, reply] = await driver.send(COORDINATOR, "/status")
    assert chart.method == "sendPhoto" and reply.method == "sendMessage"
    assert png_size(driver.file(chart)) == (WIDTH, HEIGHT) == (960, 720)
    assert "RD06-04: 1 enrolled, 11 of 12 places left." in reply.text


async def test_whatif_draws_the_hypothetical_and_a_refused_history_draws_nothing(app, driver):
    [status_chart, _] = await driver.send(COORDINATOR, "/status")
    [chart, reply] = await driver.send(COORDINATOR, "/whatif 1NNT 1NN")
    assert png_size(driver.file(chart)) == (WIDTH, HEIGHT)
    assert driver.file(chart) != driver.file(status_chart)
    assert "What if 1NNT 1NN" in reply.text
    [refused] = await driver.send(COORDINATOR, "/whatif 2NNN")
    assert "does not allow" in refused.text


# --- the export ---------------------------------------------------------------------------------

def story(app) -> dict:
    """A trial with something of every kind: answers typed with units and one corrected with a
    reason, a screen failure, a withdrawn and an open screening, three participants, a DLT, a
    confirmed step, an acknowledged alert, a new staff member."""
    trial = trial_of(app)
    db = trial.db
    number = start_screening(db, actor=COORDINATOR)
    for question, value, entered, unit in [
            ("age", 34, "34", "years"), ("sex", "female", "Female", None),
            ("eular_items", ["fever", "alopecia"], "fever, alopecia", None),
            ("bilirubin", 20.52, "1.2 mg/dL", "mg/dL")]:
        save_answer(db, number, question, value=value, entered=entered, unit=unit,
                    actor=COORDINATOR)
    retract_answer(db, number, "bilirubin", actor=COORDINATOR, reason="lab sheet misread")
    save_answer(db, number, "bilirubin", value=18.0, entered="18 µmol/L", unit="µmol/L",
                actor=COORDINATOR)
    verdict = {"status": "not_eligible", "criteria": [
        {"number": 9, "id": "platelets", "status": "not_met"},
        {"number": 20, "id": "lvef", "status": "not_met"},
        {"number": 2, "id": "age", "status": "met"}]}
    finish_screening(db, number, status="screen_failure", verdict=verdict, actor=COORDINATOR)
    withdraw_screening(db, start_screening(db, actor=COORDINATOR), actor=COORDINATOR,
                       reason=FORMULA_LIKE)
    start_screening(db, actor=COORDINATOR)
    rows = [enrol_directly(app, days_ago=CLOSED) for _ in range(3)]
    report_dlt(trial, number=rows[2]["number"], event="crs", grade=4,
               onset=rows[2]["infusion_date"] + timedelta(days=5), attribution="probable",
               is_dlt=True, actor=INVESTIGATOR)
    confirm_step(trial, action="expand", level=1, actor=INVESTIGATOR)
    acknowledge(db, 1, by=INVESTIGATOR)
    add_member(trial, user_id=777, name="Nurse Wang", role="coordinator", actor=ADMIN)
    return {"failed": number, "participants": rows}


def sheet_rows(book, key: str) -> list[dict]:
    """A sheet's rows as {header: value}."""
    header, *rows = book[SHEETS[key]].iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def shown(rows: list[dict], *keys: str) -> list[tuple]:
    """The columns `keys` (column keys, by their headers) of every row."""
    return [tuple(row[HEADER[key]] for key in keys) for row in rows]


def decoded(text):
    value = json.loads(text) if text is not None else None
    if isinstance(value, bool):
        return "Y" if value else "N"
    return json.dumps(value, ensure_ascii=False, sort_keys=True) \
        if isinstance(value, list | dict) else value


def yes_no(flag) -> str:
    return "Y" if flag else "N"


def usubjid(number):
    return f"RD06-04-01-{number}" if number else None


async def exported(driver, who=INVESTIGATOR):
    [document] = await driver.send(who, "/export")
    assert document.method == "sendDocument"
    return document, load_workbook(io.BytesIO(driver.file(document)))


async def test_export_is_refused_to_a_coordinator(app, driver, db):
    [reply] = await driver.send(COORDINATOR, "/export")
    assert reply.text == ACCESS["needs_role"].format(role="investigator", have="coordinator")
    assert driver.fake.calls_of("sendDocument") == [] and audit_trail(db, "exports") == []


async def test_the_workbook_matches_the_database_row_by_row(app, driver, db):
    made = story(app)
    audit_before = list(db.query("SELECT * FROM audit ORDER BY id"))

    document, book = await exported(driver)

    assert document.raw["document"]["file_name"].startswith("RD06-04-01-export-")
    assert "recorded in the audit trail" in document.caption
    assert book.sheetnames == [SHEETS[key] for key in ("about", *COLUMNS, "columns")]

    screenings = list(db.query(
        "SELECT s.*, p.number AS participant FROM screenings s"
        " LEFT JOIN participants p ON p.screening = s.number ORDER BY s.number"))
    log = sheet_rows(book, "screening_log")
    assert shown(log, "screening", "started_at", "finished_at", "AGE", "status", "USUBJID") == [
        (s["number"], s["started_at"], s["finished_at"], s["age"], s["status"],
         usubjid(s["participant"])) for s in screenings]
    [failure] = [row for row in log if row["screening"] == made["failed"]]
    assert (failure["SEX"], failure["verdict"], failure["failed_criteria"],
            failure["failed_count"]) == ("F", "not_eligible", "9 platelets; 20 lvef", 2)

    answers = list(db.query("SELECT * FROM answers ORDER BY screening, rowid"))
    assert shown(sheet_rows(book, "answers"), "screening", "IETESTCD", "IEORRES", "IEORRESU",
                 "IESTRESC", "answered_by", "answered_at") == [
        (a["screening"], a["question_id"], a["entered"], a["unit"], decoded(a["value"]),
         a["answered_by"], a["answered_at"]) for a in answers]
    assert ("bilirubin", "18 µmol/L", "µmol/L", 18) in shown(
        sheet_rows(book, "answers"), "IETESTCD", "IEORRES", "IEORRESU", "IESTRESC")

    participants = list(db.query("SELECT * FROM participants ORDER BY number"))
    assert shown(sheet_rows(book, "participants"), "USUBJID", "SUBJID", "screening", "ARMCD",
                 "cohort", "weight_kg", "EXDOSE", "total_cells", "EXSTDTC", "dlt_window_end",
                 "DSSTDTC", "enrolled_by", "enrolled_at") == [
        (usubjid(p["number"]), p["number"], p["screening"], f"DL{p['dose_level']}", p["cohort"],
         p["weight_kg"], p["cells_per_kg"], p["total_cells"], p["infusion_date"],
         p["dlt_window_end"], p["withdrawn_on"], p["enrolled_by"], p["enrolled_at"])
        for p in participants]

    reports = list(db.query("SELECT * FROM dlt_reports ORDER BY id"))
    assert shown(sheet_rows(book, "dlt_reports"), "SUBJID", "report_id", "AETERM", "grading",
                 "AETOXGR", "AESTDTC", "AEREL", "dlt", "dlt_suggested", "reported_by") == [
        (r["participant"], r["id"], r["event"], r["grading"], r["grade"], r["onset_date"],
         r["attribution"], yes_no(r["is_dlt"]), yes_no(r["suggested_dlt"]), r["reported_by"])
        for r in reports]
    assert shown(sheet_rows(book, "dlt_reports"), "SUBJID", "AETERM", "AETOXGR", "dlt") == [
        (made["participants"][2]["number"], "crs", 4, "Y")]

    decisions = list(db.query("SELECT * FROM escalation_decisions ORDER BY id"))
    assert shown(sheet_rows(book, "decisions"), "decision_id", "history", "action",
                 "confirmed_by", "confirmed_at") == [
        (d["id"], d["history"], d["action"], d["confirmed_by"], d["confirmed_at"])
        for d in decisions]
    assert shown(sheet_rows(book, "decisions"), "action", "dose_level", "confirmed_by_name") == [
        ("expand", "DL1", "Dr Mei")]

    alerts = list(db.query("SELECT * FROM alerts ORDER BY id"))
    assert shown(sheet_rows(book, "alerts"), "alert_id", "kind", "recipients", "params",
                 "created_at", "delivered_at", "acknowledged_at", "acknowledged_by") == [
        (a["id"], a["kind"], a["recipients"], a["params"], a["created_at"], a["delivered_at"],
         a["acknowledged_at"], a["acknowledged_by"]) for a in alerts]
    assert alerts[0]["acknowledged_by"] == str(INVESTIGATOR)

    columns = ("audit_id", "at", "actor", "table", "record", "field", "old_value", "old_typed",
               "new_value", "new_typed", "reason")
    expected = [(r["id"], r["at"], r["actor"], r["table_name"], r["record_id"], r["field"],
                 decoded(r["old_value"]), r["old_typed"], decoded(r["new_value"]),
                 r["new_typed"], r["reason"]) for r in audit_before]
    assert shown(sheet_rows(book, "audit"), *columns) == expected
    assert shown(sheet_rows(book, "staff_changes"), "audit_id", "user_id", "field", "new_value",
                 "actor") == [(r[0], r[4], r[5], r[8], r[2]) for r in expected if r[3] == "staff"]
    assert ("777", "name", "Nurse Wang") in shown(
        sheet_rows(book, "staff_changes"), "user_id", "field", "new_value")

    corrections = [row for row in sheet_rows(book, "audit") if row["field"] == "bilirubin"]
    assert shown(corrections, "old_value", "old_typed", "new_value", "new_typed", "reason") == [
        (None, None, 20.52, "1.2 mg/dL", None),
        (20.52, "1.2 mg/dL", None, None, "lab sheet misread"),
        (None, None, 18, "18 µmol/L", None)]
    [typed] = [c for row in book[SHEETS["audit"]].iter_rows() for c in row
               if c.value == FORMULA_LIKE]
    assert typed.data_type == "s", "text typed by staff must never become a formula"

    # the export itself is audited, after what it exported
    [export_row] = audit_trail(db, "exports")
    assert export_row["id"] == audit_before[-1]["id"] + 1
    assert export_row["actor"] == str(INVESTIGATOR)
    assert export_row["new_value"]["files"] == [document.raw["document"]["file_name"]]
    assert export_row["new_value"]["rows"]["audit"] == len(audit_before)


async def test_the_workbook_explains_every_column_and_names_the_time_zone(app, driver):
    story(app)
    _, book = await exported(driver, who=ADMIN)
    explained = {(row["sheet"], row["column"]) for row in sheet_rows(book, "columns")}
    shown_columns = {(SHEETS[key], HEADER[column]) for key in COLUMNS for column in COLUMNS[key]}
    assert explained == shown_columns
    for key in COLUMNS:
        header = next(book[SHEETS[key]].iter_rows(values_only=True))
        assert list(header) == [HEADER[column] for column in COLUMNS[key]]
    assert all(row["meaning"] for row in sheet_rows(book, "columns"))
    assert {"USUBJID", "IETESTCD", "IEORRES", "EXDOSE", "EXSTDTC", "AETERM", "AETOXGR",
            "AEREL", "AESTDTC", "DSDECOD", "DSSTDTC"} <= {column for _, column in explained}
    about = {row["item"]: row["value"] for row in sheet_rows(book, "about")}
    assert about[EXPORT["about"]["time_zone"]] == "Asia/Shanghai"
    assert about[EXPORT["about"]["exported_by"]] == "Admin Xie"
    assert about[EXPORT["about"]["exported_at"]].endswith("+00:00")


def test_every_export_column_and_sheet_has_words():
    keys = {column for columns in COLUMNS.values() for column in columns}
    assert keys == set(EXPORT["columns"])
    assert set(SHEETS) == {"about", *COLUMNS, "columns"}
    assert all(len(title) <= 31 for title in SHEETS.values())  # Excel's limit


# --- what was typed, in the audit trail ---------------------------------------------------------

async def test_an_answer_changed_in_the_chat_keeps_what_was_typed_in_the_audit(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="creatinine")  # bilirubin 0.8 mg/dL
    await driver.send(COORDINATOR, "/back")
    await driver.send(COORDINATOR, "12 µmol/L")
    trail = [(r["old_value"], r["old_typed"], r["new_value"], r["new_typed"], r["reason"])
             for r in audit_trail(db, "answers", "S-001") if r["field"] == "bilirubin"]
    assert trail == [
        (None, None, 13.68, "0.8 mg/dL", None),
        (13.68, "0.8 mg/dL", None, None, "went back with /back"),
        (None, None, 12, "12 µmol/L", None)]


# --- the screening log --------------------------------------------------------------------------

async def test_screenlog_gives_consort_counts_by_criterion_and_dose_level(app, driver):
    story(app)
    [reply] = await driver.send(COORDINATOR, "/screenlog")
    assert ("6 screened, 1 in progress, 3 eligible, 1 screen failures, 1 withdrawn, "
            "3 enrolled") in reply.text
    assert "• 9. Platelets: 1" in reply.text and "• 20. LVEF: 1" in reply.text
    assert "Enrolled by dose level: DL1 3, DL2 0." in reply.text


async def test_screenlog_takes_a_date_range(app, driver):
    story(app)
    today = trial_of(app).today()
    [reply] = await driver.send(COORDINATOR, f"/screenlog {today} {today}")
    assert T["screenlog_between"].format(since=today, until=today) in reply.text
    assert "6 screened" in reply.text
    later = today + timedelta(days=1)
    [reply] = await driver.send(COORDINATOR, f"/screenlog {later}")
    assert T["screenlog_since"].format(since=later) in reply.text
    assert "0 screened" in reply.text and "Screen failures" not in reply.text
    [reply] = await driver.send(COORDINATOR, f"/screenlog {later} {today}")
    assert reply.text == T["screenlog_reversed"].format(since=later, until=today)
    for typed in ("/screenlog November", "/screenlog 2026-11-31", "/screenlog 1 2 3"):
        [reply] = await driver.send(COORDINATOR, typed)
        assert reply.text == T["screenlog_usage"], typed
