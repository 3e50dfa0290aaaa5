"""Assembling the Application from settings."""

from __future__ import annotations

import pytest

from bot.app import build_application
from tests.handlers.conftest import make_settings
from tests.telegram_fake import FakeBotAPI


def test_self_hosted_bot_api_server_is_used(tmp_path):
    settings = make_settings(tmp_path, api_base_url="http://127.0.0.1:8081/bot")
    app = build_application(settings, request=FakeBotAPI())
    assert app.bot.base_url == "http://127.0.0.1:8081/bot123:TEST"
    assert app.bot.base_file_url == "http://127.0.0.1:8081/file/bot123:TEST"


def test_default_is_telegram(tmp_path):
    app = build_application(make_settings(tmp_path), request=FakeBotAPI())
    assert app.bot.base_url == "https://api.telegram.org/bot123:TEST"


def test_every_form_is_a_persistent_conversation_in_its_own_group(tmp_path):
    from telegram.ext import ConversationHandler

    app = build_application(make_settings(tmp_path), request=FakeBotAPI())
    conversations = {
        group: [h.name for h in handlers if isinstance(h, ConversationHandler)]
        for group, handlers in app.handlers.items()
    }
    named = [names for names in conversations.values() if names]
    assert all(len(names) == 1 for names in named)
    assert {names[0] for names in named} >= {"screening", "enrollment", "dlt"}
    assert all(h.persistent for hs in app.handlers.values() for h in hs
               if isinstance(h, ConversationHandler))


def test_alert_settings_come_from_the_environment(tmp_path, monkeypatch):
    from datetime import time

    from bot.config import SettingsError, load_settings

    monkeypatch.setenv("TRIALBOT_ALERT_CHAT", "-1001234567890")
    monkeypatch.setenv("TRIALBOT_REMINDER_TIME", "07:30")
    settings = load_settings(_env_file=None)
    assert (settings.alert_chat, settings.reminder_time) == (-1001234567890, time(7, 30))
    assert load_settings(_env_file=None, alert_chat=None).alert_chat is None
    monkeypatch.setenv("TRIALBOT_REMINDER_TIME", "8 o'clock")
    with pytest.raises(SettingsError, match="TRIALBOT_REMINDER_TIME"):
        load_settings(_env_file=None)
    monkeypatch.setenv("TRIALBOT_REMINDER_TIME", "08:00+08:00")
    with pytest.raises(SettingsError, match="TRIALBOT_REMINDER_TIME.*without a zone"):
        load_settings(_env_file=None)


async def test_an_update_delivered_again_is_handled_once(tmp_path):
    """Telegram delivers again an update the bot did not confirm (it crashed first) and may
    deliver one twice: /screen must not open two screenings, before or after a restart."""
    from telegram import Update

    from storage.screenings import list_screenings
    from storage.staff import add_staff

    settings = make_settings(tmp_path)
    chat = {"id": 1001, "type": "private", "first_name": "Li"}
    message = {"message_id": 1, "date": 0, "chat": chat, "text": "/screen",
               "from": {"id": 1001, "is_bot": False, "first_name": "Li"},
               "entities": [{"type": "bot_command", "offset": 0, "length": 7}]}

    async def deliver(update_id: int) -> int:
        """Start the bot, deliver the update; how many messages the bot sent."""
        fake = FakeBotAPI()
        app = build_application(settings, request=fake)
        add_staff(app.bot_data["trial"].db, user_id=1001, name="Li", role="coordinator",
                  actor="test")
        async with app:
            for _ in range(2):
                await app.process_update(Update.de_json(
                    {"update_id": update_id, "message": message}, app.bot))
            screenings = list_screenings(app.bot_data["trial"].db)
        app.persistence.close()
        assert len(screenings) == (1 if update_id == 500 else 2)
        return len(fake.calls_of("sendMessage"))

    assert await deliver(500) == 1  # twice in a row: handled once
    assert await deliver(500) == 0  # again after a restart: not handled
    assert await deliver(501) == 1  # the next update is
