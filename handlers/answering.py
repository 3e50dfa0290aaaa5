"""Every update gets an answer: each button press an answerCallbackQuery, each message in a
private chat at least one reply.

The bot notes what it sent while an update is handled (a context variable set afresh by the gate
for each update; handlers of one update run in one task). Handlers in the last group answer
whatever nothing else answered: a press on a button no form claims, text when no form is open.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, ContextTypes, ExtBot, MessageHandler, filters

from handlers.texts import COMMANDS, COMMON

FORM_COMMANDS = ("back", "finish")  # used inside forms, not in the menu


@dataclass
class Answered:
    """What the bot has sent for the update being handled."""

    button: bool = False
    message: bool = False


ANSWERED: ContextVar[Answered | None] = ContextVar("answered", default=None)


def start_answering() -> Answered:
    answered = Answered()
    ANSWERED.set(answered)
    return answered


def note(**what: bool) -> None:
    answered = ANSWERED.get()
    if answered is not None:
        for name, value in what.items():
            setattr(answered, name, value)


# Edits that cannot happen and need not: a double tap (nothing to change), a message the user
# deleted or one too old to edit. The edit only tidies the chat; the answer still goes out.
EDITS_TO_LET_GO = ("message is not modified", "message to edit not found",
                   "message can't be edited")


def needless_edit(error: BadRequest) -> bool:
    return any(reason in str(error).lower() for reason in EDITS_TO_LET_GO)


class AnsweringBot(ExtBot):
    """The bot, noting every answer it gives; an edit that changes nothing (a double tap) is
    not an error."""

    async def send_message(self, *args, **kwargs):
        note(message=True)
        return await super().send_message(*args, **kwargs)

    async def send_photo(self, *args, **kwargs):
        note(message=True)
        return await super().send_photo(*args, **kwargs)

    async def send_document(self, *args, **kwargs):
        note(message=True)
        return await super().send_document(*args, **kwargs)

    async def answer_callback_query(self, *args, **kwargs):
        note(button=True)
        return await super().answer_callback_query(*args, **kwargs)

    async def edit_message_text(self, *args, **kwargs):
        try:
            return await super().edit_message_text(*args, **kwargs)
        except BadRequest as error:
            if needless_edit(error):
                return True
            raise

    async def edit_message_reply_markup(self, *args, **kwargs):
        try:
            return await super().edit_message_reply_markup(*args, **kwargs)
        except BadRequest as error:
            if needless_edit(error):
                return True
            raise


def answered() -> Answered:
    return ANSWERED.get() or Answered()


async def unclaimed_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not answered().button:
        await update.callback_query.answer(COMMON["stale_button"])


async def unclaimed_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if answered().message:
        return
    text = update.message.text or ""
    command = text[1:].split(maxsplit=1)[0].split("@")[0] if text.startswith("/") else None
    if not text:
        key = "text_only"
    elif command is None or command in COMMANDS or command in FORM_COMMANDS:
        key = "no_form_open"  # typed text, /cancel, /back or /finish with no form open
    else:
        key = "unknown_command"
    await update.effective_chat.send_message(COMMON[key])


def handlers() -> list:
    """For the last group: answer what no other handler answered."""
    return [CallbackQueryHandler(unclaimed_button),
            MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE,
                           unclaimed_message)]
