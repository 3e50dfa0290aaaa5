"""One builder for the step-by-step forms (/enroll, /dlt, /withdraw, /revise, /reschedule).

A form is data: its name (the conversation's name, the key of its answers in user_data and the
prefix of its buttons' callback data), the command that opens it, the role every step needs,
its texts, and for each state the steps that take typed text or a pressed button. The builder
adds what every form has: /cancel, the Cancel button, the form's own command again, a stale
button answered, typed text where a button is expected, and the role check at every step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from domain.corrections import LEAST_REASON, MOST_REASON, checked_reason
from handlers import wording
from handlers.access import guarded
from handlers.common import keyboard, mark_chosen, opens, reply, stale_button, typed_for
from handlers.texts import COMMON

TEXT = filters.TEXT & ~filters.COMMAND
Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], object]


@dataclass(frozen=True)
class Step:
    """A step of a state: typed text (`data` None) or a button whose data matches `data`
    after the form's prefix."""

    callback: Callback
    data: str | None = None


def typed(callback: Callback) -> Step:
    return Step(callback)


def pressed(data: str, callback: Callback) -> Step:
    return Step(callback, data)


def date_steps(take: Callable, button: str = "day") -> list[Step]:
    """A date typed, or pressed on a button whose data ends in `button`:YYYY-MM-DD ("Today"):
    both go to take(update, context, text), which checks it."""

    async def typed_day(update: Update, context: ContextTypes.DEFAULT_TYPE):
        return await take(update, context, update.message.text)

    async def pressed_day(update: Update, context: ContextTypes.DEFAULT_TYPE):
        day = update.callback_query.data.rsplit(":", 1)[-1]
        await mark_chosen(update.callback_query, wording.day(day))
        return await take(update, context, day)

    return [typed(typed_day), pressed(button + r":\d{4}-\d{2}-\d{2}$", pressed_day)]


@dataclass
class Form:
    """A form's name (of its conversation and of its answers in user_data), command, role,
    texts ("cancelled", "nothing_open", "use_buttons"; "cancelled" may name fields of the
    answers, e.g. {number}) and the prefix of its buttons' callback data."""

    name: str
    command: str
    role: str
    texts: dict
    prefix: str

    def answers(self, context: ContextTypes.DEFAULT_TYPE) -> dict:
        return context.user_data[self.name]

    def cancel_button(self) -> tuple[str, str]:
        return COMMON["cancel"], f"{self.prefix}:cancel"

    def confirm_buttons(self) -> InlineKeyboardMarkup:
        return keyboard([[(COMMON["confirm"], f"{self.prefix}:yes"), self.cancel_button()]])

    async def finish(self, update: Update, context: ContextTypes.DEFAULT_TYPE, text: str,
                     markup: InlineKeyboardMarkup | None = None) -> int:
        """End the form with a last reply."""
        context.user_data.pop(self.name, None)
        await reply(update, text, markup)
        return ConversationHandler.END

    async def cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        """/cancel: leave without saving."""
        answers = context.user_data.pop(self.name, None)
        await reply(update, self.texts["cancelled"].format(**answers) if answers is not None
                    else self.texts["nothing_open"])
        return ConversationHandler.END

    async def press_cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        """The Cancel button: its keyboard goes, then as /cancel."""
        await update.callback_query.edit_message_reply_markup(None)
        return await self.cancel(update, context)

    async def use_buttons(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Text typed where a button is expected: say so and stay at the same question."""
        await reply(update, self.texts["use_buttons"])

    def reason_problem(self, text: str) -> tuple[str, str]:
        """A typed reason (domain.corrections) and, if it will not do, the note saying why."""
        reason, problem = checked_reason(text)
        note = self.texts[problem].format(least=LEAST_REASON, most=MOST_REASON) if problem else ""
        return reason, note

    def handler(self, step: Step):
        if step.data is None:
            return MessageHandler(TEXT, typed_for(self.name)(step.callback))
        return CallbackQueryHandler(step.callback, pattern=f"^{self.prefix}:{step.data}")

    def handlers(self, start: Callback, states: dict[str, list[Step]]) -> list:
        """The form's ConversationHandler (every step role-checked) and its stale-button
        answer for presses after the form has ended."""
        opening = CommandHandler(self.command, opens(self.name)(start))
        conversation = ConversationHandler(
            name=self.name,
            persistent=True,
            entry_points=[opening],
            states={state: [self.handler(step) for step in steps]
                    for state, steps in states.items()},
            fallbacks=[
                CommandHandler("cancel", self.cancel),
                opening,
                self.handler(pressed("cancel$", self.press_cancel)),
                CallbackQueryHandler(stale_button, pattern=f"^{self.prefix}:"),
                MessageHandler(TEXT, typed_for(self.name)(self.use_buttons)),
            ],
            allow_reentry=True,
        )
        return [guarded(self.role, conversation),
                CallbackQueryHandler(stale_button, pattern=f"^{self.prefix}:")]
