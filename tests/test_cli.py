"""The `trialbot` command line, run in-process against a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

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
    from domain.protocol import DEFAULT_PROTOCOL_FILE

    broken = tmp_path / "amended.toml"
    text = DEFAULT_PROTOCOL_FILE.read_text()
    broken.write_text(text.replace("cohort_size = 3", "cohort_size = -3"))
    monkeypatch.setenv("TRIALBOT_PROTOCOL", str(broken))
    assert main(["escalation", "1NNN"]) == 2
    assert "escalation.cohort_size" in capsys.readouterr().err


def test_staff_add_list_deactivate(capsys):
    assert main(["staff", "add", "555", "--name", "Wei Xie", "--role", "admin"]) == 0
    assert main(["staff", "list"]) == 0
    assert "admin" in capsys.readouterr().out
    assert main(["staff", "deactivate", "555"]) == 0
    assert main(["staff", "deactivate", "555"]) == 1
    main(["staff", "list"])
    assert "inactive" in capsys.readouterr().out


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
