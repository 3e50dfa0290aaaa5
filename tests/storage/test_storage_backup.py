import sqlite3
import threading

import pytest

from storage.backup import backup_database
from storage.database import DatabaseMissing, DatabaseUnusable, open_database
from storage.outbox import AlertDraft, add_alert


def test_backup_while_another_thread_writes(db_path, tmp_path):
    open_database(db_path).close()
    enough_written, stop = threading.Event(), threading.Event()

    def writer():
        db = open_database(db_path)
        count = 0
        while not stop.is_set():
            add_alert(db, AlertDraft("k", "all", {"count": count}))
            count += 1
            if count == 50:
                enough_written.set()
        db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert enough_written.wait(timeout=30)
        copy = backup_database(db_path, tmp_path / "backup.db")
    finally:
        stop.set()
        thread.join()

    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM alerts").fetchone()[0] >= 50
    conn.close()
    backup = open_database(copy)
    assert backup["alerts"].count >= 50
    backup.close()


def test_missing_source_is_refused_and_nothing_is_created(db_path, tmp_path):
    with pytest.raises(DatabaseMissing, match=f"database file {db_path} does not exist"):
        backup_database(db_path, tmp_path / "backup.db")
    assert list(tmp_path.iterdir()) == []


def test_destination_in_a_missing_directory_is_refused(db_path, tmp_path):
    open_database(db_path).close()
    with pytest.raises(DatabaseUnusable, match=f"directory {tmp_path / 'gone'} does not exist"):
        backup_database(db_path, tmp_path / "gone" / "backup.db")


@pytest.mark.timeout(30)  # SQLite waits forever copying a file onto itself
def test_copy_onto_the_source_itself_is_refused(db_path, tmp_path):
    open_database(db_path).close()
    with pytest.raises(DatabaseUnusable, match="onto itself"):
        backup_database(db_path, tmp_path / "." / "trialbot.db")


def test_failed_copy_leaves_no_file_that_looks_like_a_backup(db_path, tmp_path):
    db_path.write_text("not a database\n")
    with pytest.raises(DatabaseUnusable, match="file is not a database"):
        backup_database(db_path, tmp_path / "backup.db")
    assert not (tmp_path / "backup.db").exists()
