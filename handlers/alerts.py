"""Acknowledging alerts: the Acknowledge button under each investigator's copy, and /alerts,
the alerts nobody has acknowledged yet.

The button is pressed by whoever got the alert, so it is a standalone callback; the use case
checks the role (investigators and admins) and records the acknowledgement once, audited.
Every sent copy is then edited to say who acknowledged it; a second press changes nothing.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, ExtBot

from domain.reasons import Refused
from handlers import i18n
from handlers.access import requires
from handlers.alert_words import list_text, with_acknowledgement
from handlers.common import keyboard, reply, stale_button, trial_of, whole_number
from handlers.delivery import confirm_row
from handlers.language import language_of_chat, site_language
from handlers.texts import ALERTS as T
from handlers.wording import moment, say
from storage.usecases.alerts import (
    Acknowledgement,
    Copy,
    acknowledge_alert,
    sent_copies,
    unacknowledged,
)
from storage.usecases.trial import Trial

log = logging.getLogger("trialbot.alerts")

LISTED = 10  # alerts shown by /alerts, each with its button


async def edit_copy(bot: ExtBot, trial: Trial, copy: Copy, by: Acknowledgement,
                    site: str) -> None:
    """One sent copy, now saying who acknowledged it (an investigator's keeps Confirm while
    its step awaits confirmation)."""
    with i18n.speaking(language_of_chat(trial, copy.chat_id, site)):  # that reader's language
        markup = keyboard([confirm_row(trial, copy.confirm)]) if copy.confirm else None
        text = with_acknowledgement(copy.text, by.who, by.when)
    try:
        await bot.edit_message_text(text, chat_id=copy.chat_id, message_id=copy.message_id,
                                    reply_markup=markup)
    except TelegramError as error:  # a deleted message, a blocked bot: the record stands
        log.warning("could not mark alert copy %s/%s acknowledged: %s", copy.chat_id,
                    copy.message_id, error)


async def without_button(query: CallbackQuery) -> None:
    """A press in the /alerts list: that alert's button goes, the others stay."""
    rows = [[button for button in row if button.callback_data != query.data]
            for row in query.message.reply_markup.inline_keyboard]
    rows = [row for row in rows if row]
    await query.edit_message_reply_markup(InlineKeyboardMarkup(rows) if rows else None)


async def acknowledge_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An ack:<alert id> button: record who acknowledged it, or say why not."""
    query, trial = update.callback_query, trial_of(context)
    alert_id = whole_number(query.data.removeprefix("ack:"))
    if alert_id is None:
        await stale_button(update, context)
        return
    try:
        done = acknowledge_alert(trial, alert_id=alert_id, actor=update.effective_user.id)
    except Refused as refused:
        code = refused.reason.code.removeprefix("refusal.")
        await query.answer(T["role"] if code == "needs_role" else say(refused.reason)[:200],
                           show_alert=True)
        return
    if not done.new:
        await query.answer(T["already"].format(who=done.by.who, when=moment(done.by.when)),
                           show_alert=True)
        return
    await query.answer(T["thanks"])
    copies, site = sent_copies(trial, alert_id), site_language(context.bot_data)
    await asyncio.gather(*(edit_copy(context.bot, trial, copy, done.by, site)
                           for copy in copies))
    pressed = (query.message.chat.id, query.message.message_id)
    if pressed not in {(copy.chat_id, copy.message_id) for copy in copies}:
        await without_button(query)


@requires("investigator")
async def list_alerts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/alerts: the alerts nobody has acknowledged yet, oldest first, each with its button."""
    trial = trial_of(context)
    waiting = unacknowledged(trial, actor=update.effective_user.id)
    rows = [[(T["list_button"].format(id=alert["id"]), f"ack:{alert['id']}")]
            for alert in waiting[:LISTED]]
    await reply(update, list_text(trial.protocol, waiting, trial.local_time, LISTED),
                keyboard(rows) if rows else None)


def handlers() -> list:
    return [CommandHandler("alerts", list_alerts),
            CallbackQueryHandler(acknowledge_pressed, pattern=r"^ack:")]
