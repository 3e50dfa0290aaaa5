"""Assembling the Application from settings."""

from __future__ import annotations

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
