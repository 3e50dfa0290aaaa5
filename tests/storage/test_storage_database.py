import sqlite3

import pytest
from sqlite_utils import Database

from storage.database import (
    DatabaseMissing,
    DatabaseUnusable,
    SchemaTooNew,
    migrate,
    open_database,
    schema_version,
    set_up,
    transaction,
)
from storage.migrations import MIGRATIONS
from storage.outbox import AlertDraft, add_alert, alerts, pending_alerts
from storage.screenings import get_screening, list_screenings


def raw_database(path):
    return Database(sqlite3.connect(str(path), isolation_level=None))


def test_new_database_gets_every_migration_and_pragmas(db):
    assert schema_version(db) == len(MIGRATIONS) >= 2
    assert {
        "audit",
        "staff",
        "screenings",
        "answers",
        "participants",
        "dlt_reports",
        "escalation_decisions",
        "alerts",
    } <= set(db.table_names()) | {"audit"} & set(db.view_names())  # a view over audit_log (v10)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 10000


def test_reopening_is_harmless(db_path):
    open_database(db_path).close()
    db = open_database(db_path)
    assert schema_version(db) == len(MIGRATIONS)
    db.close()


def test_version_1_database_is_upgraded_in_place_keeping_its_data(db_path):
    old = raw_database(db_path)
    assert migrate(old, upto=1) == 1
    assert "age" not in old["screenings"].columns_dict
    old["screenings"].insert(
        {
            "number": "S-001",
            "screened_by": "111",
            "started_at": "2025-01-02T09:00:00+00:00",
            "status": "eligible",
            "verdict": '{"eligible": true}',
            "finished_at": "2025-01-02T10:00:00+00:00",
        }
    )
    for question_id, value in (("age", "41"), ("sex", '"male"')):
        old["answers"].insert(
            {
                "screening": "S-001",
                "question_id": question_id,
                "value": value,
                "entered": value,
                "unit": None,
                "answered_by": "111",
                "answered_at": "2025-01-02T09:30:00+00:00",
            }
        )
    old.close()

    db = open_database(db_path)

    assert schema_version(db) == len(MIGRATIONS)
    screening = get_screening(db, "S-001")
    assert screening["verdict"] == {"eligible": True}
    assert (screening["age"], screening["sex"]) == (41, "male")
    assert list_screenings(db)[0]["number"] == "S-001"
    db.close()


def test_newer_schema_is_refused(db_path):
    open_database(db_path).close()
    raw = raw_database(db_path)
    raw.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    raw.close()

    with pytest.raises(SchemaTooNew) as refused:
        open_database(db_path)

    assert str(refused.value) == (
        f"trialbot.db has schema version {len(MIGRATIONS) + 1}, this trialbot knows up to "
        f"{len(MIGRATIONS)}: "
        "upgrade trialbot"
    )


def test_newer_schema_is_refused_before_anything_is_written(db_path, tmp_path):
    raw = raw_database(db_path)  # rollback-journal mode, as a future trialbot might leave it
    raw.execute("CREATE TABLE future (x)")
    raw.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    raw.close()
    before = db_path.read_bytes()

    with pytest.raises(SchemaTooNew):
        open_database(db_path)

    assert db_path.read_bytes() == before
    assert [path.name for path in tmp_path.iterdir()] == ["trialbot.db"]  # no -wal, no -shm
    raw = raw_database(db_path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    raw.close()


def test_missing_file_is_refused_unless_creating(db_path, tmp_path):
    with pytest.raises(DatabaseMissing, match=f"database file {db_path} does not exist"):
        open_database(db_path, create=False)
    assert list(tmp_path.iterdir()) == []
    open_database(db_path, create=True).close()
    open_database(db_path, create=False).close()


@pytest.mark.parametrize("create", [True, False])
def test_missing_directory_is_refused(tmp_path, create):
    with pytest.raises(DatabaseUnusable, match="gone"):
        open_database(tmp_path / "gone" / "trialbot.db", create=create)
    assert list(tmp_path.iterdir()) == []


def test_directory_is_refused(tmp_path):
    with pytest.raises(DatabaseUnusable, match=f"{tmp_path} is a directory"):
        open_database(tmp_path)


@pytest.mark.parametrize("existing", [True, False], ids=["up to date", "new"])
def test_read_only_connection_is_refused_before_any_write(db_path, existing):
    """Root may write any file, so this uses SQLite's own read-only mode, as it would open a file
    on a read-only mount or one marked immutable."""
    if existing:
        open_database(db_path).close()
    else:
        raw_database(db_path).execute("VACUUM")  # an empty file: a new database
    before = db_path.read_bytes()
    read_only = Database(sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True,
                                         isolation_level=None))

    with pytest.raises(DatabaseUnusable, match=f"database file {db_path} is read-only"):
        set_up(read_only, db_path)

    assert not read_only.conn.in_transaction
    read_only.close()
    assert db_path.read_bytes() == before


def test_version_2_alerts_are_kept_as_they_were_worded(db_path):
    old = raw_database(db_path)
    assert migrate(old, upto=2) == 2
    worded = {"id": 7, "kind": "dlt", "text": "DLT in P-01 at DL1", "recipients": "investigator",
              "created_at": "2025-01-10T08:00:00+00:00", "attempts": 2,
              "last_error": "Forbidden", "delivered_at": None, "acknowledged_at": None,
              "acknowledged_by": None}
    old["alerts"].insert(worded)
    old.close()

    db = open_database(db_path)

    assert schema_version(db) == len(MIGRATIONS)  # brought up to date by every later migration
    assert alerts(db) == [dict(worded, params={})]
    assert [a["id"] for a in pending_alerts(db)] == [7]
    assert add_alert(db, AlertDraft("info", "all", {"n": 1}))["id"] == 8
    assert "idx_alerts_delivered_at" in [index.name for index in db["alerts"].indexes]
    db.close()


def test_version_3_audit_rows_are_kept_and_new_ones_keep_what_was_typed(db_path):
    from storage.audit import audit_trail, record_change

    old = raw_database(db_path)
    assert migrate(old, upto=3) == 3
    old["audit"].insert({"at": "2026-01-05T02:00:00+00:00", "actor": "7", "table_name": "answers",
                         "record_id": "S-001", "field": "age", "old_value": None,
                         "new_value": "34", "reason": None})
    old.close()

    db = open_database(db_path)
    record_change(db, actor=7, table="answers", record="S-001", field="age", old=34, new=43,
                  reason="digits swapped", old_typed="34", new_typed="43")

    assert [(r["new_value"], r["old_typed"], r["new_typed"]) for r in audit_trail(db)] == [
        (34, None, None), (43, "34", "43")]
    db.close()


def test_text_file_is_refused_untouched(db_path):
    db_path.write_text("not a database\n" * 100)
    with pytest.raises(DatabaseUnusable, match="file is not a database"):
        open_database(db_path)
    assert db_path.read_text() == "not a database\n" * 100


def test_transaction_rolls_back_on_error_and_commits_otherwise(db):
    with pytest.raises(RuntimeError, match="boom"):
        with transaction(db):
            db["alerts"].insert(
                {
                    "kind": "k",
                    "text": "t",
                    "recipients": "all",
                    "created_at": "2025-01-01T00:00:00+00:00",
                }
            )
            raise RuntimeError("boom")
    assert db["alerts"].count == 0
    assert not db.conn.in_transaction

    with transaction(db):
        db["alerts"].insert(
            {
                "kind": "k",
                "text": "t",
                "recipients": "all",
                "created_at": "2025-01-01T00:00:00+00:00",
            }
        )
    assert db["alerts"].count == 1


def test_version_3_participants_are_kept_without_infusion_or_evaluation(db_path):
    """Participants enrolled before infusions were recorded keep their row; the engine counts
    them as pending until the infusion is recorded and the evaluation confirmed."""
    from storage.participants import participant

    old = raw_database(db_path)
    assert migrate(old, upto=3) == 3
    old.execute("INSERT INTO screenings (number, screened_by, started_at, status) "
                "VALUES ('S-001', '1', '2025-01-01T00:00:00+00:00', 'eligible')")
    old["participants"].insert({
        "number": "P-01", "screening": "S-001", "dose_level": 1, "cohort": 1, "weight_kg": 60.0,
        "cells_per_kg": 1e5, "total_cells": 6e6, "infusion_date": "2025-01-01",
        "dlt_window_end": "2025-01-29", "enrolled_by": "1",
        "enrolled_at": "2025-01-01T00:00:00+00:00"})
    old.close()

    db = open_database(db_path)

    assert schema_version(db) == len(MIGRATIONS) >= 4
    row = participant(db, "P-01")
    assert (row["infusion"], row["infused_on"], row["evaluated"]) == (None, None, False)
    assert row["infusion_day"] == row["infusion_date"]
    for table in ("infusions", "dlt_evaluations"):
        db[table].insert({"participant": "P-01", **(
            {"infused_at": "2025-01-01T09:00+08:00", "infused_cells": 6e6, "recorded_by": "1",
             "recorded_at": "2025-01-01T01:00:00+00:00"} if table == "infusions" else
            {"confirmed_by": "2", "confirmed_at": "2025-02-01T01:00:00+00:00"})})
        with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
            db.execute(f"DELETE FROM {table}")
    db.close()
