"""Migration v9 (issue 16): the audit trail moves into a compact table behind the view `audit`
and long values (verdicts) are packed; a database of v8 comes through with nothing lost."""

import json
import sqlite3

import pytest
from sqlite_utils import Database

from storage.audit import audit_trail, record_change
from storage.database import migrate, open_database, schema_version
from storage.migrations import MIGRATIONS
from storage.packing import pack, unpack
from storage.screenings import failure_counts, get_screening

VERDICT = json.dumps({"status": "not_eligible", "criteria": [
    {"group": "inclusion", "id": "platelets", "number": 9, "status": "not_met",
     "reason": {"code": "eligibility.lab", "params": {"limit": 50.0}}, "title": None,
     "value": {"code": "eligibility.value.quantity", "params": {"unit": "×10^9/L",
                                                               "value": 15.0}}}] * 4},
    ensure_ascii=False, sort_keys=True)
COLUMNS = ("id, at, actor, table_name, record_id, field, old_value, new_value, reason,"
           " old_typed, new_typed")
V8_ROWS = [
    (1, "2025-01-02T09:00:00+00:00", "111", "screenings", "S-001", "status", None,
     '"in_progress"', None, None, None),
    (2, "2025-01-02T09:30:00+00:00", "111", "answers", "S-001", "platelets", None, "15.0",
     None, None, "15 x10^9/L"),
    (3, "2025-01-02T09:31:00+00:00", "111", "answers", "S-001", "platelets", "15.0", "16.0",
     "lab sheet misread", "15 x10^9/L", "16"),
    (4, "2025-01-02T10:00:00+00:00", "scheduler", "screenings", "S-001", "verdict", None,
     VERDICT, None, None, None),
    (5, "2025-01-02 10:00:00.123", "7", "staff", "7", "name", None, '"Nurse Wang"', None, None,
     None),  # a time not written by now(): kept as it was
]


@pytest.fixture
def v8_database(tmp_path):
    path = tmp_path / "v8.db"
    old = Database(sqlite3.connect(str(path), isolation_level=None))
    assert migrate(old, upto=8) == 8
    old.execute("INSERT INTO screenings (number, screened_by, started_at, status, verdict,"
                " finished_at) VALUES ('S-001', '111', '2025-01-02T09:00:00+00:00',"
                " 'screen_failure', ?, '2025-01-02T10:00:00+00:00')", [VERDICT])
    for row in V8_ROWS:
        old.execute(f"INSERT INTO audit ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row)
    old.close()
    return path


def test_a_v8_trail_reads_back_row_for_row_after_v9(v8_database):
    db = open_database(v8_database)

    assert schema_version(db) == len(MIGRATIONS) == 9
    assert db.execute(f"SELECT {COLUMNS} FROM audit ORDER BY id").fetchall() == V8_ROWS
    assert audit_trail(db, "screenings", "S-001")[-1]["new_value"] == json.loads(VERDICT)
    assert get_screening(db, "S-001")["verdict"] == json.loads(VERDICT)
    assert failure_counts(db) == {(9, "platelets"): 4}  # one per criterion row
    stored = db.execute("SELECT verdict FROM screenings").fetchone()[0]
    assert isinstance(stored, bytes) and len(stored) < len(VERDICT) / 4


def test_the_compact_trail_stays_append_only_and_takes_new_rows(v8_database):
    db = open_database(v8_database)
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


def test_packing_is_lossless_and_leaves_short_text_alone():
    assert pack("short") == "short" and pack(None) is None
    assert unpack(pack(VERDICT)) == VERDICT
    assert unpack("short") == "short"
