import sqlite3

import pytest

from storage.audit import audit_trail, record_change
from storage.screenings import start_screening


def test_record_change_and_filtering(db):
    record_change(
        db,
        actor="shell",
        table="staff",
        record=5,
        field="role",
        old="coordinator",
        new="admin",
        reason="promoted",
    )
    record_change(
        db, actor=7, table="screenings", record="S-009", field="status", old=None, new="eligible"
    )

    (row,) = audit_trail(db, table="staff", record=5)

    assert row["actor"] == "shell"
    assert (row["old_value"], row["new_value"], row["reason"]) == (
        "coordinator",
        "admin",
        "promoted",
    )
    assert row["at"].endswith("+00:00")
    assert len(audit_trail(db)) == 2


def test_audit_rows_cannot_be_changed_or_deleted(db):
    record_change(db, actor="system", table="staff", record=1, field="name", old=None, new="A")

    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit SET new_value = 'B'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit")

    assert audit_trail(db)[0]["new_value"] == "A"


def test_clinical_records_cannot_be_deleted(db):
    start_screening(db, actor=1)

    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        db.execute("DELETE FROM screenings")
