"""The local Bot API server answers python-telegram-bot as Telegram does: field names, dates,
offsets and long polls, the errors PTB maps to its exceptions, files, and injected faults."""

from __future__ import annotations

import asyncio
import json
import time
import zlib

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Conflict, InvalidToken, NetworkError, RetryAfter

from bot.local_api import DEMO_TOKEN, Faults, LocalBotAPI, settle

USER = 42


def png(width: int, height: int) -> bytes:
    """A valid one-colour PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


@pytest.fixture
async def api():
    server = LocalBotAPI()
    await server.start()
    server.meet(USER, "Li")
    yield server
    await server.stop()


def bot_for(api: LocalBotAPI, token: str = DEMO_TOKEN) -> Bot:
    root = api.base_url.removesuffix("/bot")
    return Bot(token, base_url=api.base_url, base_file_url=f"{root}/file/bot")


@pytest.fixture
async def bot(api):
    async with bot_for(api) as client:  # initialize(): getMe
        yield client


async def test_the_bot_is_who_the_token_says(api, bot):
    assert (bot.id, bot.username) == (1000000001, "trialbot_local_bot")
    assert [c.method for c in api.calls] == ["getMe"]


async def test_messages_have_telegram_fields_and_html_is_read(api, bot):
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="answer:yes")]])
    sent = await bot.send_message(USER, "<b>Age</b> &lt; 70?", parse_mode="HTML",
                                  reply_markup=markup)
    assert (sent.text, sent.chat.id, sent.from_user.id, sent.message_id) == (
        "Age < 70?", USER, bot.id, 1)
    assert sent.reply_markup == markup and sent.date.year >= 2025
    [call] = [c for c in api.calls if c.method == "sendMessage"]
    assert call.params["chat_id"] == USER and call.params["reply_markup"] == markup.to_dict()


async def test_telegram_errors_become_ptbs_exceptions(api, bot):
    sent = await bot.send_message(USER, "Age?")
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("Age?", chat_id=USER, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=99)
    with pytest.raises(BadRequest, match="[Cc]hat not found"):
        await bot.send_message(777, "hello")
    with pytest.raises(BadRequest, match="is empty"):
        await bot.send_message(USER, " ")
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match="parse entities"):
        await bot.send_message(USER, "a < b", parse_mode="HTML")
    with pytest.raises(BadRequest, match="not served"):  # 400, not PTB's InvalidToken for 404
        await bot.do_api_request("sendDice", api_kwargs={"chat_id": USER})
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(USER, "x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("long", callback_data="x" * 65)]]))
    user_message = api.post_message(USER, "hi")
    with pytest.raises(BadRequest, match="can't be edited"):
        await bot.edit_message_text("x", chat_id=USER, message_id=user_message["message_id"])
    with pytest.raises(InvalidToken):
        async with bot_for(api, "1000000001:WRONG"):
            pass


async def test_updates_are_confirmed_by_offset(api, bot):
    api.post_message(USER, "/status")
    api.post_message(USER, "45")
    first = await bot.get_updates(timeout=0)
    assert [u.message.text for u in first] == ["/status", "45"]
    assert first[0].message.entities[0].type == "bot_command"
    assert isinstance(api.updates[0]["message"]["date"], int)  # Unix seconds
    ids = [u.update_id for u in first]
    assert ids[1] == ids[0] + 1
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == ids  # not confirmed
    assert await bot.get_updates(offset=ids[1] + 1, timeout=0) == ()
    assert api.updates == []


async def test_a_long_poll_answers_when_an_update_comes(api, bot):
    started = time.monotonic()
    polling = asyncio.ensure_future(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    api.post_message(USER, "hello")
    [update] = await polling
    assert update.message.text == "hello" and time.monotonic() - started < 2
    started = time.monotonic()
    assert await bot.get_updates(offset=update.update_id + 1, timeout=1) == ()
    assert time.monotonic() - started >= 0.9  # nothing came: waited the whole timeout


async def test_a_second_poller_ends_the_first_with_a_conflict(api, bot):
    first = asyncio.ensure_future(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    async with bot_for(api) as other:
        second = asyncio.ensure_future(other.get_updates(timeout=1))
        with pytest.raises(Conflict, match="only one bot instance"):
            await first
        assert await second == ()


async def test_buttons_are_pressed_and_answered_once(api, bot):
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="answer:yes"),
                                    InlineKeyboardButton("No", callback_data="answer:no")]])
    sent = await bot.send_message(USER, "Consent?", reply_markup=markup)
    query = api.press(USER, "No")
    [update] = await bot.get_updates(timeout=0)
    assert update.callback_query.data == "answer:no"
    assert update.callback_query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query["id"], "noted")
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(query["id"])
    edited = await bot.edit_message_reply_markup(USER, sent.message_id)
    assert edited.reply_markup is None or edited.reply_markup.inline_keyboard == ()
    with pytest.raises(LookupError):
        api.press(USER, "Maybe")


async def test_photos_and_documents_are_stored_and_downloadable(api, bot):
    picture = png(3, 2)
    sent = await bot.send_photo(USER, picture, caption="DL1 cohort")
    assert (sent.photo[-1].width, sent.photo[-1].height, sent.caption) == (3, 2, "DL1 cohort")
    got = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await got.download_as_bytearray()) == picture
    document = await bot.send_document(USER, b"number,status\n", filename="screening-log.csv")
    assert (document.document.file_name, document.document.file_size) == (
        "screening-log.csv", 14)
    again = await bot.send_document(USER, document.document.file_id)  # by file_id
    assert again.document.file_id == document.document.file_id


async def test_what_users_send_besides_text(api, bot):
    api.post_message(USER, sticker=api.sticker())
    api.post_message(USER, document=api.document("labs.pdf", b"%PDF-1.4"))
    group = api.group(-100123, "Trial team")
    api.post_message(USER, "/status", chat_id=group["id"])
    message = api.post_message(USER, "45")
    api.edit_own_message(USER, message["message_id"], "46")
    updates = await bot.get_updates(timeout=0)
    assert updates[0].message.sticker.emoji == "👍"
    assert updates[1].message.document.file_name == "labs.pdf"
    assert (updates[2].message.chat.type, updates[2].message.chat.id) == ("supergroup", -100123)
    assert updates[3].message.text == "45" and updates[4].edited_message.text == "46"


async def test_faults_for_a_while(api, bot):
    api.inject(Faults(server_error=1.0), seconds=0.5)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "a")
    api.inject(Faults(too_many=1.0, retry_after=3), seconds=0.5)
    with pytest.raises(RetryAfter) as limited:
        await bot.send_message(USER, "b")
    assert "3" in str(limited.value)
    window = api.inject(Faults(dropped=1.0), seconds=0.5, seed=2)
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(USER, "c")
    assert window.counts["dropped_before"] + window.counts["dropped_after"] == 2
    await asyncio.sleep(0.5)
    assert (await bot.send_message(USER, "d")).text == "d"  # the window is over
    assert [c.status for c in api.calls if c.method == "sendMessage"] == [500, 429, 0, 0, 200]


async def test_duplicate_updates_come_again_after_confirmation(api, bot):
    window = api.inject(Faults(duplicate=1.0), seconds=5)
    api.post_message(USER, "/screen")
    [first] = await bot.get_updates(timeout=0)
    [again] = await bot.get_updates(offset=first.update_id + 1, timeout=0)
    assert again.update_id == first.update_id and window.counts["duplicate"] == 1
    assert await bot.get_updates(offset=first.update_id + 1, timeout=0) == ()


async def test_bodies_as_json_and_as_a_query_string(api):
    base = f"{api.base_url}{api.token}"
    async with httpx.AsyncClient() as client:
        sent = (await client.post(f"{base}/sendMessage", json={"chat_id": USER, "text": "hi"}
                                  )).json()
        assert sent["ok"] and sent["result"]["text"] == "hi"
        me = (await client.get(f"{base}/getme")).json()  # method names ignore case
        assert me["result"]["is_bot"] is True
        wrong = await client.get(f"{api.base_url}1:WRONG/getMe")
        assert wrong.status_code == 401 and wrong.json() == {
            "ok": False, "error_code": 401, "description": "Unauthorized"}
        commands = [{"command": "status", "description": "Escalation status"}]
        await client.post(f"{base}/setMyCommands", data={"commands": json.dumps(commands)})
        assert (await client.get(f"{base}/getMyCommands")).json()["result"] == commands


async def test_settle_waits_until_the_bot_has_answered_what_was_posted(api, bot):
    """settle() posts a stranger's message and returns once the bot answers it."""
    async def answer_everything():
        offset = 0
        while True:
            for update in await bot.get_updates(offset=offset, timeout=1):
                offset = update.update_id + 1
                await asyncio.sleep(0.05)  # a slow handler
                await bot.send_message(update.message.chat.id, "seen")
    answering = asyncio.ensure_future(answer_everything())
    try:
        api.post_message(USER, "one")
        api.post_message(USER, "two")
        await settle(api, timeout=5)
        assert [c.params["chat_id"] for c in api.calls if c.method == "sendMessage"][:2] == [
            USER, USER]
    finally:
        answering.cancel()
