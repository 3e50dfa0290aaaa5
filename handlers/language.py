"""The language each staff member reads the bot in: chosen from Telegram's language_code at the
first contact, changed with /language, stored with the staff record. Every update is answered
in the sender's language (the gate calls `use_readers_language` first); alerts are worded in
each recipient's (`language_of_chat`). The site's language (TRIALBOT_LANGUAGE) is the alert
group's and that of staff who have none yet (none stored, none sent by their Telegram)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from domain.languages import LANGUAGES, language_for
from handlers import i18n
from handlers.common import keyboard, reply, trial_of
from handlers.texts import LANGUAGE as T
from storage.usecases.staff import choose_language, staff_member
from storage.usecases.trial import Trial

PREFIX = "language:"


def use_readers_language(update: Update, context: ContextTypes.DEFAULT_TYPE,
                         staff: dict | None) -> None:
    """The rest of this update speaks the sender's language: the stored one, else the one their
    Telegram uses (stored now, at the first contact, so their alerts speak it too), else the
    site's."""
    user = update.effective_user
    code = user.language_code if user else None
    language = staff and staff.get("language")
    if staff and not language and code:
        language = choose_language(trial_of(context), user_id=user.id,
                                   language=language_for(code))["language"]
    i18n.use(language or (language_for(code) if code else site_language(context.bot_data)))


def site_language(bot_data: Mapping[str, Any]) -> str:
    """The site's language (TRIALBOT_LANGUAGE; English where no settings are given)."""
    settings = bot_data.get("settings")
    return settings.language if settings is not None else i18n.ENGLISH


def language_of_chat(trial: Trial, chat_id: int, site: str) -> str:
    """The language of a recipient: a staff member's own, else the site's `site` (the alert
    group, a staff member who has none yet)."""
    staff = staff_member(trial, chat_id)
    return (staff or {}).get("language") or site


def choices() -> list[list[tuple[str, str]]]:
    return [[(T["names"][language], PREFIX + language) for language in LANGUAGES]]


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/language shows the choice; /language zh or /language en makes it at once."""
    if context.args:
        await chosen(update, context, language_for(context.args[0]))
        return
    await reply(update, T["ask"].format(now=T["names"][i18n.current()]), keyboard(choices()))


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    language = update.callback_query.data.removeprefix(PREFIX)
    if language not in LANGUAGES:
        await update.callback_query.answer(T["stale"])
        return
    await update.callback_query.edit_message_reply_markup(None)
    await chosen(update, context, language)


async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE, language: str) -> None:
    choose_language(trial_of(context), user_id=update.effective_user.id, language=language)
    i18n.use(language)
    await reply(update, T["chosen"].format(name=T["names"][language]))


def handlers() -> list:
    return [CommandHandler("language", ask),
            CallbackQueryHandler(pressed, pattern=f"^{PREFIX}")]
