"""The investigator's confirmation of a 3+3 step.

The engine recommends; a step takes effect only when an investigator confirms it with a button.
The button can be pressed by any investigator, anywhere the bot showed it (in /status, under a
DLT report), so it is a standalone callback; the use case (storage.usecases.escalation) checks
who pressed it and whether the step is still the current one before recording it.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from domain.escalation import Decision
from domain.reasons import Refused
from handlers.common import keyboard, trial_of, whole_number
from handlers.texts import CONFIRMATION as T
from handlers.wording import dated, say
from storage.usecases.escalation import After, is_step_to_confirm, needs_confirmation, step_level
from storage.usecases.escalation import confirm_step as confirm


def label_of(decision: Decision, level: int) -> str:
    return next((s.label for s in decision.per_level if s.level == level), f"DL{level}")


def step_text(decision: Decision) -> str:
    return T["step"][decision.action].format(label=label_of(decision, step_level(decision)))


def confirm_button(decision: Decision) -> tuple[str, str] | None:
    """(label, callback data) of the button that confirms the step in progress, if any."""
    if not is_step_to_confirm(decision):
        return None
    return (T["confirm_button"].format(step=step_text(decision)),
            f"confirm:{decision.action}:{step_level(decision)}")


def after_words(trial, after: After, conflict: str) -> tuple[str, str, object]:
    """The 3+3 answer after an event, in words (or the history conflict, worded by the
    module's `conflict` template), and when the new step needs an investigator the line and
    the button to confirm it: (now, to_confirm line, markup or None)."""
    if after.decision is None:
        return conflict.format(**dict(dated(after.conflict.params),
                                      error=say(after.conflict.params["error"]))), "", None
    now = say(after.decision.reason)
    button = confirm_button(after.decision)
    if button is None or not needs_confirmation(trial, after.decision):
        return now, "", None
    line = "\n" + T["to_confirm"].format(step=step_text(after.decision))
    return now, line, keyboard([[button]])


def pressed_step(data: str) -> tuple[str, int] | None:
    parts = data.split(":")
    level = whole_number(parts[2], digits=3) if len(parts) == 3 else None
    return None if level is None else (parts[1], level)


async def confirm_step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A confirm:<action>:<level> button, pressed by anyone: record it, or say why not."""
    query = update.callback_query
    shown = getattr(query.message, "text", None) or ""
    action, level = pressed_step(query.data) or ("", -1)
    try:
        done = confirm(trial_of(context), action=action, level=level,
                       actor=update.effective_user.id)
    except Refused as refused:
        await refuse(query, refused.reason, shown, trial_of(context))
        return
    await query.answer()
    await query.edit_message_text(T["confirmed"].format(
        text=shown, who=done.confirmed_by, step=step_text(done.decision)))


async def refuse(query, reason, shown: str, trial) -> None:
    """Say why the press was not recorded; a button no longer current loses its keyboard."""
    code = reason.code.removeprefix("refusal.")
    if code == "needs_role":
        await query.answer(T["confirm_role"], show_alert=True)
    elif code == "step_already_confirmed":
        level = reason.params["level"]
        label = trial.protocol.dose_level(level).label if level else ""
        step = T["step"][reason.params["action"]].format(label=label)
        await query.answer(T["confirm_done_already"].format(step=step))
        await query.edit_message_reply_markup(None)
    else:
        await query.answer(say(reason)[:200], show_alert=True)
        if code == "step_stale":
            await query.edit_message_text(T["confirmed_stale"].format(text=shown))


def handlers() -> list:
    return [CallbackQueryHandler(confirm_step, pattern=r"^confirm:")]
