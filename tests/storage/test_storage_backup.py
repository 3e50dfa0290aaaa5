import sqlite3
import threading

from storage.backup import backup_database
from storage.database import open_database
from storage.outbox import add_alert


def test_backup_while_another_thread_writes(db_path, tmp_path):
    open_database(db_path).close()
    enough_written, stop = threading.Event(), threading.Event()

    def writer():
        db = open_database(db_path)
        count = 0
        while not stop.is_set():
            add_alert(db, kind="k", text=f"alert {count}", recipients="all")
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
