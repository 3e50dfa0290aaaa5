"""The append-only audit trail: who changed what, when, old and new value, and why."""

from typing import Any

from sqlite_utils import Database

from storage.database import from_json, now, to_json


def record_change(
    db: Database,
    *,
    actor: Any,
    table: str,
    record: Any,
    field: str,
    old: Any,
    new: Any,
    reason: str | None = None,
    old_typed: str | None = None,
    new_typed: str | None = None,
) -> None:
    """Append one audit row; values are stored JSON-encoded, and where a value was typed
    (a screening answer) the text as typed is kept beside it, unconverted."""
    db.execute(  # plain SQL: sqlite-utils' insert looks the schema up on every call
        "INSERT INTO audit (at, actor, table_name, record_id, field, old_value, new_value,"
        " reason, old_typed, new_typed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [now(), str(actor), table, str(record), field, to_json(old), to_json(new), reason,
         old_typed, new_typed])


def record_insert(db: Database, *, actor: Any, table: str, record: Any, row: dict) -> None:
    """Audit a new record: one row per field, old value NULL."""
    for field, value in row.items():
        record_change(db, actor=actor, table=table, record=record, field=field, old=None, new=value)


def audit_trail(db: Database, table: str | None = None, record: Any = None) -> list[dict]:
    """Audit rows in the order they were written, values decoded, optionally filtered."""
    where, params = [], []
    if table is not None:
        where.append("table_name = ?")
        params.append(table)
    if record is not None:
        where.append("record_id = ?")
        params.append(str(record))
    rows = db["audit"].rows_where(" AND ".join(where) or None, params, order_by="id")
    return [
        dict(row, old_value=from_json(row["old_value"]), new_value=from_json(row["new_value"]))
        for row in rows
    ]
