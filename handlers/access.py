"""Who may do what, and where: only active staff are served, only in private chats, each
command and each step of a form checks its role."""

from __future__ import annotations

import functools

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes, ConversationHandler

from handlers.answering import start_answering
from handlers.common import reply, trial_of
from handlers.language import use_readers_language
from handlers.texts import ACCESS as T
from handlers.texts import ROLE_NAMES
from storage.usecases.staff import staff_member

# Each role may do what the roles before it may.
ROLE_ORDER = ("coordinator", "investigator", "admin")


def has_role(staff: dict | None, role: str) -> bool:
    return bool(staff) and ROLE_ORDER.index(staff["role"]) >= ROLE_ORDER.index(role)


def staff_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> dict | None:
    user = update.effective_user
    return staff_member(trial_of(context), user.id) if user else None


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


def asks_the_bot(update: Update) -> bool:
    """A button press or a command: what the bot answers even in a group (with a refusal)."""
    message = update.message
    return bool(update.callback_query or (message and message.text
                                           and message.text.startswith("/")))


def anonymous(update: Update) -> bool:
    """Channel posts, anonymous group admins, other bots: no person to serve or refuse."""
    user, message = update.effective_user, update.effective_message
    return user is None or user.is_bot or bool(message and message.sender_chat)


async def refuse(update: Update, text: str) -> None:
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message:
        await update.effective_chat.send_message(text)


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler. Strangers get one refusal; edited messages a note; groups at
    most "write to me privately"; only what is left reaches the handlers."""
    start_answering()
    if anonymous(update):
        raise ApplicationHandlerStop
    staff = staff_of(update, context)
    use_readers_language(update, context, staff)
    if not staff:
        if is_private(update) or asks_the_bot(update):
            await refuse(update, T["stranger"].format(user_id=update.effective_user.id))
        raise ApplicationHandlerStop
    if update.edited_message:
        if is_private(update):
            await refuse(update, T["edits_not_read"])
        raise ApplicationHandlerStop
    if not is_private(update):
        if asks_the_bot(update):
            await refuse(update, T["private_only"])
        raise ApplicationHandlerStop


def requires(role: str):
    """Decorator for a callback: the user needs `role` (or higher) at this very step."""

    def decorate(callback):
        @functools.wraps(callback)
        async def checked(update: Update, context: ContextTypes.DEFAULT_TYPE):
            staff = staff_of(update, context)
            if not has_role(staff, role):
                await reply(update, T["needs_role"].format(role=ROLE_NAMES[role],
                                                         have=ROLE_NAMES[staff["role"]]))
                return ConversationHandler.END
            return await callback(update, context)

        return checked

    return decorate


def guarded(role: str, conversation: ConversationHandler) -> ConversationHandler:
    """Every step of a form re-checks the role, so a demotion takes effect at the next press
    or message, before anything is saved, not only when the form is opened."""
    steps = [*conversation.entry_points, *conversation.fallbacks,
             *(h for handlers in conversation.states.values() for h in handlers)]
    for step in steps:
        step.callback = requires(role)(step.callback)
    return conversation
