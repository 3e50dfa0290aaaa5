"""Delivering alerts to Telegram.

A sender claims one due delivery row at a time (storage.usecases.alerts), words it at send time
(handlers/alert_words.py), sends it and marks it sent; a few workers run side by side, and the
rows of one chat go out in order. Queuing an alert kicks the sender (Trial.on_alert): it starts
as soon as the use case, which never awaits, has committed, alongside the handler's own reply.
A JobQueue job runs it every few seconds and at start for whatever a failure or a restart left.

Telegram's answers: RetryAfter, a timeout or a network error leave the row pending with a
backoff; Forbidden (the recipient blocked the bot), BadRequest (no such chat) or a migrated
group mark it undeliverable, and the admins are told; the other recipients still get theirs.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import socket
import warnings
from datetime import timedelta

from telegram import InlineKeyboardMarkup, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes
from telegram.warnings import PTBDeprecationWarning

from handlers import i18n
from handlers.alert_words import message_text, with_acknowledgement
from handlers.common import keyboard
from handlers.language import language_of_chat, site_language
from handlers.texts import ALERTS, CONFIRMATION
from handlers.wording import level_label
from storage.usecases.alerts import (
    Acknowledgement,
    Outgoing,
    acknowledged,
    claim_delivery,
    retry_later,
    sent,
    undeliverable,
)
from storage.usecases.reminders import daily_reminders, open_form_reminders
from storage.usecases.trial import Trial

log = logging.getLogger("trialbot.alerts")

WORKERS = 4  # rows sent side by side (never two of one chat)
SEND_TIMEOUT = 45  # seconds; a send still waiting is given up, well inside the claim's lease
EVERY = 20  # seconds between the periodic job's runs
FOR_GOOD = (Forbidden, BadRequest, ChatMigrated)  # Telegram will not take this chat's messages

_senders = itertools.count(1)


def confirm_row(trial: Trial, step: tuple[str, int]) -> list[tuple[str, str]]:
    """The button that confirms a 3+3 step, as under /status."""
    action, level = step
    words = CONFIRMATION["step"][action].format(label=level_label(trial.protocol, level))
    return [(CONFIRMATION["confirm_button"].format(step=words), f"confirm:{action}:{level}")]


def acknowledge_row(alert_id: int) -> list[tuple[str, str]]:
    return [(ALERTS["acknowledge_button"], f"ack:{alert_id}")]


def buttons(trial: Trial, outgoing: Outgoing) -> InlineKeyboardMarkup | None:
    """An investigator's copy: Confirm (while its step awaits confirmation) and Acknowledge
    (until someone has). Coordinators' and the group's copies have none."""
    rows = [confirm_row(trial, outgoing.confirm)] if outgoing.confirm else []
    if outgoing.may_acknowledge and outgoing.acknowledged is None:
        rows.append(acknowledge_row(outgoing.alert["id"]))
    return keyboard(rows) if rows else None


def shown(text: str, by: Acknowledgement | None) -> str:
    return with_acknowledgement(text, by.who, by.when) if by else text


def retry_wait(error: Exception) -> timedelta | None:
    """How long Telegram asked us to wait, if it did."""
    if not isinstance(error, RetryAfter):
        return None
    with warnings.catch_warnings():  # PTB 22 warns that retry_after becomes a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = error.retry_after
    return wait if isinstance(wait, timedelta) else timedelta(seconds=wait)


def described(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".rstrip(": ")


class AlertSender:
    """Sends due alert deliveries for one Application; any number may run at once."""

    def __init__(self, application: Application):
        self.application = application
        self.name = f"{socket.gethostname()}:{os.getpid()}:{next(_senders)}"
        self.running: asyncio.Task | None = None
        self.again = False
        self.active = 0
        self.idle = asyncio.Event()
        self.idle.set()

    @property
    def trial(self) -> Trial:
        return self.application.bot_data["trial"]

    def kick(self) -> None:
        """Deliver what is due, in the background, while the Application runs; a run in
        progress goes round once more."""
        if not self.application.running:
            return
        self.again = True
        if self.running is None or self.running.done():
            self.running = self.application.create_task(self._until_done(), name="alerts")

    async def _until_done(self) -> None:
        while self.again:
            self.again = False
            await self.deliver_due()

    async def settle(self) -> None:
        """Wait until every run in progress (a kick's or the job's) has finished."""
        if self.running is not None:
            await asyncio.wait([self.running])
        await self.idle.wait()

    async def deliver_due(self) -> int:
        """Send everything due now; returns how many rows were tried."""
        self.active += 1
        self.idle.clear()
        try:
            tried = await asyncio.gather(*(self._worker(f"{self.name}/{n}")
                                           for n in range(WORKERS)))
        finally:
            self.active -= 1
            if not self.active:
                self.idle.set()
        return sum(tried)

    async def _worker(self, worker: str) -> int:
        tried = 0
        while (outgoing := claim_delivery(self.trial, worker)) is not None:
            await self.send(outgoing, worker)
            tried += 1
        return tried

    async def send(self, outgoing: Outgoing, worker: str) -> None:
        """Word the row's alert for its chat, in its reader's language, send it, and mark what
        happened."""
        site = site_language(self.application.bot_data)
        with i18n.speaking(language_of_chat(self.trial, outgoing.chat_id, site)):
            await self._send(outgoing, worker)

    async def _send(self, outgoing: Outgoing, worker: str) -> None:
        trial = self.trial
        try:
            text = message_text(trial.protocol, outgoing.alert, outgoing.audience,
                                onset_day=outgoing.onset_day, now=outgoing.now)
            async with asyncio.timeout(SEND_TIMEOUT):
                message = await self.application.bot.send_message(
                    outgoing.chat_id, shown(text, outgoing.acknowledged),
                    reply_markup=buttons(trial, outgoing))
        except asyncio.CancelledError:  # shutting down: the next run sends it
            retry_later(trial, outgoing, worker, error="cancelled", wait=timedelta())
            raise
        except Exception as error:  # every failure leaves the row accounted for
            self.failed(outgoing, worker, error)
            return
        if sent(trial, outgoing, worker, message_id=message.message_id, text=text):
            await self.show_late_acknowledgement(outgoing, message, text)
        else:
            log.warning("delivery %s was sent after its claim had run out", outgoing.id)

    def failed(self, outgoing: Outgoing, worker: str, error: Exception) -> None:
        if isinstance(error, FOR_GOOD):
            log.warning("alert %s cannot reach chat %s: %s", outgoing.alert["id"],
                        outgoing.chat_id, error)
            undeliverable(self.trial, outgoing, worker, error=str(error))
            return
        if not isinstance(error, TelegramError | TimeoutError):
            log.exception("alert %s to chat %s failed", outgoing.alert["id"], outgoing.chat_id,
                          exc_info=error)
        retry_later(self.trial, outgoing, worker, error=described(error),
                    wait=retry_wait(error))

    async def show_late_acknowledgement(self, outgoing: Outgoing, message: Message,
                                        text: str) -> None:
        """Someone acknowledged the alert while this copy was on its way: show it here too."""
        if outgoing.acknowledged is not None:
            return
        by = acknowledged(self.trial, outgoing.alert["id"])
        if by is None:
            return
        markup = keyboard([confirm_row(self.trial, outgoing.confirm)]) if outgoing.confirm \
            else None
        try:
            await message.edit_text(shown(text, by), reply_markup=markup)
        except TelegramError as error:
            log.warning("could not show the acknowledgement in chat %s: %s",
                        outgoing.chat_id, error)


def sender_of(application: Application) -> AlertSender:
    return application.bot_data["sender"]


async def deliver(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The periodic job (and the run at start): whatever is due."""
    await sender_of(context.application).deliver_due()


async def remind_daily(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The daily job (and the run at start, which catches up a missed day): the day's DLT
    window reminders, from the reminder time (the job's data) on, once a day."""
    daily_reminders(context.application.bot_data["trial"], not_before=context.job.data)


async def remind_open_forms(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The job that reminds whoever left a form open for a day (once)."""
    open_form_reminders(context.application.bot_data["trial"])
