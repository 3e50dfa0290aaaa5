"""/reschedule P-03: move a participant's planned infusion date, with a reason.

A coordinator sees the participant and the planned date, types or picks the new date (the same
rules as /enroll: domain.dates, with the protocol's stagger from the 3+3 engine), gives the reason
and confirms a summary. Confirm stores the new date and the DLT window end that follows from it,
audited with the old values and the reason, and an alert for the investigators, in one
transaction. A date may move only until it matters (domain.dates.reschedule_refusal): until the
infusion is recorded (/infuse; a planned day that passed without one may still move), a DLT is
reported or the participant is withdrawn.
"""

from __future__ import annotations

from datetime import date, timedelta

from telegram import Update
from telegram.ext import (
    ContextTypes,
    ConversationHandler,
)

from domain.dlt import dlt_window_end
from domain.reasons import Reason, Refused
from handlers.common import (
    Trial,
    command_argument,
    keyboard,
    participant_number,
    read_date,
    reply,
    trial_of,
    with_note,
)
from handlers.enrollment import planned_date_text
from handlers.forms import Form, date_steps, pressed, typed
from handlers.texts import RESCHEDULE as T
from handlers.wording import dated, day, level_label, listed, say
from storage.usecases.events import (
    check_new_infusion,
    may_reschedule,
    movable_participants,
    reschedule,
)
from storage.usecases.status import participant_record

FORM = Form("reschedule", "reschedule", "coordinator", T, prefix="reschedule")
finish = FORM.finish
DATE, REASON, REVIEW = "date", "reason", "review"




# --- may the planned date still change ------------------------------------------------------

def refusal_text(reason: Reason, at_save: bool = False) -> str:
    """Why the planned date may not move (or why the move was not saved), in words."""
    code, params = reason.code.removeprefix("refusal."), reason.params
    if code.startswith("reschedule_") or code == "no_participant":
        key = code.removeprefix("reschedule_")
        if at_save:
            return T["refused"].format(reason=T["at_save"].get(key, T[key]).format(**dated(params)))
        return T[key].format(**dated(params))
    if code == "infusion_changed_meanwhile":
        return T["refused"].format(reason=T["changed_meanwhile"].format(**dated(params)))
    return T["refused"].format(reason=say(reason))


def usage_text(trial: Trial) -> str:
    return T["usage"].format(participants=listed(movable_participants(trial)) or T["none"])


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    context.user_data.pop("reschedule", None)
    trial = trial_of(context)
    number = participant_number(command_argument(context))
    if number is None:
        await reply(update, usage_text(trial))
        return ConversationHandler.END
    try:
        row = may_reschedule(trial, number)
    except Refused as refused:
        await reply(update, refusal_text(refused.reason))
        return ConversationHandler.END
    context.user_data["reschedule"] = {"number": number, "old": row["infusion_date"].isoformat()}
    return await ask_date(update, context, lead=T["participant"].format(
        number=number, label=level_label(trial.protocol, row["dose_level"]),
        infusion=day(row["infusion_date"]), window_end=day(row["dlt_window_end"])))


# --- the new date ---------------------------------------------------------------------------

async def ask_date(update: Update, context: ContextTypes.DEFAULT_TYPE, note: str = "",
                   lead: str = "") -> str:
    today = trial_of(context).today()
    tomorrow = today + timedelta(days=1)
    markup = keyboard([[(T["today"].format(date=day(today)), f"reschedule:day:{today}"),
                        (T["tomorrow"].format(date=day(tomorrow)),
                         f"reschedule:day:{tomorrow}")]])
    text = with_note(note, T["ask_date"])
    await reply(update, f"{lead}\n\n{text}" if lead else text, markup)
    return DATE


def new_date_problem(trial: Trial, form: dict, day: date | None) -> str | None:
    """What is wrong with the new planned date, as a text; None if nothing. Refused (the
    date may no longer move) when that is what changed."""
    try:
        check_new_infusion(trial, form["number"], day)
    except Refused as refused:
        code = refused.reason.code.removeprefix("refusal.")
        if not code.startswith("infusion_"):
            raise
        return planned_date_text(trial, code.removeprefix("infusion_"), refused.reason.params, T)
    return None






async def take_date(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> str:
    trial, form, day = trial_of(context), FORM.answers(context), read_date(text)
    try:
        problem = new_date_problem(trial, form, day)
    except Refused as refused:
        return await finish(update, context, refusal_text(refused.reason, at_save=True))
    if problem:
        return await ask_date(update, context, problem)
    form["new"] = day.isoformat()
    return await ask_reason(update, context)


# --- the reason -----------------------------------------------------------------------------

async def ask_reason(update: Update, context: ContextTypes.DEFAULT_TYPE, note: str = "") -> str:
    number = FORM.answers(context)["number"]
    await reply(update, with_note(note, T["ask_reason"].format(number=number)))
    return REASON


async def typed_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    reason, note = FORM.reason_problem(update.message.text)
    if note:
        return await ask_reason(update, context, note)
    FORM.answers(context)["reason"] = reason
    return await show_review(update, context)


# --- summary and saving ---------------------------------------------------------------------

def change_fields(trial: Trial, form: dict) -> dict:
    """The placeholders of the summary and the reply."""
    row = participant_record(trial, form["number"])
    old, new = row["infusion_date"], date.fromisoformat(form["new"])
    return {"number": form["number"], "label": level_label(trial.protocol, row["dose_level"]),
            "old": old, "new": new, "old_end": row["dlt_window_end"],
            "new_end": dlt_window_end(trial.protocol, new), "reason": form["reason"]}


async def show_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    text = T["summary"].format(**dated(change_fields(trial_of(context), FORM.answers(context))))
    markup = FORM.confirm_buttons()
    await reply(update, text, markup)
    return REVIEW


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | str:
    query, trial, form = update.callback_query, trial_of(context), FORM.answers(context)
    await query.edit_message_reply_markup(None)
    try:
        problem = new_date_problem(trial, form, date.fromisoformat(form["new"]))
        if problem:  # the summary was shown on an earlier day, or the stagger changed
            return await ask_date(update, context, problem)
        fields = change_fields(trial, form)
        reschedule(trial, number=form["number"], planned=date.fromisoformat(form["old"]),
                   new=fields["new"], reason=form["reason"], actor=update.effective_user.id)
    except Refused as refused:
        return await finish(update, context, refusal_text(refused.reason, at_save=True))
    return await finish(update, context, T["saved"].format(**dated(fields)))


def handlers() -> list:
    return FORM.handlers(start, {
        DATE: date_steps(take_date),
        REASON: [typed(typed_reason)],
        REVIEW: [pressed("yes$", confirm)],
    })
