"""The `trialbot` command line, run in-process against a real SQLite file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture(autouse=True)
def environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)     # no stray .env; the default ./trialbot.db lands here
    for name in ("TELEGRAM_BOT_TOKEN", "TRIALBOT_DB", "TRIALBOT_PROTOCOL", "TRIALBOT_ULN__ALT"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("history, expected", [
    ("", {"action": "enroll", "next_dose": 1, "complete": False, "mtd": None,
          "recommended_dose": 1}),
    ("1NNT 1NNN 2NTT", {"action": "mtd", "next_dose": None, "complete": True, "mtd": 1,
                        "recommended_dose": 1}),
    ("1NNN 2NTT", {"action": "de-escalate", "next_dose": 1, "complete": False, "mtd": None,
                   "recommended_dose": 1}),
])
def test_escalation_prints_the_decision_as_json(capsys, history, expected):
    assert main(["escalation", history]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {key: printed[key] for key in expected} == expected


@pytest.mark.parametrize("history, message", [
    ("2NNN", "starts at DL1"),
    ("1NNT 2N", "still undecided"),
    ("1NNQ", "unknown outcome letter"),
    ("3NNN", "does not exist"),
])
def test_escalation_refuses_forbidden_histories(capsys, history, message):
    assert main(["escalation", history]) != 0
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err


def test_run_without_token_explains_and_shows_status(capsys):
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "TELEGRAM_BOT_TOKEN" in out and "RD06-04: 0 enrolled, 12 of 12 places left" in out


def test_malformed_setting_stops_with_one_line_naming_it(capsys, monkeypatch):
    monkeypatch.setenv("TRIALBOT_ULN__ALT", "forty")
    assert main(["status"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "TRIALBOT_ULN__ALT" in err


def test_malformed_protocol_file_is_refused_naming_the_field(capsys, monkeypatch, tmp_path):
    from storage.protocol_file import DEFAULT_PROTOCOL_FILE

    broken = tmp_path / "amended.toml"
    text = DEFAULT_PROTOCOL_FILE.read_text()
    broken.write_text(text.replace("cohort_size = 3", "cohort_size = -3"))
    monkeypatch.setenv("TRIALBOT_PROTOCOL", str(broken))
    assert main(["escalation", "1NNN"]) == 2
    assert "escalation.cohort_size" in capsys.readouterr().err


@pytest.mark.parametrize("where", [".env", "TRIALBOT_PROTOCOL", "trialbot_protocol"])
def test_escalation_uses_the_protocol_set_anywhere_settings_are_read(capsys, monkeypatch,
                                                                       tmp_path, where):
    """`escalation` skips loading the settings only when nothing can name a protocol: an
    amended protocol in .env or in any-case environment must never be passed over."""
    from storage.protocol_file import DEFAULT_PROTOCOL_FILE

    amended = tmp_path / "amended.toml"
    text = DEFAULT_PROTOCOL_FILE.read_text()
    amended.write_text(text.replace("cohort_size = 3", "cohort_size = 2"))
    if where == ".env":
        (tmp_path / ".env").write_text(f"TRIALBOT_PROTOCOL={amended}\n")
    else:
        monkeypatch.setenv(where, str(amended))
    assert main(["escalation", "1NN"]) == 0
    assert json.loads(capsys.readouterr().out)["action"] == "escalate"  # cohorts of 2


@pytest.mark.parametrize("history", ["1NNT 1NNN 2NTT", "1NNN 2NTX", "1XXX 1XXX 1XXX 1XXX", "2NNN"])
def test_escalation_prints_the_same_when_the_shipped_protocol_is_named(capsys, monkeypatch,
                                                                       history):
    """Without TRIALBOT_PROTOCOL the shipped file's design is read without pydantic; named, the
    file is validated in full: the answer (or the refusal) is the same, to the byte."""
    from storage.protocol_file import DEFAULT_PROTOCOL_FILE

    unnamed = main(["escalation", history]), capsys.readouterr()
    monkeypatch.setenv("TRIALBOT_PROTOCOL", str(DEFAULT_PROTOCOL_FILE))
    named = main(["escalation", history]), capsys.readouterr()
    assert unnamed == named and (unnamed[1].out or unnamed[1].err)


def test_staff_add_list_deactivate(capsys):
    assert main(["staff", "add", "555", "--name", "Wei Xie", "--role", "admin"]) == 0
    assert main(["staff", "list"]) == 0
    assert "admin" in capsys.readouterr().out
    assert main(["staff", "deactivate", "555"]) == 0
    assert main(["staff", "deactivate", "555"]) == 1
    main(["staff", "list"])
    assert "inactive" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["99999999999999999999999", "²", "-5", "0"])
def test_staff_ids_that_cannot_be_telegram_ids_are_refused_in_one_line(capsys, bad):
    with pytest.raises(SystemExit) as stop:
        main(["staff", "add", bad, "--name", "Someone", "--role", "admin"])
    assert stop.value.code == 2
    assert "is not a Telegram user id" in capsys.readouterr().err


def test_backup_makes_a_copy_that_passes_integrity_check(tmp_path):
    main(["staff", "add", "555", "--name", "Wei Xie", "--role", "admin"])
    assert main(["backup", str(tmp_path / "copy.db")]) == 0
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM staff").fetchone()[0] == 1


def test_console_command_is_installed():
    done = subprocess.run([sys.executable, "-m", "bot.cli", "escalation", "1NNT"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and json.loads(done.stdout)["action"] == "expand"


# A database the command cannot use: one line on stderr, exit 2, no traceback, nothing changed.



def permission_bits_apply() -> bool:
    """False when running as root (with CAP_DAC_OVERRIDE), which may write a chmod 444 file."""
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe"
        probe.touch(mode=0o444)
        return not os.access(probe, os.W_OK)


NOT_AS_ROOT = pytest.mark.skipif(
    not permission_bits_apply(),
    reason="running as root, which ignores permission bits, so chmod cannot make a path "
           "read-only; tests/storage covers read-only files through SQLite's mode=ro")
READING = [["status"], ["backup", "copy.db"], ["staff", "list"], ["staff", "deactivate", "555"]]
CREATING = [["run"], ["staff", "add", "555", "--name", "Wei Xie", "--role", "admin"]]
OPENING = [command for command in READING + CREATING if command[0] != "backup"]


def refusal(capsys) -> str:
    """The one line a refused command wrote on stderr."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def snapshot(folder):
    """Every file in the folder with its bytes."""
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def newer_schema_database(path):
    """A database written by a future trialbot, still in the rollback-journal mode."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE future (x)")
        conn.execute("PRAGMA user_version=99")
    return path


@pytest.mark.parametrize("command", READING)
def test_reading_commands_refuse_a_missing_database_naming_it(capsys, monkeypatch, tmp_path,
                                                              command):
    missing = tmp_path / "typo.db"
    monkeypatch.setenv("TRIALBOT_DB", str(missing))
    assert main(command) == 2
    line = refusal(capsys)
    assert str(missing) in line and "does not exist" in line and "TRIALBOT_DB" in line
    assert snapshot(tmp_path) == {}  # neither an empty database nor an empty copy


@pytest.mark.parametrize("command", READING + CREATING)
def test_every_command_refuses_a_database_in_a_missing_directory(capsys, monkeypatch, tmp_path,
                                                                 command):
    monkeypatch.setenv("TRIALBOT_DB", str(tmp_path / "gone" / "trialbot.db"))
    assert main(command) == 2
    assert f"{tmp_path / 'gone'}" in refusal(capsys)
    assert snapshot(tmp_path) == {}


@pytest.mark.parametrize("command", CREATING)
def test_run_and_staff_add_may_start_a_new_database(capsys, monkeypatch, tmp_path, command):
    monkeypatch.setenv("TRIALBOT_DB", str(tmp_path / "site.db"))
    assert main(command) == 0
    assert capsys.readouterr().err == "" and (tmp_path / "site.db").exists()


def test_backup_into_a_missing_directory_is_refused(capsys, tmp_path):
    main(["staff", "add", "555", "--name", "Wei Xie", "--role", "admin"])
    assert main(["backup", str(tmp_path / "gone" / "copy.db")]) == 2
    line = refusal(capsys)
    assert f"directory {tmp_path / 'gone'} does not exist" in line


@pytest.mark.timeout(30)  # SQLite waits forever copying a file onto itself
def test_backup_onto_the_database_itself_is_refused(capsys, tmp_path):
    main(["staff", "add", "555", "--name", "Wei Xie", "--role", "admin"])
    before = snapshot(tmp_path)
    assert main(["backup", "trialbot.db"]) == 2
    assert "onto itself" in refusal(capsys) and snapshot(tmp_path) == before


def test_backup_does_not_overwrite_a_file_that_is_not_a_database(capsys, tmp_path):
    main(["staff", "add", "555", "--name", "Wei Xie", "--role", "admin"])
    (tmp_path / "notes.txt").write_text("screening notes\n" * 100)
    assert main(["backup", "notes.txt"]) == 2
    assert "not a database" in refusal(capsys)
    assert (tmp_path / "notes.txt").read_text() == "screening notes\n" * 100


@pytest.mark.parametrize("command", OPENING)
def test_a_file_that_is_not_a_database_is_refused_untouched(capsys, monkeypatch, tmp_path,
                                                           command):
    (tmp_path / "notes.txt").write_text("screening notes\n" * 100)
    monkeypatch.setenv("TRIALBOT_DB", "notes.txt")
    before = snapshot(tmp_path)
    assert main(command) == 2
    assert "not a database" in refusal(capsys) and snapshot(tmp_path) == before


@pytest.mark.parametrize("command", OPENING)
def test_newer_schema_database_is_refused_and_left_byte_for_byte(capsys, tmp_path, command):
    database = newer_schema_database(tmp_path / "trialbot.db")
    before = snapshot(tmp_path)
    assert main(command) == 2
    assert "upgrade trialbot" in refusal(capsys)
    assert snapshot(tmp_path) == before  # same bytes, and no -wal or -shm file beside it
    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


@NOT_AS_ROOT
@pytest.mark.parametrize("command", OPENING)
def test_read_only_database_is_refused_untouched(capsys, tmp_path, command):
    main(["staff", "add", "555", "--name", "Wei Xie", "--role", "admin"])
    (tmp_path / "trialbot.db").chmod(0o444)
    before = snapshot(tmp_path)
    assert main(command) == 2
    assert f"{tmp_path / 'trialbot.db'} is read-only" in refusal(capsys)
    assert snapshot(tmp_path) == before


@NOT_AS_ROOT
@pytest.mark.parametrize("command", OPENING)
def test_database_in_a_read_only_directory_is_refused(capsys, monkeypatch, tmp_path, command):
    folder = tmp_path / "locked"
    folder.mkdir()
    monkeypatch.setenv("TRIALBOT_DB", str(folder / "trialbot.db"))
    main(["staff", "add", "555", "--name", "Wei Xie", "--role", "admin"])
    capsys.readouterr()
    folder.chmod(0o555)
    try:
        assert main(command) == 2
        assert f"directory {folder} is not writable" in refusal(capsys)
    finally:
        folder.chmod(0o755)


def test_backup_copies_a_read_only_database(tmp_path):
    main(["staff", "add", "555", "--name", "Wei Xie", "--role", "admin"])
    (tmp_path / "trialbot.db").chmod(0o444)
    assert main(["backup", "copy.db"]) == 0
    with closing(sqlite3.connect(tmp_path / "copy.db")) as copy:
        assert copy.execute("SELECT count(*) FROM staff").fetchone()[0] == 1


def test_escalation_json_says_the_reason_and_alerts_in_words(capsys):
    assert main(["escalation", "1NNT"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["reason"] == ("DL1: 1 DLT in 3 evaluable participants: expand DL1 to 6 "
                                 "(3 places open).")
    assert printed["alerts"][0]["message"] == ("DL1: 1 DLT in 3 evaluable participants. Expand "
                                               "DL1 to 6 participants.")
    assert printed["per_level"][0]["status"] == "under-evaluation"
