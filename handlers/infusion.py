"""/infuse P-03: record the infusion as given (coordinators).

When it was infused (date and time), the lymphodepletion before it (fludarabine and
cyclophosphamide, first and last day, or not given) and the cells actually infused (against the
planned total), then a summary to confirm. Saving (storage.usecases.infusion) is audited, moves
the DLT window to run from the actual infusion and alerts the investigators; the protocol's
spacing between infusions is checked at the time step and again at saving.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from telegram import Update
from telegram.ext import ContextTypes, ConversationHandler

from domain.dates import LYMPHODEPLETION_MAX_DAYS
from domain.dosing import LYMPHODEPLETION, DoseError, read_cells
from domain.reasons import Refused
from domain.typed import plain
from domain.units import format_number
from handlers.common import (
    Trial,
    command_argument,
    date_problem,
    keyboard,
    mark_chosen,
    participant_number,
    read_date,
    reply,
    trial_of,
    with_note,
)
from handlers.confirmation import after_words
from handlers.forms import Form, pressed, typed
from handlers.texts import INFUSION as T
from handlers.wording import cells, day, level_label, listed, moment, percent, say
from storage.usecases.infusion import (
    check_infused_at,
    check_lymphodepletion,
    infusion_facts,
    infusion_preview,
    infusions_to_record,
    may_infuse,
    record_infusion,
)
from storage.usecases.status import participant_record

FORM = Form("infusion", "infuse", "coordinator", T, prefix="infuse")
finish = FORM.finish
TIME, FLUDARABINE, CYCLOPHOSPHAMIDE, CELLS, REVIEW = (
    "time", "fludarabine", "cyclophosphamide", "cells", "review")
SHOWN = "%Y-%m-%d %H:%M"  # the typed form of a time, in the examples of what to type



# --- reading what is typed ------------------------------------------------------------------

DATE_TIME = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})[ T]+(\d{1,2}):(\d{2})\s*$")
DAYS = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:\s*(?:to|–|—|\.\.|,|\s)\s*(\d{4}-\d{2}-\d{2}))?\s*$",
                  re.IGNORECASE)


def read_time(trial: Trial, text: str) -> datetime | None:
    """'2026-03-02 10:30' (24 h) as the site's aware time, or None."""
    match = DATE_TIME.match(plain(text or ""))
    if not match:
        return None
    day, hour, minute = read_date(match[1]), int(match[2]), int(match[3])
    if day is None or hour > 23 or minute > 59:
        return None
    return datetime.combine(day, time(hour, minute), trial.timezone)


def read_days(text: str) -> tuple[date | None, date | None]:
    """'2026-02-25 2026-02-27' (or 'to', or one date for one day) -> (first, last)."""
    match = DAYS.match(plain(text or ""))
    if not match:
        return None, None
    first = read_date(match.group(1))
    return first, read_date(match.group(2)) if match.group(2) else first


def days_text(days) -> str:
    """A lymphodepleting drug's (first, last) day (dates or ISO texts) in words, or "not
    given"."""
    if not days:
        return T["not_given"]
    start, end = days
    if start == end:
        return T["one_day"].format(start=day(start))
    return T["days"].format(start=day(start), end=day(end))


def problem_text(trial: Trial, problem: str, params: dict, infused_on: date | None = None) -> str:
    """An infusion time or lymphodepletion problem (a key of domain.dates) in words; the example
    of lymphodepletion days is the usual days -5 to -3 before `infused_on`."""
    if infused_on is None:
        example = trial.now().strftime(SHOWN)
    else:
        example = f"{infused_on - timedelta(days=5)} {infused_on - timedelta(days=3)}"
    return date_problem(T, problem, date=params.get("date"), earliest=params.get("earliest"),
                        number=params.get("number"), on=params.get("on"),
                        infusion=params.get("infusion"), example=example,
                        max_days=params.get("max_days", LYMPHODEPLETION_MAX_DAYS))


def usage_text(trial: Trial) -> str:
    return T["usage"].format(participants=listed(infusions_to_record(trial)) or T["none"])


# --- start -----------------------------------------------------------------------------------

async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    context.user_data.pop("infusion", None)
    trial = trial_of(context)
    number = participant_number(command_argument(context))
    if number is None:
        await reply(update, usage_text(trial))
        return ConversationHandler.END
    try:
        row = may_infuse(trial, number)
    except Refused as refused:
        await reply(update, say(refused.reason))
        return ConversationHandler.END
    context.user_data["infusion"] = {"number": number}
    level = trial.protocol.dose_level(row["dose_level"])
    return await ask_time(update, context, lead=T["participant"].format(
        number=number, label=level.label, planned=day(row["infusion_date"]),
        dose=cells(row["cells_per_kg"]), weight=format_number(row["weight_kg"]),
        total=cells(row["total_cells"])))


# --- when -----------------------------------------------------------------------------------

async def ask_time(update: Update, context: ContextTypes.DEFAULT_TYPE, note: str = "",
                   lead: str = "") -> str:
    example = trial_of(context).now().strftime(SHOWN)
    text = with_note(note, T["ask_time"].format(example=example))
    await reply(update, f"{lead}\n\n{text}" if lead else text,
                keyboard([[(T["now"], "infuse:now")], [FORM.cancel_button()]]))
    return TIME


async def typed_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    return await take_time(update, context, read_time(trial_of(context), update.message.text))


async def pressed_now(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    at = trial_of(context).now().replace(second=0, microsecond=0)
    await mark_chosen(update.callback_query, moment(at))
    return await take_time(update, context, at)


async def take_time(update: Update, context: ContextTypes.DEFAULT_TYPE,
                    at: datetime | None) -> str | int:
    trial, form = trial_of(context), FORM.answers(context)
    try:
        check_infused_at(trial, form["number"], at)
    except Refused as refused:
        code = refused.reason.code.removeprefix("refusal.")
        if not code.startswith("infused_"):
            return await finish(update, context, T["refused"].format(reason=say(refused.reason)))
        problem = code.removeprefix("infused_")
        return await ask_time(update, context,
                              problem_text(trial, problem, refused.reason.params))
    for later in ("fludarabine", "cyclophosphamide", "cells"):  # asked (again) after the time
        form.pop(later, None)
    form["at"] = at.isoformat()
    return await ask_days(update, context, "fludarabine")


# --- lymphodepletion ------------------------------------------------------------------------

async def ask_days(update: Update, context: ContextTypes.DEFAULT_TYPE, drug: str,
                   note: str = "") -> str:
    FORM.answers(context)["asking"] = drug
    buttons = [(T["not_given"], "infuse:none")]
    if drug == "cyclophosphamide" and FORM.answers(context).get("fludarabine"):
        buttons.insert(0, (T["same_days"], "infuse:same"))
    text = with_note(note, T["ask_drug"].format(drug=T["drugs"][drug]))
    await reply(update, text, keyboard([[button] for button in buttons]))
    return drug


def current_drug(context: ContextTypes.DEFAULT_TYPE) -> str:
    return FORM.answers(context)["asking"]


async def typed_days(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    trial, form, drug = trial_of(context), FORM.answers(context), current_drug(context)
    infused_on = datetime.fromisoformat(form["at"]).date()
    try:
        days = check_lymphodepletion(trial, read_days(update.message.text), infused_on)
    except Refused as refused:
        problem = refused.reason.code.removeprefix("refusal.lymphodepletion_")
        return await ask_days(update, context, drug,
                              problem_text(trial, problem, refused.reason.params, infused_on))
    return await take_days(update, context, drug, [day.isoformat() for day in days])


async def pressed_not_given(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    await mark_chosen(update.callback_query, T["not_given"])
    return await take_days(update, context, current_drug(context), None)


async def pressed_same(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    await mark_chosen(update.callback_query, T["same_days"])
    days = FORM.answers(context)["fludarabine"]
    return await take_days(update, context, "cyclophosphamide", days)


async def take_days(update: Update, context: ContextTypes.DEFAULT_TYPE, drug: str,
                    days: list[str] | None) -> str:
    FORM.answers(context)[drug] = days
    if drug == "fludarabine":
        return await ask_days(update, context, "cyclophosphamide")
    return await ask_cells(update, context)


# --- the cells infused ----------------------------------------------------------------------

async def ask_cells(update: Update, context: ContextTypes.DEFAULT_TYPE, note: str = "") -> str:
    row = participant_record(trial_of(context), FORM.answers(context)["number"])
    total = cells(row["total_cells"])
    text = with_note(note, T["ask_cells"].format(total=total, example=total))
    await reply(update, text, keyboard([[(T["as_planned"].format(total=total), "infuse:all")]]))
    return CELLS


async def typed_cells(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    try:
        infused = read_cells(update.message.text)
    except DoseError as error:
        return await ask_cells(update, context, say(error.reason))
    FORM.answers(context)["cells"] = infused
    return await show_review(update, context)


async def pressed_all(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    form = FORM.answers(context)
    form["cells"] = participant_record(trial_of(context), form["number"])["total_cells"]
    await mark_chosen(update.callback_query, T["as_planned"].format(total=cells(form["cells"])))
    return await show_review(update, context)


# --- summary and saving ---------------------------------------------------------------------

def lymphodepletion_of(form: dict) -> dict:
    return {drug: tuple(date.fromisoformat(day) for day in form[drug]) if form[drug] else None
            for drug in LYMPHODEPLETION}


def facts_of(trial: Trial, form: dict):
    return infusion_facts(trial, form["number"], infused_at=datetime.fromisoformat(form["at"]),
                          lymphodepletion=lymphodepletion_of(form), infused_cells=form["cells"])


def meaning_text(meaning) -> str:
    before, after = meaning.params.get("before"), meaning.params.get("after")
    if meaning.code != "outcome_change" or before == after:
        return ""
    return T["outcome_change"].format(before=T["outcomes"][before], after=T["outcomes"][after])


def dose_notes(facts) -> list[str]:
    notes = []
    if facts.underdosed:
        notes.append(T["below_minimum"].format(minimum=percent(facts.min_fraction)))
    elif facts.fraction > 1:
        notes.append(T["above_target"])
    return notes


async def show_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    trial, form = trial_of(context), FORM.answers(context)
    facts = facts_of(trial, form)
    found = infusion_preview(trial, facts)
    notes = dose_notes(facts)
    meaning = meaning_text(found.meaning)
    if meaning:
        then = (T["then"].format(reason=say(found.then.reason)) if found.then
                else T["then_conflict"].format(error=say(found.conflict)))
        notes += [meaning, then]
    row = participant_record(trial, form["number"])
    text = T["summary"].format(
        number=form["number"], label=level_label(trial.protocol, row["dose_level"]),
        at=moment(facts.infused_at), fludarabine=days_text(form["fludarabine"]),
        cyclophosphamide=days_text(form["cyclophosphamide"]), cells=cells(facts.infused_cells),
        total=cells(facts.target_cells), percent=percent(facts.fraction),
        old_end=day(facts.window_end_before), new_end=day(facts.window_end),
        notes="".join(f"\n{note}" for note in notes))
    await reply(update, text, FORM.confirm_buttons())
    return REVIEW


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    query, trial, form = update.callback_query, trial_of(context), FORM.answers(context)
    await query.edit_message_reply_markup(None)
    facts = facts_of(trial, form)
    try:
        saved = record_infusion(trial, number=form["number"], infused_at=facts.infused_at,
                                lymphodepletion=facts.lymphodepletion,
                                infused_cells=facts.infused_cells, actor=update.effective_user.id)
    except Refused as refused:
        code = refused.reason.code.removeprefix("refusal.")
        if code.startswith("infused_"):  # e.g. another infusion recorded meanwhile, too close
            return await ask_time(update, context, problem_text(
                trial, code.removeprefix("infused_"), refused.reason.params))
        return await finish(update, context, T["refused"].format(reason=say(refused.reason)))
    now, to_confirm, markup = after_words(trial, saved.after, T["history_conflict"])
    meaning = meaning_text(saved.meaning)
    text = T["saved"].format(
        number=form["number"], at=moment(facts.infused_at),
        cells=cells(facts.infused_cells), percent=percent(facts.fraction),
        window_end=day(facts.window_end), meaning=f"\n{meaning}" if meaning else "", now=now)
    return await finish(update, context, text + to_confirm, markup)


def handlers() -> list:
    return FORM.handlers(start, {
        TIME: [typed(typed_time), pressed("now$", pressed_now)],
        FLUDARABINE: [typed(typed_days), pressed("none$", pressed_not_given)],
        CYCLOPHOSPHAMIDE: [typed(typed_days), pressed("none$", pressed_not_given),
                           pressed("same$", pressed_same)],
        CELLS: [typed(typed_cells), pressed("all$", pressed_all)],
        REVIEW: [pressed("yes$", confirm)],
    })

