"""/dlt: an investigator reports a toxicity, sees whether the protocol's DLT definition is met
and records their own judgement, which is final.

Participant, event, grade, onset, attribution; then the domain's suggestion (domain.dlt), the
investigator's judgement and a summary to save. Saving stores the report and, in the same
transaction, the alerts it raises: the DLT itself and whatever 3+3 step it newly triggers.
"""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.ext import (
    ContextTypes,
)

from domain.dlt import ATTRIBUTIONS, GRADES, GRADING, Suggestion
from domain.reasons import Refused
from handlers.common import (
    Trial,
    command_argument,
    date_problem,
    in_rows,
    keyboard,
    mark_chosen,
    participant_number,
    read_date,
    reply,
    stale_button,
    trial_of,
    whole_number,
    with_note,
)
from handlers.confirmation import after_words
from handlers.forms import Form, date_steps, pressed, typed
from handlers.texts import DLT as T
from handlers.wording import day, level_label, say
from storage.usecases.events import check_event_date, in_window, report_dlt, suggestion
from storage.usecases.status import participant_record

FORM = Form("dlt", "dlt", "investigator", T, prefix="dlt")
PARTICIPANT, EVENT, GRADE, ONSET, ATTRIBUTION, JUDGEMENT, REVIEW = (
    "participant", "event", "grade", "onset", "attribution", "judgement", "review")




def chosen_participant(context: ContextTypes.DEFAULT_TYPE) -> dict:
    return participant_record(trial_of(context), FORM.answers(context)["participant"])


def participant_line(trial: Trial, row: dict) -> str:
    withdrawn = T["withdrawn"].format(on=day(row["withdrawn_on"])) if row["withdrawn_on"] else ""
    return T["participant"].format(
        number=row["number"], label=level_label(trial.protocol, row["dose_level"]),
        infusion=day(row["infusion_day"]), window_end=day(row["dlt_window_end"]),
        withdrawn=withdrawn)


# --- participant ----------------------------------------------------------------------------

async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    context.user_data["dlt"] = {}
    wanted = command_argument(context)
    if wanted:
        return await take_participant(update, context, wanted)
    return await ask_participant(update, context)


async def ask_participant(update: Update, context: ContextTypes.DEFAULT_TYPE,
                          note: str = "") -> str:
    trial = trial_of(context)
    rows = in_window(trial)
    buttons = [(T["participant_button"].format(
        number=r["number"], label=level_label(trial.protocol, r["dose_level"]),
        end=day(r["dlt_window_end"])), f"dlt:who:{r['number']}") for r in rows]
    text = f"{T['choose'] if rows else T['nobody_in_window']}\n{T['type_number']}"
    await reply(update, with_note(note, text), keyboard(in_rows(buttons, 1)) if rows else None)
    return PARTICIPANT


async def typed_participant(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    return await take_participant(update, context, update.message.text)


async def pressed_participant(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    query = update.callback_query
    number = query.data.removeprefix("dlt:who:")
    await mark_chosen(query, number)
    return await take_participant(update, context, number)


async def take_participant(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> str:
    number = participant_number(text)
    if number is None:
        return await ask_participant(update, context, T["bad_number"])
    if participant_record(trial_of(context), number) is None:
        return await ask_participant(update, context, T["no_participant"].format(number=number))
    FORM.answers(context)["participant"] = number
    return await ask_event(update, context)


# --- event, grade, onset, attribution -------------------------------------------------------

async def ask_event(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    trial = trial_of(context)
    buttons = [(T["events"][event], f"dlt:event:{event}") for event in GRADING]
    text = f"{participant_line(trial, chosen_participant(context))}\n{T['ask_event']}"
    await reply(update, text, keyboard(in_rows(buttons, 3)))
    return EVENT


async def pressed_event(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    query = update.callback_query
    event = query.data.removeprefix("dlt:event:")
    if event not in GRADING:
        return await stale_button(update, context)
    await mark_chosen(query, T["events"][event])
    FORM.answers(context)["event"] = event
    return await ask_grade(update, context)


async def ask_grade(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    event = FORM.answers(context)["event"]
    text = T["ask_grade"].format(event=T["events"][event], grading=GRADING[event])
    if event in T["grade_hints"]:
        text += "\n" + T["grade_hints"][event]
    buttons = [(T["grade_button"].format(grade=g), f"dlt:grade:{g}")
               for g in GRADES[GRADING[event]]]
    await reply(update, text, keyboard(in_rows(buttons, 5)))
    return GRADE


async def pressed_grade(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    query, form = update.callback_query, FORM.answers(context)
    grade = whole_number(query.data.removeprefix("dlt:grade:"), digits=1)
    if grade not in GRADES[GRADING[form["event"]]]:
        return await stale_button(update, context)
    await mark_chosen(query, T["grade_button"].format(grade=grade))
    form["grade"] = grade
    return await ask_onset(update, context)


async def ask_onset(update: Update, context: ContextTypes.DEFAULT_TYPE, note: str = "") -> str:
    today = trial_of(context).today()
    markup = keyboard([[(T["today"].format(date=day(today)), f"dlt:onset:{today}")]])
    await reply(update, with_note(note, T["ask_onset"]), markup)
    return ONSET


def onset_problem(trial: Trial, number: str, day: date | None) -> str | None:
    """An onset is between the infusion and today, and within the DLT window (domain.dates)."""
    try:
        check_event_date(trial, participant_record(trial, number), day, dlt=True)
    except Refused as refused:
        params = refused.reason.params
        return date_problem(T, refused.reason.code.removeprefix("refusal.event_"),
                            date=day, number=number, window_end=params["window_end"],
                            infusion=params["infusion"],
                            example=min(params["today"], params["window_end"]))
    return None






async def take_onset(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> str:
    day = read_date(text)
    problem = onset_problem(trial_of(context), FORM.answers(context)["participant"], day)
    if problem:
        return await ask_onset(update, context, problem)
    FORM.answers(context)["onset"] = day.isoformat()
    buttons = [(T["attributions"][a], f"dlt:attribution:{a}") for a in ATTRIBUTIONS]
    await reply(update, T["ask_attribution"], keyboard(in_rows(buttons, 3)))
    return ATTRIBUTION


async def pressed_attribution(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    query = update.callback_query
    attribution = query.data.removeprefix("dlt:attribution:")
    if attribution not in ATTRIBUTIONS:
        return await stale_button(update, context)
    await mark_chosen(query, T["attributions"][attribution])
    form = FORM.answers(context)
    form["attribution"] = attribution
    found = suggestion(trial_of(context), form["participant"], event=form["event"],
                       grade=form["grade"], attribution=attribution,
                       onset=date.fromisoformat(form["onset"]))
    form.update(suggested=found.is_dlt, suggestion=suggestion_text(found))
    markup = keyboard([[(T["is_dlt"], "dlt:judge:yes"), (T["not_dlt"], "dlt:judge:no")]])
    await reply(update, T["ask_judgement"].format(suggestion=form["suggestion"]), markup)
    return JUDGEMENT


# --- suggestion, judgement, saving ----------------------------------------------------------

def suggestion_text(suggestion: Suggestion) -> str:
    key = "suggested_dlt" if suggestion.is_dlt else "suggested_not"
    return T[key].format(reason=say(suggestion.reason))


def judgement_text(form: dict) -> str:
    text = T["judged_dlt"] if form["judgement"] else T["judged_not"]
    return text + (T["differs"] if form["judgement"] != form["suggested"] else "")


async def pressed_judgement(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    query, form = update.callback_query, FORM.answers(context)
    form["judgement"] = query.data == "dlt:judge:yes"
    await mark_chosen(query, T["is_dlt"] if form["judgement"] else T["not_dlt"])
    trial = trial_of(context)
    text = T["summary"].format(
        participant=participant_line(trial, chosen_participant(context)),
        event=T["events"][form["event"]], grade=form["grade"], grading=GRADING[form["event"]],
        onset=day(form["onset"]), attribution=T["attributions"][form["attribution"]],
        suggestion=form["suggestion"], judgement=judgement_text(form))
    markup = keyboard([[(T["save"], "dlt:save"), FORM.cancel_button()]])
    await reply(update, text, markup)
    return REVIEW


async def save(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query, trial, form = update.callback_query, trial_of(context), FORM.answers(context)
    await query.edit_message_reply_markup(None)
    try:
        saved = report_dlt(
            trial, number=form["participant"], event=form["event"], grade=form["grade"],
            onset=date.fromisoformat(form["onset"]), attribution=form["attribution"],
            is_dlt=form["judgement"], actor=update.effective_user.id)
    except Refused as refused:
        return await FORM.finish(update, context, T["refused"].format(
            reason=say(refused.reason)))
    now, to_confirm, markup = after_words(trial, saved.after, T["history_conflict"])
    text = T["saved"].format(
        number=form["participant"], event=T["events"][form["event"]], grade=form["grade"],
        grading=GRADING[form["event"]], onset=day(form["onset"]),
        related=T["related"][form["attribution"]], judgement=judgement_text(form), reason=now)
    return await FORM.finish(update, context, text + to_confirm, markup)




def handlers() -> list:
    return FORM.handlers(start, {
        PARTICIPANT: [typed(typed_participant), pressed("who:", pressed_participant)],
        EVENT: [pressed("event:", pressed_event)],
        GRADE: [pressed("grade:", pressed_grade)],
        ONSET: date_steps(take_onset, "onset"),
        ATTRIBUTION: [pressed("attribution:", pressed_attribution)],
        JUDGEMENT: [pressed("judge:(yes|no)$", pressed_judgement)],
        REVIEW: [pressed("save$", save)],
    })
