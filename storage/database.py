"""Opening the trialbot database, migrating it, and transactions."""

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from storage.migrations import MIGRATIONS


class SchemaTooNew(RuntimeError):
    """The database was written by a newer trialbot."""


def open_database(path: str | Path) -> Database:
    """Open (creating) the database file, set pragmas and bring its schema up to date."""
    conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    db = Database(conn)
    db.execute("PRAGMA busy_timeout=10000")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA journal_mode=WAL")
    try:
        migrate(db, name=Path(path).name)
    except BaseException:
        db.close()
        raise
    return db


def schema_version(db: Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: Database, *, name: str = "the database", upto: int | None = None) -> int:
    """Run the migrations the database has not had yet (up to `upto`); return the version."""
    known = len(MIGRATIONS)
    target = known if upto is None else upto
    if schema_version(db) == target:
        return target  # up to date: no write lock needed
    with transaction(db):
        version = schema_version(db)
        if version > known:
            raise SchemaTooNew(
                f"{name} has schema version {version}, this trialbot knows up to {known}: "
                "upgrade trialbot"
            )
        for number in range(version + 1, target + 1):
            MIGRATIONS[number - 1](db)
            db.execute(f"PRAGMA user_version={number}")
    return max(version, target)


@contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """BEGIN IMMEDIATE ... COMMIT, ROLLBACK on error. Nested use becomes a savepoint."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    try:
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise


def now() -> str:
    """The current time as a UTC ISO-8601 string."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def to_json(value: Any) -> str | None:
    """JSON text for a value (dates as ISO strings); None stays NULL."""
    if value is None:
        return None
    return json.dumps(value, default=_iso, ensure_ascii=False, sort_keys=True)


def from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def to_date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def one(db: Database, sql: str, params: Any = ()) -> dict | None:
    """The first row of a query as a dict, or None (reads every row, so no cursor stays open)."""
    rows = list(db.query(sql, params))
    return rows[0] if rows else None


def _iso(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
