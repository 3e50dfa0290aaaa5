"""/withdraw: a participant leaves the trial, or a candidate leaves screening.

/withdraw P-03 (investigators): the participant, the withdrawal date, the reason, then a summary
of what the withdrawal means for the 3+3. That meaning is the domain's: the participant's outcome
before and after (domain.escalation.outcome_on) and the engine's answer with the withdrawal
counted. Confirm stores the withdrawal and, in the same transaction, the alerts it raises: the
withdrawal itself and whatever 3+3 step it newly triggers.
/withdraw S-004 (coordinators are enough): the reason, then Confirm; the screening is closed as
withdrawn, with the reason in its audit trail.
"""

from __future__ import annotations

from datetime import date, timedelta

from telegram import Update
from telegram.ext import (
    ContextTypes,
    ConversationHandler,
)

from domain.reasons import Reason, Refused
from handlers.access import has_role, staff_of
from handlers.common import (
    SCREENING_NUMBER,
    Trial,
    command_argument,
    date_problem,
    keyboard,
    participant_number,
    read_date,
    reply,
    trial_of,
    with_note,
)
from handlers.confirmation import after_words
from handlers.forms import Form, date_steps, pressed, typed
from handlers.texts import ACCESS
from handlers.texts import WITHDRAWAL as T
from handlers.wording import cells, dated, day, level_label, listed, plural, say
from storage.usecases.events import (
    Preview,
    check_event_date,
    staying_participants,
    withdraw,
    withdraw_candidate,
    withdrawable_screening,
    withdrawable_screenings,
    withdrawal_preview,
)
from storage.usecases.status import participant_record

FORM = Form("withdrawal", "withdraw", "coordinator", T, prefix="withdraw")
finish = FORM.finish
DATE, REASON, REVIEW = "date", "reason", "review"



def screening_number(text: str) -> str | None:
    """'s-4', 'S004' -> 'S-004'; None if it does not look like a screening number."""
    match = SCREENING_NUMBER.match((text or "").strip())
    return f"S-{int(match.group(1)):03d}" if match else None



def usage_text(trial: Trial) -> str:
    staying = [p["number"] for p in staying_participants(trial)]
    open_ = withdrawable_screenings(trial)
    return T["usage"].format(participants=listed(staying) or T["none"],
                             screenings=listed(open_) or T["none"])


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    context.user_data.pop("withdrawal", None)
    wanted = command_argument(context)
    if number := participant_number(wanted):
        return await start_participant(update, context, number)
    if number := screening_number(wanted):
        return await start_screening(update, context, number)
    await reply(update, usage_text(trial_of(context)))
    return ConversationHandler.END


# --- what the withdrawal of a participant means for the 3+3 (the domain's answer) ------------

def meaning_lines(meaning: Reason) -> list[str]:
    """What the withdrawal means for the 3+3, and the outcome letter before -> after."""
    if meaning.code == "meaning_expansion":  # the engine does not DLT-evaluate case expansion
        return [T["meaning_expansion"]]
    before, after = meaning.params["before"], meaning.params["after"]
    return [T["meaning"][after], T["outcome_change"].format(
        before=T["outcomes"][before], after=T["outcomes"][after])]


def then_text(found: Preview) -> str:
    """The engine's answer if the withdrawal were saved now."""
    if found.then is None:
        return T["then_conflict"].format(error=say(found.conflict))
    return T["then"].format(reason=say(found.then.reason))


# --- a participant: who, date -------------------------------------------------------------

def reports_text(row: dict) -> str:
    reports = row["dlt_reports"]
    text = plural(T["reports"], len(reports)).format(count=len(reports))
    dlts = sum(1 for report in reports if report["is_dlt"])
    return text + (T["dlts"].format(count=dlts) if reports else "")


def participant_text(trial: Trial, row: dict) -> str:
    level = trial.protocol.dose_level(row["dose_level"])
    return T["participant"].format(
        number=row["number"], label=level.label, dose=cells(level.cells_per_kg),
        expansion=T["expansion"] if row["expansion"] else "", infusion=day(row["infusion_day"]),
        window_end=day(row["dlt_window_end"]), reports=reports_text(row))


async def start_participant(update: Update, context: ContextTypes.DEFAULT_TYPE,
                            number: str) -> str | int:
    trial, staff = trial_of(context), staff_of(update, context)
    if not has_role(staff, "investigator"):
        await reply(update, ACCESS["needs_role"].format(role="investigator", have=staff["role"]))
        return ConversationHandler.END
    row = participant_record(trial, number)
    problem = None
    if row is None:
        problem = T["no_participant"].format(number=number)
    elif row["withdrawn_on"] is not None:
        problem = T["already_withdrawn"].format(number=number, on=day(row["withdrawn_on"]),
                                                reason=row["withdrawal_reason"])
    if problem:
        await reply(update, problem)
        return ConversationHandler.END
    context.user_data["withdrawal"] = {"kind": "participant", "number": number}
    return await ask_date(update, context, lead=participant_text(trial, row))


async def ask_date(update: Update, context: ContextTypes.DEFAULT_TYPE, note: str = "",
                   lead: str = "") -> str:
    today = trial_of(context).today()
    markup = keyboard([[(T["today"].format(date=day(today)), f"withdraw:day:{today}")]])
    text = with_note(note, T["ask_date"])
    await reply(update, f"{lead}\n\n{text}" if lead else text, markup)
    return DATE


def withdrawal_date_problem(trial: Trial, number: str, day: date | None) -> str | None:
    """A withdrawal is between the infusion and today (domain.dates)."""
    try:
        check_event_date(trial, participant_record(trial, number), day, dlt=False)
    except Refused as refused:
        params = refused.reason.params
        return date_problem(T, refused.reason.code.removeprefix("refusal.event_"), date=day,
                            number=number, infusion=params["infusion"],
                            example=params["today"] - timedelta(days=1))
    return None






async def take_date(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> str:
    trial, form = trial_of(context), FORM.answers(context)
    day = read_date(text)
    problem = withdrawal_date_problem(trial, form["number"], day)
    if problem:
        return await ask_date(update, context, problem)
    form["on"] = day.isoformat()
    return await ask_reason(update, context)


# --- the reason (participant or screening) ------------------------------------------------

async def ask_reason(update: Update, context: ContextTypes.DEFAULT_TYPE, note: str = "",
                     lead: str = "") -> str:
    text = with_note(note, T["ask_reason"].format(number=FORM.answers(context)["number"]))
    await reply(update, f"{lead}\n\n{text}" if lead else text)
    return REASON


async def typed_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    reason, note = FORM.reason_problem(update.message.text)
    if note:
        return await ask_reason(update, context, note)
    form = FORM.answers(context)
    form["reason"] = reason
    if form["kind"] == "screening":
        return await show_screening_review(update, context)
    return await show_review(update, context)


# --- summary and saving: a participant ------------------------------------------------------

def review_markup():
    return FORM.confirm_buttons()


async def show_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    trial, form = trial_of(context), FORM.answers(context)
    on = date.fromisoformat(form["on"])
    row = participant_record(trial, form["number"])
    found = withdrawal_preview(trial, form["number"], on)
    text = T["summary"].format(
        number=form["number"], label=level_label(trial.protocol, row["dose_level"]),
        infusion=day(row["infusion_day"]), window_end=day(row["dlt_window_end"]), on=day(on),
        reason=form["reason"], meaning="\n".join(meaning_lines(found.meaning)),
        then=then_text(found))
    await reply(update, text, review_markup())
    return REVIEW


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    query, trial, form = update.callback_query, trial_of(context), FORM.answers(context)
    await query.edit_message_reply_markup(None)
    if form["kind"] == "screening":
        return await confirm_screening(update, context)
    try:
        saved = withdraw(trial, number=form["number"], on=date.fromisoformat(form["on"]),
                         reason=form["reason"], actor=update.effective_user.id)
    except Refused as refused:
        return await finish(update, context, T["refused"].format(reason=say(refused.reason)))
    now, to_confirm, markup = after_words(trial, saved.after, T["history_conflict"])
    text = T["saved"].format(number=form["number"], on=day(form["on"]), reason=form["reason"],
                             meaning="\n".join(meaning_lines(saved.meaning)), now=now)
    return await finish(update, context, text + to_confirm, markup)


# --- a screening ---------------------------------------------------------------------------

def screening_problem(trial: Trial, number: str) -> str | None:
    try:
        withdrawable_screening(trial, number)
    except Refused as refused:
        params = refused.reason.params
        key = refused.reason.code.removeprefix("refusal.")
        status = T["statuses"].get(params.get("status"), params.get("status"))
        return T[key].format(**dict(dated(params), status=status))
    return None


async def start_screening(update: Update, context: ContextTypes.DEFAULT_TYPE,
                          number: str) -> str | int:
    trial = trial_of(context)
    problem = screening_problem(trial, number)
    if problem:
        await reply(update, problem)
        return ConversationHandler.END
    status = withdrawable_screening(trial, number)["status"]
    context.user_data["withdrawal"] = {"kind": "screening", "number": number}
    return await ask_reason(update, context, lead=T["screening"].format(
        number=number, status=T["screening_statuses"][status]))


async def show_screening_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    form = FORM.answers(context)
    text = T["screening_summary"].format(number=form["number"], reason=form["reason"])
    await reply(update, text, review_markup())
    return REVIEW


async def confirm_screening(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    trial, form = trial_of(context), FORM.answers(context)
    try:
        withdraw_candidate(trial, number=form["number"], actor=update.effective_user.id,
                           reason=form["reason"])
    except Refused as refused:
        return await finish(update, context, T["refused"].format(reason=say(refused.reason)))
    return await finish(update, context, T["screening_saved"].format(
        number=form["number"], reason=form["reason"]))


# --- leaving --------------------------------------------------------------------------------


def handlers() -> list:
    return FORM.handlers(start, {
        DATE: date_steps(take_date),
        REASON: [typed(typed_reason)],
        REVIEW: [pressed("yes$", confirm)],
    })
