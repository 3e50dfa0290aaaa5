"""End-to-end: `trialbot run` as a child process against the local Bot API server
(bot/local_api.py) and a temporary database, driven as people use it. Selected with
`pytest -m e2e` (and left out with `-m "not e2e"`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import Settings
from bot.local_api import LocalBotAPI
from bot.local_run import BotProcess
from bot.trial import make_trial
from storage.staff import add_staff
from tests.e2e.people import ADMIN, COORDINATOR, INVESTIGATOR, NAMES

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def plain_environment(tmp_path, monkeypatch):
    """The bot reads no setting but those the test gives (no .env: it runs in tmp_path)."""
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.upper().startswith(("TRIALBOT_", "TELEGRAM_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("TRIALBOT_LANGUAGE", "en")  # an English-speaking site


@pytest.fixture
async def api():
    server = LocalBotAPI()
    await server.start()
    for user_id, name in NAMES.items():
        server.meet(user_id, name)
    yield server
    await server.stop()


@pytest.fixture
def trial(tmp_path):
    """The trial's database as the bot will use it, opened by the test to set up and check."""
    trial = make_trial(Settings(_env_file=None, db=tmp_path / "trial.db"))
    add_staff(trial.db, user_id=ADMIN, name=NAMES[ADMIN], role="admin", actor="test")
    yield trial
    trial.db.close()


@pytest.fixture
def staffed(trial):
    """A coordinator and an investigator besides the admin."""
    add_staff(trial.db, user_id=COORDINATOR, name=NAMES[COORDINATOR], role="coordinator",
              actor="test")
    add_staff(trial.db, user_id=INVESTIGATOR, name=NAMES[INVESTIGATOR], role="investigator",
              actor="test")
    return trial


@pytest.fixture
async def bot(api, trial, tmp_path):
    """`trialbot run` on the trial's database, polling the local server."""
    process = BotProcess(api, tmp_path / "trial.db", tmp_path / "bot.log")
    await process.start()
    yield process
    await process.stop()
