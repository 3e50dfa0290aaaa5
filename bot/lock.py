"""One `trialbot run` per database: an OS advisory lock (flock) on the sidecar file <db>.lock.

The kernel drops the lock when the process ends, however it ends (kill -9 too), so a crashed bot
never leaves a stale lock behind. The file keeps the holder's pid for the refusal message; it is
never deleted (deleting a lock file lets two processes lock two different files).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storage.database import DatabaseUnusable


class DatabaseInUse(DatabaseUnusable):
    """Another process is running the bot on this database; the message is one line."""


def lock_path(db: str | Path) -> Path:
    db = Path(db).resolve()  # one lock for every name of the file (a symlink, a relative path)
    return db.with_name(db.name + ".lock")


@contextmanager
def run_lock(db: str | Path) -> Iterator[Path]:
    """Hold the database's run lock for the duration of the block, or raise DatabaseInUse."""
    path = lock_path(db)
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise DatabaseUnusable(f"cannot open the lock file {path}: {error.strerror}") from error
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(
                f"another trialbot run{holder(descriptor)} is already serving "
                f"{Path(db).absolute()}: stop it first (lock file {path})") from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode())
        yield path
    finally:
        os.close(descriptor)


def holder(descriptor: int) -> str:
    """' (pid N)' from the lock file, or '' while the holder has not written it yet."""
    pid = os.pread(descriptor, 32, 0).decode(errors="replace").strip()
    return f" (pid {pid})" if pid.isdigit() else ""
