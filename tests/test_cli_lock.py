"""One `trialbot run` per database: a second one refuses before going online."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from bot.cli import main
from bot.lock import lock_path, run_lock

HOLD_THE_LOCK = """\
import sys, time
from bot.lock import run_lock
with run_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(300)
"""


@pytest.fixture
def database(tmp_path, monkeypatch):
    """The settings of a bot about to go online; were the lock ignored, it would fail to reach
    this closed local port instead of reaching Telegram."""
    monkeypatch.chdir(tmp_path)
    for name in ("TRIALBOT_PROTOCOL", "TRIALBOT_ULN__ALT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRIALBOT_DB", str(tmp_path / "trialbot.db"))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9/bot")
    return tmp_path / "trialbot.db"


def refusal(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_second_run_refuses_naming_the_database_and_the_holder(database, capsys):
    with run_lock(database):
        assert main(["run"]) == 2
    line = refusal(capsys)
    assert str(database) in line and f"pid {os.getpid()}" in line


def test_lock_dies_with_a_killed_holder(database, capsys):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_LOCK, str(database)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["run"]) == 2
        assert f"pid {holder.pid}" in refusal(capsys)
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # no chance to clean up
        holder.wait()
        holder.stdout.close()
    assert holder.returncode == -signal.SIGKILL
    with run_lock(database) as held:  # the kernel released it
        assert held == lock_path(database)
        assert held.read_text() == f"{os.getpid()}\n"


def test_run_without_token_needs_no_lock(database, capsys, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    with run_lock(database):
        assert main(["run"]) == 0
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().out


def test_another_name_for_the_same_database_is_the_same_lock(database, capsys, monkeypatch):
    (database.parent / "alias.db").symlink_to(database)
    monkeypatch.setenv("TRIALBOT_DB", "alias.db")
    with run_lock(database):
        assert main(["run"]) == 2
    assert "already serving" in refusal(capsys)
