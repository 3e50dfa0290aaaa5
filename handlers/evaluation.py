"""The end of a DLT window, confirmed by an investigator: "DLT window completed, no DLT".

Until it is confirmed the 3+3 engine counts the participant as pending. The button
(`evaluate:P-03`) is shown by /evaluate, /status and /participant, and on the reminders another
module sends, so it is pressed by whoever sees it: a standalone callback, every press answered,
the role and the participant's state checked by the use case
(storage.usecases.evaluation.confirm_evaluation) before anything is written.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from domain.reasons import Refused
from handlers.access import requires
from handlers.common import (
    Trial,
    command_argument,
    keyboard,
    participant_number,
    reply,
    send,
    trial_of,
)
from handlers.confirmation import after_words
from handlers.texts import EVALUATION as T
from handlers.wording import day, level_label, plural, say
from storage.usecases.evaluation import confirm_evaluation, may_evaluate
from storage.usecases.status import participant_record, windows_awaiting_evaluation

PREFIX = "evaluate:"


def evaluate_button(number: str) -> tuple[str, str]:
    """(label, callback data) of the button that confirms a participant's evaluation."""
    return T["button"].format(number=number), f"{PREFIX}{number}"


def awaiting_lines(trial: Trial, rows: list[dict]) -> list[str]:
    """One line per participant awaiting their evaluation (rows of windows_awaiting_evaluation)."""
    return [T["item" if row["infused_on"] else "item_not_infused"].format(
        number=row["number"], label=level_label(trial.protocol, row["dose_level"]),
        end=day(row["dlt_window_end"])) for row in rows]


def awaiting_buttons(rows: list[dict]) -> list[list[tuple[str, str]]]:
    """A button row per participant whose evaluation can be confirmed (infusion recorded)."""
    return [[evaluate_button(row["number"])] for row in rows if row["infused_on"]]


def facts_text(trial: Trial, row: dict) -> str:
    reports = len(row["dlt_reports"])
    return T["facts"].format(
        number=row["number"], label=level_label(trial.protocol, row["dose_level"]),
        infused=day(row["infused_on"]), end=day(row["dlt_window_end"]),
        reports=plural(T["reports"], reports).format(count=reports))


@requires("investigator")
async def evaluate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/evaluate lists the windows awaiting confirmation; /evaluate P-03 shows one, with its
    button (or why it cannot be confirmed)."""
    trial = trial_of(context)
    number = participant_number(command_argument(context))
    if number is None:
        rows = windows_awaiting_evaluation(trial)
        lines = [T["awaiting"], *awaiting_lines(trial, rows)] if rows else [T["nobody"]]
        buttons = awaiting_buttons(rows)
        await reply(update, "\n".join([T["usage"], "", *lines]),
                    keyboard(buttons) if buttons else None)
        return
    try:
        may_evaluate(trial, number)
    except Refused as refused:
        await reply(update, say(refused.reason))
        return
    await reply(update, facts_text(trial, participant_record(trial, number)),
                keyboard([[evaluate_button(number)]]))


async def pressed_evaluate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An evaluate:<number> button, pressed by anyone: record it, or say why not. Only the
    pressed button leaves its keyboard; the others (a list in /status) stay."""
    query, trial = update.callback_query, trial_of(context)
    number = participant_number(query.data.removeprefix(PREFIX)) or ""
    try:
        saved = confirm_evaluation(trial, number=number, actor=update.effective_user.id)
    except Refused as refused:
        await refuse(update, refused)
        return
    await query.answer()
    await drop_button(update)
    now, to_confirm, markup = after_words(trial, saved.after, T["history_conflict"])
    who = trial.staff_name(str(update.effective_user.id))
    await send(update, T["confirmed"].format(who=who, number=number, now=now) + to_confirm,
               markup)


async def refuse(update: Update, refused: Refused) -> None:
    code = refused.reason.code.removeprefix("refusal.")
    query = update.callback_query
    if code in ("needs_role", "not_staff"):
        await query.answer(T["role"], show_alert=True)
        return
    if code == "already_evaluated":
        await query.answer(T["already"].format(**refused.reason.params))
    else:
        await query.answer(say(refused.reason)[:200], show_alert=True)
    await drop_button(update)


async def drop_button(update: Update) -> None:
    """Take the pressed button off its message, leaving any others (a forged button that is
    not on the message changes nothing: Telegram refuses an edit that changes nothing)."""
    query = update.callback_query
    markup = getattr(query.message, "reply_markup", None)
    buttons = [button for row in (markup.inline_keyboard if markup else ()) for button in row]
    if not any(button.callback_data == query.data for button in buttons):
        return
    rows = [[(b.text, b.callback_data) for b in row if b.callback_data != query.data]
            for row in markup.inline_keyboard]
    rows = [row for row in rows if row]
    await query.edit_message_reply_markup(keyboard(rows) if rows else None)


def handlers() -> list:
    return [CommandHandler("evaluate", evaluate),
            CallbackQueryHandler(pressed_evaluate, pattern=f"^{PREFIX}")]
