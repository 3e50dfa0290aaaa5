"""The real Application (handlers, persistence, SQLite file) against an in-memory Bot API."""

from __future__ import annotations

import pytest

from bot.app import build_application
from bot.config import Settings
from handlers.alert_words import alert_text
from handlers.texts import COMMON
from storage.outbox import alerts
from storage.staff import add_staff
from tests.telegram_fake import ChatDriver, FakeBotAPI

COORDINATOR, INVESTIGATOR, ADMIN, STRANGER = 1001, 1002, 1003, 9999
GROUP = -100500


def no_form_open(sent) -> bool:
    """The only reply is that no form is open: the message was taken by no form."""
    return [s.text for s in sent] == [COMMON["no_form_open"]]


def make_settings(tmp_path, **overrides) -> Settings:
    """The tests' site speaks English (TRIALBOT_LANGUAGE=en) unless a test says otherwise."""
    return Settings(_env_file=None, token="123:TEST", db=tmp_path / "trial.db",
                    **{"language": "en", **overrides})


async def start_app(settings: Settings):
    app = build_application(settings, request=FakeBotAPI())
    await app.initialize()
    return app


@pytest.fixture
def settings(tmp_path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def app(settings):
    application = await start_app(settings)
    db = application.bot_data["trial"].db
    add_staff(db, user_id=COORDINATOR, name="Coordinator Li", role="coordinator", actor="test")
    add_staff(db, user_id=INVESTIGATOR, name="Dr Mei", role="investigator", actor="test")
    add_staff(db, user_id=ADMIN, name="Admin Xie", role="admin", actor="test")
    yield application
    await application.shutdown()


@pytest.fixture
def driver(app) -> ChatDriver:
    return ChatDriver(app)


@pytest.fixture
def db(app):
    return app.bot_data["trial"].db


def worded(app, alert: dict) -> str:
    """An alert as the bot words it when sending."""
    return alert_text(app.bot_data["trial"].protocol, alert)


def alert_texts(app) -> list[str]:
    """Every alert in the outbox, oldest first, in words."""
    return [worded(app, alert) for alert in alerts(app.bot_data["trial"].db)]
