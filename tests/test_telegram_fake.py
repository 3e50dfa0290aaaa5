"""The FakeBotAPI + ChatDriver harness drives a real python-telegram-bot Application."""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)

from tests.telegram_fake import BOT_USERNAME, ChatDriver, FakeBotAPI

pytestmark = pytest.mark.filterwarnings("ignore:If 'per_message=False'")

TOKEN = "123:TEST"
USER = 42
ASK, DONE = range(2)


def build_app(fake: FakeBotAPI, *handlers, persistence=None) -> Application:
    builder = Application.builder().token(TOKEN).request(fake).get_updates_request(fake)
    if persistence is not None:
        builder = builder.persistence(persistence)
    app = builder.build()
    app.add_handlers(list(handlers))
    return app


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(" ".join(context.args) or "(nothing)")


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    keyboard = [[InlineKeyboardButton("Yes", callback_data="ans:yes"),
                 InlineKeyboardButton("No", callback_data="ans:no")]]
    await update.message.reply_text("Eligible?", reply_markup=InlineKeyboardMarkup(keyboard))
    return ASK


async def answered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.callback_query.answer()
    choice = update.callback_query.data.split(":")[1]
    context.user_data["choice"] = choice
    await update.callback_query.edit_message_text(f"You chose <b>{choice}</b>", parse_mode="HTML")
    return DONE


async def finish(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    choice = context.user_data["choice"]
    await update.message.reply_text(f"Recorded {choice}: {update.message.text}")
    return ConversationHandler.END


def conversation(**kwargs) -> ConversationHandler:
    return ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states={ASK: [CallbackQueryHandler(answered, pattern=r"^ans:")],
                DONE: [MessageHandler(filters.TEXT & ~filters.COMMAND, finish)]},
        fallbacks=[],
        **kwargs,
    )


@pytest.fixture
def fake() -> FakeBotAPI:
    return FakeBotAPI()


async def test_initialize_calls_get_me(fake):
    async with build_app(fake) as app:
        assert app.bot.username == BOT_USERNAME
        assert app.bot.id == 123 and app.bot.bot.is_bot
    assert fake.calls[0].method == "getMe"


async def test_process_update_needs_initialize(fake):
    app = build_app(fake)
    with pytest.raises(RuntimeError):
        await ChatDriver(app).send(USER, "/echo hi")


async def test_echo_command(fake):
    async with build_app(fake, CommandHandler("echo", echo)) as app:
        driver = ChatDriver(app)
        [reply] = await driver.send(USER, "/echo hello world")
        assert (reply.method, reply.text, reply.chat_id, reply.buttons) == (
            "sendMessage", "hello world", USER, [])
        assert reply.message_id == 2  # the user's /echo was message 1 in this chat
        assert await driver.send(USER, "not a command") == []
        [again] = await driver.send(USER, "/echo")
        assert again.text == "(nothing)" and again.message_id == 5  # 3 and 4 were user messages
    [call] = fake.calls_of("sendMessage")[:1]
    assert call.params["chat_id"] == USER and call.params["text"] == "hello world"
    assert isinstance(reply.raw["date"], int)


async def test_conversation_with_inline_keyboard(fake):
    async with build_app(fake, conversation()) as app:
        driver = ChatDriver(app)
        [question] = await driver.send(USER, "/start")
        assert question.text == "Eligible?"
        assert question.buttons == [[("Yes", "ans:yes"), ("No", "ans:no")]]

        with pytest.raises(AssertionError, match=r"'Maybe'.*\('Yes', 'ans:yes'\)"):
            await driver.press(USER, "Maybe")

        [edited] = await driver.press(USER, "No")
        assert (edited.method, edited.message_id) == ("editMessageText", question.message_id)
        assert edited.text == "You chose no" and edited.buttons == []  # HTML parsed, keyboard gone
        assert fake.calls_of("answerCallbackQuery")
        assert driver.last(USER).text == "You chose no"

        [done] = await driver.send(USER, "because")
        assert done.text == "Recorded no: because"
        assert driver.texts(USER) == ["You chose no", "Recorded no: because"]
        assert await driver.send(USER, "ignored after END") == []


async def test_press_by_callback_data_and_explicit_message(fake):
    async with build_app(fake, conversation()) as app:
        driver = ChatDriver(app)
        [question] = await driver.send(USER, "/start")
        [edited] = await driver.press(USER, "ans:yes", message=question)
        assert edited.text == "You chose yes"


async def test_handler_errors_are_raised_unless_disabled(fake):
    async def boom(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        raise ValueError("boom")

    async with build_app(fake, CommandHandler("boom", boom)) as app:
        with pytest.raises(ValueError, match="boom"):
            await ChatDriver(app).send(USER, "/boom")
        quiet = ChatDriver(app, raise_errors=False)
        assert await quiet.send(USER, "/boom") == []
        assert isinstance(quiet.errors[0], ValueError)


async def test_unknown_method_is_bad_request(fake):
    async def dice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_dice()

    async with build_app(fake, CommandHandler("dice", dice)) as app:
        with pytest.raises(BadRequest, match="(?i)method sendDice not implemented by FakeBotAPI"):
            await ChatDriver(app).send(USER, "/dice")
        with pytest.raises(BadRequest, match="not implemented"):
            await app.bot.do_api_request("frobnicate")
    assert fake.calls[-1].status == 400


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter
async def test_fail_next(fake):
    async with build_app(fake, CommandHandler("echo", echo)) as app:
        driver = ChatDriver(app)
        fake.fail_next("sendMessage")
        with pytest.raises(NetworkError, match="Injected failure"):
            await driver.send(USER, "/echo one")
        [ok] = await driver.send(USER, "/echo two")
        assert ok.text == "two"

        fake.fail_next("sendMessage", times=2, retry_after=3)
        for _ in range(2):
            with pytest.raises(RetryAfter, match="3"):
                await driver.send(USER, "/echo three")
        assert [c.status for c in fake.calls_of("sendMessage")] == [500, 200, 429, 429]
        assert driver.texts(USER) == ["two"]


async def test_group_chat(fake):
    seen = []

    async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append((update.effective_chat.type, update.effective_user.first_name))
        await update.message.reply_text("reported")

    group = -100123
    async with build_app(fake, CommandHandler("report", report)) as app:
        driver = ChatDriver(app)
        [reply] = await driver.send(USER, f"/report@{BOT_USERNAME}", chat_id=group,
                                    chat_type="supergroup", first_name="Ana")
        assert reply.chat_id == group and reply.raw["chat"]["type"] == "supergroup"
        assert await driver.send(USER, "/report@other_bot", chat_id=group,
                                 chat_type="supergroup") == []
        with pytest.raises(ValueError, match="chat_id"):
            await driver.send(USER, "/report", chat_type="group")
    assert seen == [("supergroup", "Ana")]


async def test_telegram_like_edit_and_html_errors(fake):
    async def same(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = await update.message.reply_text("same")
        await msg.edit_text("same")

    async def bad_html(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text("dose <2 mg", parse_mode="HTML")

    handlers = [CommandHandler("same", same), CommandHandler("bad", bad_html)]
    async with build_app(fake, *handlers) as app:
        driver = ChatDriver(app)
        with pytest.raises(BadRequest, match="not modified"):
            await driver.send(USER, "/same")
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await driver.send(USER, "/bad")
        with pytest.raises(BadRequest, match="(?i)message to edit not found"):
            await app.bot.edit_message_text("x", chat_id=USER, message_id=999)


async def test_bot_commands_and_chat_action(fake):
    async with build_app(fake) as app:
        assert await app.bot.set_my_commands([("start", "Begin screening")])
        [command] = await app.bot.get_my_commands()
        assert (command.command, command.description) == ("start", "Begin screening")
        assert await app.bot.delete_my_commands()
        assert await app.bot.get_my_commands() == ()
        assert await app.bot.send_chat_action(USER, "typing")


async def test_persistent_conversation_survives_restart(fake, tmp_path):
    path = tmp_path / "state.pickle"
    handler_kwargs = {"name": "screening", "persistent": True}
    async with build_app(fake, conversation(**handler_kwargs),
                         persistence=PicklePersistence(path)) as app:
        await ChatDriver(app).send(USER, "/start")

    async with build_app(fake, conversation(**handler_kwargs),
                         persistence=PicklePersistence(path)) as app:
        [edited] = await ChatDriver(app).press(USER, "Yes")  # button from before the restart
        assert edited.text == "You chose yes"


PNG_1X2 = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x02"
           b"\x08\x02\x00\x00\x00")  # a PNG header: 1 × 2 pixels


async def send_files(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    photo = await update.effective_chat.send_photo(PNG_1X2, filename="p.png", caption="chart")
    await update.effective_chat.send_photo(photo.photo[-1].file_id)  # again, by its file_id
    await update.effective_chat.send_document(b"a,b\n1,2\n", filename="t.csv")


async def test_photos_and_documents_are_kept_byte_for_byte():
    fake = FakeBotAPI()
    app = build_app(fake, CommandHandler("files", send_files))
    async with app:
        driver = ChatDriver(app)
        photo, again, document = await driver.send(USER, "/files")
    assert (photo.method, photo.caption, photo.text) == ("sendPhoto", "chart", None)
    assert driver.file(photo) == driver.file(again) == PNG_1X2
    assert (photo.raw["photo"][0]["width"], photo.raw["photo"][0]["height"]) == (1, 2)
    assert document.method == "sendDocument" and driver.file(document) == b"a,b\n1,2\n"
    assert document.raw["document"]["file_name"] == "t.csv"
    assert fake.calls_of("sendPhoto")[0].params["_files"] == ["photo"]


async def test_an_unknown_file_id_is_refused_like_telegram():
    fake = FakeBotAPI()

    async def resend(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_chat.send_photo("no-such-file")

    app = build_app(fake, CommandHandler("resend", resend))
    async with app:
        with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
            await ChatDriver(app).send(USER, "/resend")
