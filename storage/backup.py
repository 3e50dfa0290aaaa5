"""Online backup of the trialbot database."""

import sqlite3
from pathlib import Path

from storage.database import DatabaseMissing, DatabaseUnusable, check_database


def backup_database(source_path: str | Path, dest_path: str | Path) -> Path:
    """Copy the database to dest_path as one consistent snapshot, while others keep writing.

    Raises DatabaseUnusable (one line) instead of creating a missing source, writing where it
    cannot, copying a file onto itself (SQLite would wait forever) or overwriting a non-database.
    """
    source = Path(source_path).absolute()
    if not source.exists():
        raise DatabaseMissing(f"database file {source} does not exist")
    dest = check_database(dest_path, create=True, what="backup file")
    if dest.exists() and dest.samefile(source):
        raise DatabaseUnusable(f"cannot back up {source} onto itself: name another file")
    made_here = not dest.exists()
    try:
        copy(source, dest)
    except sqlite3.Error as error:
        if made_here:
            dest.unlink(missing_ok=True)  # no empty file that looks like a backup
        raise DatabaseUnusable(f"backup of {source} to {dest} failed: {error}") from error
    return Path(dest_path)


def copy(source: Path, dest: Path) -> None:
    reader = sqlite3.connect(f"{source.as_uri()}?mode=rw", uri=True, timeout=10)  # never creates
    try:
        writer = sqlite3.connect(dest, timeout=10)
        try:
            reader.backup(writer)
        finally:
            writer.close()
    finally:
        reader.close()
