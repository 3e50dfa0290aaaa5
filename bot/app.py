"""Assembling the Telegram Application: settings, storage, persistence, handlers, commands."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ContextTypes,
    PersistenceInput,
    TypeHandler,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings
from bot.persistence import SQLitePersistence
from bot.trial import make_trial
from handlers import (
    admin,
    alerts,
    answering,
    confirmation,
    dlt,
    enrollment,
    evaluation,
    expansion,
    i18n,
    infusion,
    language,
    reschedule,
    revision,
    screening,
    simulation,
    status,
    withdrawal,
)
from handlers.access import gate
from handlers.answering import AnsweringBot
from handlers.delivery import (
    EVERY,
    AlertSender,
    deliver,
    remind_daily,
    remind_open_forms,
)
from handlers.texts import COMMANDS, COMMON

log = logging.getLogger("trialbot")

# bot_data holds the live Trial services (database connection), so it is not persisted.
CONVERSATIONS_AND_USERS = PersistenceInput(bot_data=False, callback_data=False)

CONVERSATIONS = (confirmation, evaluation, screening, enrollment, dlt, withdrawal, revision,
                 status, admin, reschedule, infusion, simulation, alerts, expansion, language)
FORMS_CHECKED_EVERY = 15 * 60  # seconds between looks for forms left open for a day


# Telegram shows a menu by the user's language_code (ISO 639-1): English is the default menu.
MENU_LANGUAGES = {i18n.ENGLISH: None, i18n.CHINESE: "zh"}


async def register_commands(application: Application) -> None:
    for reader, code in MENU_LANGUAGES.items():
        with i18n.speaking(reader):
            commands = [BotCommand(name, description) for name, description in COMMANDS.items()]
        await application.bot.set_my_commands(commands, language_code=code)


async def report_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.exception("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return
    if update.callback_query and not answering.answered().button:
        await update.callback_query.answer()
    if update.effective_chat:
        await update.effective_chat.send_message(COMMON["error"])


class TrialApplication(Application):
    """Saves conversation state as soon as an update has been handled, not every few seconds:
    a kill right after a step must not cost the user their place in a form. Handles each update
    once: Telegram delivers an update again when the bot did not confirm it (a crash before the
    next getUpdates) and may deliver one twice; the ids handled are kept in the database.
    Starts the JobQueue's work once it runs."""

    async def process_update(self, update: object) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        if update_id is not None and self.persistence.was_handled(update_id):
            log.info("update %s was handled before: not handled again", update_id)
            return
        await super().process_update(update)
        with self.persistence.one_write(handled=update_id):
            await self.update_persistence()

    async def start(self) -> None:
        await super().start()
        if not self.job_queue.jobs():
            schedule(self, self.bot_data["settings"])


def schedule(application: Application, settings: Settings) -> None:
    """The JobQueue's work, each run once at once (what a failure or a restart left is sent, a
    day's reminders missed while the bot was down are raised) and then: alerts left over every
    few seconds, the daily reminders at the reminder time, forms left open for a day."""
    jobs = application.job_queue
    reminder_time = settings.reminder_time
    daily_at = reminder_time.replace(tzinfo=ZoneInfo(settings.timezone))
    for callback, name, data in ((deliver, "deliver alerts", None),
                                 (remind_daily, "daily reminders", reminder_time),
                                 (remind_open_forms, "open forms", None)):
        jobs.run_once(callback, when=0, data=data, name=name)
    jobs.run_repeating(deliver, interval=EVERY, first=EVERY, name="deliver alerts")
    jobs.run_daily(remind_daily, time=daily_at, data=reminder_time, name="daily reminders")
    jobs.run_repeating(remind_open_forms, interval=FORMS_CHECKED_EVERY,
                       first=FORMS_CHECKED_EVERY, name="open forms")


def make_bot(settings: Settings, request: BaseRequest | None,
             limit_rate: bool = True) -> AnsweringBot:
    return AnsweringBot(
        token=settings.token.get_secret_value() if settings.token else "0:OFFLINE",
        base_url=settings.api_base_url,
        base_file_url=settings.file_base_url,
        request=request or HTTPXRequest(connection_pool_size=256),
        get_updates_request=request or HTTPXRequest(),
        rate_limiter=AIORateLimiter(max_retries=3) if limit_rate else None,
    )


def build_application(settings: Settings, *, request: BaseRequest | None = None,
                      limit_rate: bool = True) -> Application:
    """The whole bot, ready for `run_polling` (or for tests, with a fake Bot API request;
    the benchmark turns Telegram's rate limiter off to measure the bot itself)."""
    trial = make_trial(settings)
    application = (
        Application.builder()
        .application_class(TrialApplication)
        .bot(make_bot(settings, request, limit_rate))
        .persistence(SQLitePersistence(settings.db, store_data=CONVERSATIONS_AND_USERS))
        .post_init(register_commands)
        .build()
    )
    application.bot_data["trial"] = trial
    sender = application.bot_data["sender"] = AlertSender(application)
    trial.on_alert = sender.kick  # an alert goes out as soon as its transaction commits
    application.bot_data["settings"] = settings  # for the jobs scheduled at start
    application.add_handler(TypeHandler(Update, gate), group=-1)
    # One group each, so an open form never swallows another form's command or text.
    for group, module in enumerate(CONVERSATIONS):
        application.add_handlers(module.handlers(), group=group)
    application.add_handlers(answering.handlers(), group=len(CONVERSATIONS))
    application.add_error_handler(report_error)
    return application
