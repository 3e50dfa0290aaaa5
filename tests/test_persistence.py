"""SQLitePersistence: python-telegram-bot's conversations and data survive a restart."""

import json

import pytest
from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.persistence import SQLitePersistence

ASKING_AGE, ASKING_SEX = 1, 2


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "trialbot.db"


class FakeBotApi(BaseRequest):
    """Answers getMe and sendMessage like the Bot API would; records what was sent."""

    def __init__(self):
        self.sent = []

    @property
    def read_timeout(self):
        return 1.0

    async def initialize(self):
        pass

    async def shutdown(self):
        pass

    async def do_request(self, url, method, request_data=None, **timeouts):
        name = url.rsplit("/", 1)[-1]
        if name == "getMe":
            result = {"id": 1, "is_bot": True, "first_name": "trialbot", "username": "trialbot"}
        else:
            params = request_data.parameters if request_data else {}
            self.sent.append(params.get("text"))
            result = {
                "message_id": len(self.sent),
                "date": 0,
                "text": params.get("text"),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()


def message(update_id, text, user_id=5):
    data = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Coordinator"},
            "text": text,
        },
    }
    if text.startswith("/"):
        data["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return data


async def start(update, context):
    context.user_data["screening"] = "S-001"
    context.chat_data["language"] = "en"
    context.bot_data["started"] = context.bot_data.get("started", 0) + 1
    await update.message.reply_text("Age?")
    return ASKING_AGE


async def age(update, context):
    await update.message.reply_text(f"Sex? ({context.user_data['screening']})")
    return ASKING_SEX


async def sex(update, context):
    return ConversationHandler.END


def build_app(path, api):
    app = (
        Application.builder()
        .token("1:TEST")
        .request(api)
        .persistence(SQLitePersistence(path))
        .build()
    )
    app.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={
                ASKING_AGE: [MessageHandler(filters.TEXT & ~filters.COMMAND, age)],
                ASKING_SEX: [MessageHandler(filters.TEXT & ~filters.COMMAND, sex)],
            },
            fallbacks=[],
            name="screening",
            persistent=True,
        )
    )
    return app


async def test_direct_round_trip(db_path):
    first = SQLitePersistence(db_path)
    await first.update_conversation("screening", (5, 5), ASKING_AGE)
    await first.update_conversation("screening", (6, 6), ASKING_AGE)
    await first.update_conversation("screening", (6, 6), None)
    await first.update_user_data(5, {"screening": "S-001"})
    await first.update_chat_data(-100, {"muted": True})
    await first.update_bot_data({"version": 2})
    await first.update_user_data(7, {"x": 1})
    await first.drop_user_data(7)
    await first.flush()
    first.close()

    second = SQLitePersistence(db_path)
    assert await second.get_conversations("screening") == {(5, 5): ASKING_AGE}
    assert await second.get_conversations("other") == {}
    assert await second.get_user_data() == {5: {"screening": "S-001"}}
    assert await second.get_chat_data() == {-100: {"muted": True}}
    assert await second.get_bot_data() == {"version": 2}
    assert await second.get_callback_data() is None
    second.close()


async def test_conversation_survives_a_restart(db_path):
    api = FakeBotApi()
    app = build_app(db_path, api)
    async with app:
        await app.process_update(Update.de_json(message(1, "/start"), app.bot))
        await app.update_persistence()
    app.persistence.close()

    restarted = build_app(db_path, api)
    async with restarted:
        assert restarted.user_data[5] == {"screening": "S-001"}
        assert restarted.chat_data[5] == {"language": "en"}
        assert restarted.bot_data == {"started": 1}
        await restarted.process_update(Update.de_json(message(2, "34"), restarted.bot))
        await restarted.update_persistence()
    restarted.persistence.close()

    assert api.sent == ["Age?", "Sex? (S-001)"]
    check = SQLitePersistence(db_path)
    assert await check.get_conversations("screening") == {(5, 5): ASKING_SEX}
    check.close()
