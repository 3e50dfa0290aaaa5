"""Migration v10 (issue 16): the audit trail moves into a compact table behind the view `audit`
and verdicts are stored compact, in plain JSON; a database of v9 comes through with nothing
lost that is not derivable, and any SQLite tool reads it with no function of ours."""

import json
import sqlite3

import pytest
from sqlite_utils import Database

from storage.audit import audit_trail, record_change
from storage.database import migrate, open_database, schema_version
from storage.migrations import MIGRATIONS
from storage.screenings import failure_counts, get_screening, list_screenings
from storage.verdicts import compact_verdict


def criterion(cid, number, status, reason, value=None, group="inclusion"):
    return {"group": group, "id": cid, "number": number, "status": status, "title": None,
            "reason": reason, "value": value}


PLATELETS = criterion("platelets", 9, "not_met",
                      {"code": "eligibility.lab", "params": {"limit": 20.0, "sign": "≥"}},
                      {"code": "eligibility.value.quantity",
                       "params": {"unit": "×10^9/L", "value": 15.0}})
FULL = {  # a verdict as stored before v10: Verdict.model_dump(mode="json")
    "status": "not_eligible",
    "criteria": [
        criterion("consent", 1, "met", {"code": "eligibility.consent_signed", "params": {}},
                  {"code": "eligibility.value.answer", "params": {"answer": "yes"}}),
        PLATELETS,
        criterion("lvef", 9, "missing", {"code": "eligibility.not_answered", "params": {}}),
        criterion("pregnancy_test", 10, "not_applicable",
                  {"code": "eligibility.not_applicable_male", "params": {}}),
        criterion("age", 2, "met", {"code": "eligibility.age_within",
                                    "params": {"age": 45.0, "high": 70, "low": 18}})],
    "computed": {"sledai": {"code": "eligibility.value.number", "params": {"value": 12}}},
    "missing_questions": ["lvef"],
    "summary": {"code": "eligibility.summary.unconfigured", "params": {}},
}
COMPACT = {
    "status": "not_eligible",
    "summary": {"code": "eligibility.summary.unconfigured"},
    "computed": {"sledai": {"code": "eligibility.value.number", "params": {"value": 12}}},
    "missing_questions": ["lvef"],
    "met": ["consent", "age"],
    "not_applicable": ["pregnancy_test"],
    "criteria": [
        {"group": "inclusion", "id": "platelets", "number": 9, "status": "not_met",
         "reason": {"code": "eligibility.lab", "params": {"limit": 20.0, "sign": "≥"}},
         "value": {"code": "eligibility.value.quantity",
                   "params": {"unit": "×10^9/L", "value": 15.0}}},
        {"group": "inclusion", "id": "lvef", "number": 9, "status": "missing",
         "reason": {"code": "eligibility.not_answered"}}],
}
VERDICT = json.dumps(FULL, ensure_ascii=False, sort_keys=True)
STORED = json.dumps(COMPACT, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
AUDITED = json.dumps(COMPACT, ensure_ascii=False, sort_keys=True)  # as to_json writes it
COLUMNS = ("id, at, actor, table_name, record_id, field, old_value, new_value, reason,"
           " old_typed, new_typed")
ROW_1_TO_3 = [
    (1, "2025-01-02T09:00:00+00:00", "111", "screenings", "S-001", "status", None,
     '"in_progress"', None, None, None),
    (2, "2025-01-02T09:30:00+00:00", "111", "answers", "S-001", "platelets", None, "15.0",
     None, None, "15 x10^9/L"),
    (3, "2025-01-02T09:31:00+00:00", "111", "answers", "S-001", "platelets", "15.0", "16.0",
     "lab sheet misread", "15 x10^9/L", "16"),
]
ROW_5 = (5, "2025-01-02 10:00:00.123", "7", "staff", "7", "name", None, '"Nurse Wang"', None,
         None, None)  # a time not written by now(): kept as it was
V9_ROWS = [*ROW_1_TO_3, (4, "2025-01-02T10:00:00+00:00", "scheduler", "screenings", "S-001",
                         "verdict", None, VERDICT, None, None, None), ROW_5]
V10_ROWS = [*ROW_1_TO_3, (4, "2025-01-02T10:00:00+00:00", "scheduler", "screenings", "S-001",
                         "verdict", None, AUDITED, None, None, None), ROW_5]


@pytest.fixture
def v9_database(tmp_path):
    path = tmp_path / "v9.db"
    old = Database(sqlite3.connect(str(path), isolation_level=None))
    assert migrate(old, upto=9) == 9
    old.execute("INSERT INTO screenings (number, screened_by, started_at, status, verdict,"
                " finished_at) VALUES ('S-001', '111', '2025-01-02T09:00:00+00:00',"
                " 'screen_failure', ?, '2025-01-02T10:00:00+00:00')", [VERDICT])
    for row in V9_ROWS:
        old.execute(f"INSERT INTO audit ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row)
    old.close()
    return path


def test_a_v9_trail_reads_back_row_for_row_after_v10(v9_database):
    db = open_database(v9_database)

    assert schema_version(db) == len(MIGRATIONS) == 10
    assert db.execute(f"SELECT {COLUMNS} FROM audit ORDER BY id").fetchall() == V10_ROWS
    assert audit_trail(db, "screenings", "S-001")[-1]["new_value"] == COMPACT
    assert get_screening(db, "S-001")["verdict"] == COMPACT
    assert list_screenings(db)[0]["verdict"] == COMPACT
    assert failure_counts(db) == {(9, "platelets"): 1}  # the tallies, kept by triggers
    assert failure_counts(db, since="2025-01-01T00:00:00+00:00") == {(9, "platelets"): 1}
    assert db.execute("SELECT verdict FROM screenings").fetchone()[0] == STORED
    assert len(STORED) < len(VERDICT) / 2


def test_a_plain_sqlite3_connection_reads_the_trail_and_verdicts_as_text(v9_database):
    db = open_database(v9_database)
    record_change(db, actor=111, table="answers", record="S-001", field="platelets",
                  old=16.0, new=None, reason="retracted", old_typed="16")
    expected = db.execute("SELECT * FROM audit ORDER BY id").fetchall()
    db.close()

    plain = sqlite3.connect(str(v9_database))  # no function of ours registered

    assert plain.execute("SELECT * FROM audit ORDER BY id").fetchall() == expected
    assert expected[:5] == V10_ROWS and expected[5][1:] == (
        expected[5][1], "111", "answers", "S-001", "platelets", "16.0", None, "retracted",
        "16", None)
    assert plain.execute("SELECT verdict FROM screenings").fetchone() == (STORED,)
    plain.execute("INSERT INTO audit (at, actor, table_name, record_id, field, new_value)"
                  " VALUES ('2025-02-01T08:00:00+00:00', 'x', 'staff', '7', 'role', '\"a\"')")
    assert plain.execute("SELECT at, typeof(at) FROM audit_log ORDER BY id DESC").fetchone() == (
        1738396800, "integer")
    assert plain.execute("SELECT at FROM audit ORDER BY id DESC").fetchone() == (
        "2025-02-01T08:00:00+00:00",)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        plain.execute("DELETE FROM audit")


def test_the_compact_trail_stays_append_only_and_takes_new_rows(v9_database):
    db = open_database(v9_database)
    record_change(db, actor=111, table="answers", record="S-001", field="platelets",
                  old=16.0, new=None, reason="retracted", old_typed="16")

    [*_, last] = audit_trail(db, "answers", "S-001")
    assert (last["id"], last["actor"], last["old_value"], last["new_value"], last["reason"],
            last["old_typed"]) == (6, "111", 16.0, None, "retracted", "16")
    assert db.execute("SELECT typeof(at) FROM audit_log WHERE id = 6").fetchone()[0] == "integer"
    db.execute("INSERT INTO audit (at, actor, table_name, record_id, field, new_value)"
               " VALUES ('2025-02-01T08:00:00+00:00', 'x', 'staff', '7', 'role', '\"admin\"')")
    assert audit_trail(db, "staff")[-1]["at"] == "2025-02-01T08:00:00+00:00"
    for statement in ("UPDATE audit SET reason = 'x'", "DELETE FROM audit",
                      "UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log",
                      "UPDATE audit_names SET name = 'x'"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(statement)


def test_a_compact_verdict_keeps_every_criterion_not_met_whole_and_the_met_by_id():
    compact = compact_verdict(FULL)

    assert compact == COMPACT
    assert compact_verdict(compact) == COMPACT  # storing it again changes nothing
    kept = [c["id"] for c in FULL["criteria"] if c["status"] not in ("met", "not_applicable")]
    assert [c["id"] for c in compact["criteria"]] == kept
    assert sorted([*compact["met"], *compact["not_applicable"], *kept]) == sorted(
        c["id"] for c in FULL["criteria"])


@pytest.mark.parametrize("other", [{}, {"eligible": True}, {"status": "eligible"}, None])
def test_what_is_not_a_verdict_with_criteria_is_stored_as_it_is(other):
    assert compact_verdict(other) == other
