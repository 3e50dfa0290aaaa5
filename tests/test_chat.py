"""`trialbot chat` and `make run` without a token: the real bot on the local Bot API, typed to
(or piped into) as the demo staff, on the demo database, stopped cleanly by Ctrl-C."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time

import pytest
from telegram import Bot

from bot.chat import DEMO_STAFF, Person, Terminal, prepare
from bot.local_api import LocalBotAPI
from bot.lock import run_lock
from storage.database import open_database
from storage.screenings import screening_answers
from storage.staff import add_staff

COORDINATOR = DEMO_STAFF["coordinator"][0]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A folder with no .env, an environment with no token; TRIALBOT_DB names the trial's
    database, which the chat must leave alone."""
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.upper().startswith(("TRIALBOT_", "TELEGRAM_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("TRIALBOT_DB", str(tmp_path / "trial.db"))
    monkeypatch.setenv("TRIALBOT_LANGUAGE", "en")  # the demo's people send no language_code
    return tmp_path


def trialbot(*args: str, typed: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=typed,
                          capture_output=True, text=True, timeout=timeout, check=False)


def test_make_run_without_a_token_is_the_offline_chat(folder):
    done = trialbot("run", "--chat-if-no-token", typed="/help\n/status\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "No Telegram token is set" in out and "TELEGRAM_BOT_TOKEN" in out  # how to go online
    assert "coordinator> /help" in out and "trialbot for Demo Coordinator (coordinator)" in out
    assert "coordinator> /status" in out and "RD06-04: 0 enrolled" in out
    assert out.index("Commands you can use") < out.index("RD06-04: 0 enrolled")
    assert (folder / "trialbot-demo.db").exists() and not (folder / "trial.db").exists()


def test_the_demo_answers_again_the_next_time_it_is_run(folder):
    """The demo database keeps the ids of the updates its bot handled; a local server started
    again must not hand out those ids again (the bot would ignore every message)."""
    for _ in range(2):
        done = trialbot("run", "--chat-if-no-token", typed="/status\n")
        assert done.returncode == 0, done.stderr
        assert "RD06-04: 0 enrolled" in done.stdout


def test_buttons_by_number_and_people_by_role(folder):
    typed = "/screen\n1\n/as investigator\n/dlt\n/as nurse\n/as stranger\n/status\n"
    done = trialbot("chat", typed=typed)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "[1] Yes   [2] No" in out and "Consent Yes" in out  # "1" pressed Yes
    assert "[you are now Demo Investigator (investigator)]" in out
    assert "Nobody is in a DLT window now." in out
    assert "/as takes one of: coordinator, investigator, admin, stranger" in out
    assert "Your Telegram user id is 1009" in out  # the stranger is refused
    db = open_database(folder / "trialbot-demo.db")
    assert screening_answers(db, "S-001") == {"consent": "yes"}
    db.close()


def test_another_database_only_when_asked_and_not_seeded(folder):
    real = open_database(folder / "real.db")
    add_staff(real, user_id=555, name="Wei Xie", role="admin", actor="shell")
    real.close()
    done = trialbot("chat", "--db", "real.db", typed="/staff list\n/as coordinator\n")
    assert done.returncode == 0, done.stderr
    assert "You are Wei Xie (admin)" in done.stdout and "555 · admin · active" in done.stdout
    assert "nobody in the database is coordinator" in done.stdout
    assert "Demo" not in done.stdout and not (folder / "trialbot-demo.db").exists()


def test_a_bot_that_cannot_start_is_explained(folder):
    with run_lock(folder / "trialbot-demo.db"):  # another bot serves the demo database
        done = trialbot("chat", typed="/help\n")
    assert done.returncode == 2
    assert "did not start" in done.stderr and "already serving" in done.stderr


def test_ctrl_c_stops_the_chat_and_the_bot(folder):
    chat = subprocess.Popen([sys.executable, "-m", "bot.cli", "chat"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # its own group, as a terminal's job
    try:
        for line in chat.stdout:
            if "Ctrl-C ends" in line:
                break
        started = time.monotonic()
        os.killpg(chat.pid, signal.SIGINT)  # what Ctrl-C does: to the whole foreground group
        out, err = chat.communicate(timeout=30)
    finally:
        if chat.poll() is None:
            os.killpg(chat.pid, signal.SIGKILL)
    assert chat.returncode == 0 and "Stopped." in out and "Traceback" not in err, err
    assert time.monotonic() - started < 10
    with run_lock(folder / "trialbot-demo.db"):  # the bot has stopped too
        pass
    assert "Application.stop() complete" in (folder / "trialbot-demo.log").read_text()


async def test_files_the_bot_sends_are_saved_and_shown(tmp_path):
    api = LocalBotAPI()
    await api.start()
    people = prepare(tmp_path / "demo.db", seed=True)
    out = io.StringIO()
    terminal = Terminal(api, people, tmp_path / "files", out=out)
    root = api.base_url.removesuffix("/bot")
    async with Bot(api.token, base_url=api.base_url, base_file_url=f"{root}/file/bot") as bot:
        await bot.send_document(COORDINATOR, b"number,status\n", filename="log.csv",
                                caption="Screening log")
        await bot.send_message(DEMO_STAFF["investigator"][0], "DLT reported: P-03")
    await api.stop()
    terminal.flush()
    saved = tmp_path / "files" / f"{COORDINATOR}-1-log.csv"
    assert saved.read_bytes() == b"number,status\n"
    assert f"bot: [sent {saved}]\n    Screening log" in out.getvalue()
    assert "bot → Demo Investigator (investigator): DLT reported: P-03" in out.getvalue()
    assert people["coordinator"] == Person(COORDINATOR, "Demo Coordinator", "coordinator")


def test_make_run_with_a_token_runs_the_bot_as_before(folder, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9/bot")
    with run_lock(folder / "trial.db"):  # going online takes the trial database's lock
        assert main(["run", "--chat-if-no-token"]) == 2
    assert "already serving" in capsys.readouterr().err
    assert not (folder / "trialbot-demo.db").exists()
