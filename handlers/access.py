"""Who may do what: only active staff are served, each command checks its role."""

from __future__ import annotations

import functools

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes, ConversationHandler

from handlers.common import reply, trial_of
from handlers.texts import ACCESS as T
from storage.staff import active_staff

# Each role may do what the roles before it may.
ROLE_ORDER = ("coordinator", "investigator", "admin")


def has_role(staff: dict | None, role: str) -> bool:
    return bool(staff) and ROLE_ORDER.index(staff["role"]) >= ROLE_ORDER.index(role)


def staff_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> dict | None:
    user = update.effective_user
    return active_staff(trial_of(context).db, user.id) if user else None


async def turn_away_strangers(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler: anyone not active staff gets one refusal and nothing else."""
    user = update.effective_user
    if user is None or staff_of(update, context):
        return
    text = T["stranger"].format(user_id=user.id)
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_chat and update.effective_message:
        await update.effective_chat.send_message(text)
    raise ApplicationHandlerStop


def requires(role: str, *, private: bool = False):
    """Decorator for a callback: the user needs `role` (or higher); forms only in private chats."""

    def decorate(callback):
        @functools.wraps(callback)
        async def checked(update: Update, context: ContextTypes.DEFAULT_TYPE):
            staff = staff_of(update, context)
            if not has_role(staff, role):
                await reply(update, T["needs_role"].format(role=role, have=staff["role"]))
                return ConversationHandler.END
            if private and update.effective_chat.type != ChatType.PRIVATE:
                await reply(update, T["private_only"])
                return ConversationHandler.END
            return await callback(update, context)

        return checked

    return decorate
