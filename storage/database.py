"""Opening the trialbot database, migrating it, and transactions."""

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import jsonify_if_needed

from storage.migrations import MIGRATIONS


class DatabaseUnusable(RuntimeError):
    """The database file cannot be used as asked; the message is one line naming the file."""


class DatabaseMissing(DatabaseUnusable):
    """The database file does not exist and the caller may not create it."""


class SchemaTooNew(DatabaseUnusable):
    """The database was written by a newer trialbot."""


def check_database(path: str | Path, *, create: bool, what: str = "database file") -> Path:
    """Refuse, before SQLite touches anything, a path it could not open for reading and writing
    (a missing file too, unless `create`). Returns the path made absolute."""
    path = Path(path).absolute()
    folder, exists = path.parent, path.exists()
    if path.is_dir():
        raise DatabaseUnusable(f"{path} is a directory, not a {what}")
    if not exists and not create:
        raise DatabaseMissing(f"{what} {path} does not exist")
    if exists and not os.access(path, os.R_OK | os.W_OK):
        raise read_only(path, what)
    if not folder.is_dir():
        raise DatabaseUnusable(
            f"directory {folder} does not exist, so {path.name} cannot be created there")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseUnusable(
            f"directory {folder} is not writable: SQLite keeps {path.name}-wal next to {path.name}")
    return path


def read_only(path: Path, what: str = "database file") -> DatabaseUnusable:
    return DatabaseUnusable(f"{what} {path} is read-only: trialbot must be able to write it")


def open_database(path: str | Path, *, create: bool = True) -> Database:
    """Open the database file (creating it only if `create`), set pragmas and bring its schema
    up to date. A file this trialbot cannot use raises DatabaseUnusable and is left unchanged."""
    path = check_database(path, create=create)
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode={'rwc' if create else 'rw'}", uri=True,
                               check_same_thread=False, isolation_level=None)
    except sqlite3.Error as error:
        raise DatabaseUnusable(f"cannot open {path}: {error}") from error
    db = Database(conn)
    try:
        set_up(db, path)
    except BaseException:
        db.close()
        raise
    return db


def set_up(db: Database, path: Path) -> None:
    """Pragmas and migrations for a fresh connection. Nothing is written to the file before it
    is known to be a database of a schema this trialbot knows, open for writing."""
    db.execute("PRAGMA busy_timeout=10000")  # this connection's settings only: nothing written
    db.execute("PRAGMA foreign_keys=ON")
    try:
        refuse_newer_schema(schema_version(db), path.name)
        refuse_read_only(db, path)
    except sqlite3.DatabaseError as error:
        raise DatabaseUnusable(f"{path} cannot be opened as a database: {error}") from error
    db.execute("PRAGMA journal_mode=WAL")
    migrate(db, name=path.name)


def refuse_newer_schema(version: int, name: str) -> None:
    known = len(MIGRATIONS)
    if version > known:
        raise SchemaTooNew(
            f"{name} has schema version {version}, this trialbot knows up to {known}: "
            "upgrade trialbot"
        )


def refuse_read_only(db: Database, path: Path) -> None:
    """Try a write and roll it back: SQLite silently opens a file it may not write read-only
    (root ignores permission bits, but not a read-only mount or an immutable file)."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        db.conn.execute(f"PRAGMA user_version={schema_version(db)}")
    except sqlite3.OperationalError as error:
        if error.sqlite_errorname != "SQLITE_READONLY":
            raise
        raise read_only(path) from error
    finally:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")


def schema_version(db: Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: Database, *, name: str = "the database", upto: int | None = None) -> int:
    """Run the migrations the database has not had yet (up to `upto`); return the version."""
    target = len(MIGRATIONS) if upto is None else upto
    if schema_version(db) == target:
        return target  # up to date: no write lock needed
    with transaction(db):
        version = schema_version(db)
        refuse_newer_schema(version, name)
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
    return stamp(datetime.now(UTC))


def stamp(moment: datetime) -> str:
    """A moment as stored: UTC ISO-8601 to the second, so stored times compare as text."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


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
    rows = rows_of(db, sql, params)
    return rows[0] if rows else None


def rows_of(db: Database, sql: str, params: Any = ()) -> list[dict]:
    """Every row of a query as dicts. Plain sqlite3: sqlite-utils' query() wraps each read in
    a savepoint, two more statements on every read of the hot paths."""
    cursor = db.conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def insert_row(db: Database, table: str, row: dict) -> int:
    """INSERT one row and return its rowid. Plain SQL: sqlite-utils' insert looks the table's
    schema up three times on each call, and inserts are on every chat step's path."""
    names = ", ".join(row)
    marks = ", ".join(f":{name}" for name in row)
    values = {name: jsonify_if_needed(value) for name, value in row.items()}
    return db.conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", values).lastrowid


def rows_where(db: Database, table: str, where: str | None = None, params: Any = (),
               order_by: str | None = None) -> list[dict]:
    """The rows of a table (as sqlite-utils' rows_where, without its schema lookups)."""
    sql = f"SELECT * FROM {table}" + (f" WHERE {where}" if where else "")
    return rows_of(db, sql + (f" ORDER BY {order_by}" if order_by else ""), params)


def read_once(db: Database, name: str, read: Callable[[], Any]) -> Any:
    """`read()`, or what it returned last time for `name` if the database cannot have changed
    since: no row written on this connection (its total_changes) and no commit by any other
    (PRAGMA data_version). A chat step asks a screening's answers several times; SQLite
    answers this pragma without reading a page. Callers must not change what it returns."""
    seen = (db.conn.execute("PRAGMA data_version").fetchone()[0], db.conn.total_changes)
    reads = db.__dict__.setdefault("_read_once", {})
    kept = reads.get(name)
    if kept is not None and kept[0] == seen:
        return kept[1]
    value = read()
    if len(reads) > READS_KEPT:
        reads.clear()
    reads[name] = (seen, value)
    return value


READS_KEPT = 64


def _iso(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
