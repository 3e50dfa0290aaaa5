"""/revise: an investigator revises the DLT judgement of a report, with a reason.

The protocol's DLT rules often depend on the course ("grade 3 CRS not improving within 72 h"),
so a judgement made at the report is sometimes revised days later. /revise P-03 lists the
participant's reports, each with the change it offers (DLT -> not a DLT, or back); then the
reason, then a summary of what the change means for the 3+3: the participant's outcome before and
after, and the engine's answer with the changed judgement counted. Confirm stores the change
(audited with the earlier judgement and the reason) and, in the same transaction, the alerts it
raises: the revision itself and whatever 3+3 step it newly triggers.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    ContextTypes,
    ConversationHandler,
)

from domain.reasons import Reason, Refused
from handlers.common import (
    Trial,
    command_argument,
    in_rows,
    keyboard,
    mark_chosen,
    participant_number,
    reply,
    stale_button,
    trial_of,
    whole_number,
    with_note,
)
from handlers.confirmation import after_words
from handlers.forms import Form, pressed, typed
from handlers.texts import ACCESS, DLT
from handlers.texts import REVISION as T
from handlers.wording import day, level_label, listed, say
from storage.usecases.events import (
    Preview,
    participants_with_reports,
    revise_dlt,
    revision_preview,
)
from storage.usecases.status import participant_record

FORM = Form("revision", "revise", "investigator", T, prefix="revise")
finish = FORM.finish
REPORT, REASON, REVIEW = "report", "reason", "review"




def judged(is_dlt: bool) -> str:
    return T["judgements"]["dlt" if is_dlt else "not"]


def report_fields(report: dict) -> dict:
    """The placeholders every text about one report uses."""
    return {"event": DLT["events"].get(report["event"], report["event"]),
            "grade": report["grade"], "grading": report["grading"],
            "onset": day(report["onset_date"]),
            "related": DLT["related"].get(report["attribution"], report["attribution"])}


def report_of(trial: Trial, number: str, report_id: int) -> dict | None:
    """One of the participant's reports as stored now (None if it is not theirs)."""
    row = participant_record(trial, number)
    return next((report for report in row["dlt_reports"] if report["id"] == report_id), None)


def usage_text(trial: Trial) -> str:
    numbers = participants_with_reports(trial)
    return T["usage"].format(participants=listed(numbers) or T["none"])


# --- the participant and the report -------------------------------------------------------

async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    context.user_data.pop("revision", None)
    trial = trial_of(context)
    number = participant_number(command_argument(context))
    row = participant_record(trial, number) if number else None
    problem = None
    if number is None:
        problem = usage_text(trial)
    elif row is None:
        problem = T["no_participant"].format(number=number)
    elif not row["dlt_reports"]:
        problem = T["no_reports"].format(number=number)
    if problem:
        await reply(update, problem)
        return ConversationHandler.END
    return await ask_report(update, context, trial, row)


def report_button(report: dict) -> tuple[str, str]:
    text = T["report_button"].format(was=judged(report["is_dlt"]),
                                     to=judged(not report["is_dlt"]), **report_fields(report))
    return text, f"revise:report:{report['id']}"


async def ask_report(update: Update, context: ContextTypes.DEFAULT_TYPE, trial: Trial,
                     row: dict) -> str:
    reports = row["dlt_reports"]
    # what each button offered, to tell a stale press from a current one
    shown = {str(report["id"]): report["is_dlt"] for report in reports}
    context.user_data["revision"] = {"number": row["number"], "shown": shown}
    text = T["choose"].format(number=row["number"],
                              label=level_label(trial.protocol, row["dose_level"]),
                              infusion=day(row["infusion_day"]),
                              window_end=day(row["dlt_window_end"]))
    await reply(update, text, keyboard(in_rows([report_button(r) for r in reports], 1)))
    return REPORT


async def pressed_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    query, trial, form = update.callback_query, trial_of(context), FORM.answers(context)
    report_id = query.data.removeprefix("revise:report:")
    found = whole_number(report_id)
    report = report_of(trial, form["number"], found) if found is not None else None
    if report is None or form["shown"].get(report_id) != report["is_dlt"]:
        return await stale_button(update, context)  # revised meanwhile, or not in this list
    form.update(report=report["id"], was=report["is_dlt"])
    await mark_chosen(query, report_button(report)[0])
    return await ask_reason(update, context)


# --- the reason ---------------------------------------------------------------------------

async def ask_reason(update: Update, context: ContextTypes.DEFAULT_TYPE, note: str = "") -> str:
    form = FORM.answers(context)
    report = report_of(trial_of(context), form["number"], form["report"])
    text = T["ask_reason"].format(number=form["number"], to=judged(not form["was"]),
                                  **report_fields(report))
    await reply(update, with_note(note, text))
    return REASON


async def typed_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    reason, note = FORM.reason_problem(update.message.text)
    if note:
        return await ask_reason(update, context, note)
    FORM.answers(context)["reason"] = reason
    return await show_review(update, context)


# --- what the revision means for the 3+3 (the use case's preview) ----------------------------

def meaning_text(meaning: Reason) -> str:
    """What the revision means for the participant's 3+3 outcome."""
    if meaning.code == "meaning_expansion":  # the engine does not DLT-evaluate case expansion
        return T["meaning_expansion"]
    if meaning.code == "outside_window":
        return T["outside_window"].format(**meaning.params)
    return T["outcome_change"].format(before=T["outcomes"][meaning.params["before"]],
                                      after=T["outcomes"][meaning.params["after"]])


def then_text(found: Preview) -> str:
    """The engine's answer if the revision were saved now."""
    if found.then is None:
        return T["then_conflict"].format(error=say(found.conflict))
    return T["then"].format(reason=say(found.then.reason))


# --- summary and saving ---------------------------------------------------------------------

def review_markup():
    return FORM.confirm_buttons()


async def show_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    trial, form = trial_of(context), FORM.answers(context)
    report = report_of(trial, form["number"], form["report"])
    row = participant_record(trial, form["number"])
    found = revision_preview(trial, form["number"], form["report"], not form["was"])
    text = T["summary"].format(
        number=form["number"], label=level_label(trial.protocol, row["dose_level"]),
        was=judged(form["was"]), to=judged(not form["was"]), reason=form["reason"],
        meaning=meaning_text(found.meaning), then=then_text(found),
        **report_fields(report))
    await reply(update, text, review_markup())
    return REVIEW


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query, trial, form = update.callback_query, trial_of(context), FORM.answers(context)
    await query.edit_message_reply_markup(None)
    try:
        saved = revise_dlt(trial, number=form["number"], report_id=form["report"],
                           was=form["was"], reason=form["reason"],
                           actor=update.effective_user.id)
    except Refused as refused:
        return await finish(update, context, refusal_text(refused.reason, form))
    now, to_confirm, markup = after_words(trial, saved.after, T["history_conflict"])
    text = T["saved"].format(
        number=form["number"], was=judged(form["was"]), to=judged(not form["was"]),
        reason=form["reason"], meaning=meaning_text(saved.meaning), now=now,
        **report_fields(saved.record))
    return await finish(update, context, text + to_confirm, markup)


def refusal_text(reason: Reason, form: dict) -> str:
    code = reason.code.removeprefix("refusal.")
    if code == "no_report":
        return T["no_report"].format(number=form["number"])
    if code == "revised_meanwhile":
        return T["changed_meanwhile"].format(to=judged(not form["was"]), number=form["number"])
    if code == "needs_role":
        return ACCESS["needs_role"].format(**reason.params)
    return T["refused"].format(reason=say(reason))


# --- leaving --------------------------------------------------------------------------------


def handlers() -> list:
    return FORM.handlers(start, {
        REPORT: [pressed(r"report:\d+$", pressed_report)],
        REASON: [typed(typed_reason)],
        REVIEW: [pressed("yes$", confirm)],
    })
