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

from functools import partial

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from domain.escalation import Decision, HistoryError, Outcome, outcome_on
from handlers.access import guarded, has_role, staff_of
from handlers.common import (
    FormExits,
    Trial,
    command_argument,
    in_rows,
    keyboard,
    mark_chosen,
    opens,
    participant_number,
    reply,
    stale_button,
    trial_of,
    typed_for,
    whole_number,
    with_note,
)
from handlers.confirmation import confirm_button, needs_confirmation, step_alerts, step_text
from handlers.texts import ACCESS, COMMON, DLT
from handlers.texts import REVISION as T
from handlers.wording import say
from storage.outbox import AlertDraft
from storage.participants import (
    ParticipantNotFound,
    correct_dlt_judgement,
    dlt_reports,
    history_rows,
    participant,
    participants,
)

exits = FormExits("revision", T)
finish = exits.finish
press_cancel = exits.press_cancel
cancel = exits.cancel
use_buttons = exits.use_buttons
FORM = "revision"
REPORT, REASON, REVIEW = "report", "reason", "review"
LEAST_REASON, MOST_REASON = 5, 500  # characters of a typed reason


def form_of(context: ContextTypes.DEFAULT_TYPE) -> dict:
    return context.user_data["revision"]


def label(trial: Trial, level: int) -> str:
    return trial.protocol.dose_level(level).label


def judged(is_dlt: bool) -> str:
    return T["judgements"]["dlt" if is_dlt else "not"]


def report_fields(report: dict) -> dict:
    """The placeholders every text about one report uses."""
    return {"event": DLT["events"].get(report["event"], report["event"]),
            "grade": report["grade"], "grading": report["grading"],
            "onset": report["onset_date"],
            "related": DLT["related"].get(report["attribution"], report["attribution"])}


def report_of(trial: Trial, number: str, report_id: int) -> dict | None:
    """One of the participant's reports as stored now (None if it is not theirs)."""
    return next((report for report in dlt_reports(trial.db, number)
                 if report["id"] == report_id), None)


def usage_text(trial: Trial) -> str:
    reported = {report["participant"] for report in dlt_reports(trial.db)}
    numbers = [p["number"] for p in participants(trial.db) if p["number"] in reported]
    return T["usage"].format(participants=", ".join(numbers) or T["none"])


# --- the participant and the report -------------------------------------------------------

async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    context.user_data.pop("revision", None)
    trial = trial_of(context)
    number = participant_number(command_argument(context))
    row = participant(trial.db, number) if number else None
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
    text = T["choose"].format(number=row["number"], label=label(trial, row["dose_level"]),
                              infusion=row["infusion_date"], window_end=row["dlt_window_end"])
    await reply(update, text, keyboard(in_rows([report_button(r) for r in reports], 1)))
    return REPORT


async def pressed_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    query, trial, form = update.callback_query, trial_of(context), form_of(context)
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
    form = form_of(context)
    report = report_of(trial_of(context), form["number"], form["report"])
    text = T["ask_reason"].format(number=form["number"], to=judged(not form["was"]),
                                  **report_fields(report))
    await reply(update, with_note(note, text))
    return REASON


async def typed_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    reason = " ".join(update.message.text.split())
    if len(reason) < LEAST_REASON:
        return await ask_reason(update, context, T["short_reason"].format(least=LEAST_REASON))
    if len(reason) > MOST_REASON:
        return await ask_reason(update, context, T["long_reason"].format(most=MOST_REASON))
    form_of(context)["reason"] = reason
    return await show_review(update, context)


# --- what the revision means for the 3+3 (the domain's answer) ------------------------------

def history_row(rows: list[dict], number: str) -> dict:
    return next(row for row in rows if row["number"] == number)


def revised_rows(trial: Trial, form: dict) -> list[dict]:
    """history_rows as they will be with the report's judgement changed: the participant's
    has_dlt recomputed as storage does (a report judged a DLT, onset by the window's end)."""
    rows = history_rows(trial.db)
    window_end = history_row(rows, form["number"])["dlt_window_end"]
    has_dlt = any(
        (not form["was"] if report["id"] == form["report"] else report["is_dlt"])
        and report["onset_date"] <= window_end
        for report in dlt_reports(trial.db, form["number"]))
    return [dict(row, has_dlt=has_dlt) if row["number"] == form["number"] else row
            for row in rows]


def outcome(trial: Trial, row: dict) -> Outcome:
    return outcome_on(has_dlt=row["has_dlt"], withdrawn_on=row["withdrawn_on"],
                      dlt_window_end=row["dlt_window_end"], today=trial.today())


def meaning(trial: Trial, form: dict, report: dict) -> str:
    """What the revision means for the participant's 3+3 outcome."""
    before = history_row(history_rows(trial.db), form["number"])
    after = history_row(revised_rows(trial, form), form["number"])
    if before["expansion"]:  # the engine does not DLT-evaluate case expansion
        return T["meaning_expansion"]
    if report["onset_date"] > before["dlt_window_end"]:
        return T["outside_window"].format(window_end=before["dlt_window_end"])
    return T["outcome_change"].format(before=T["outcomes"][outcome(trial, before)],
                                      after=T["outcomes"][outcome(trial, after)])


def preview(trial: Trial, form: dict) -> str:
    """The engine's answer if the revision were saved now."""
    try:
        return T["then"].format(reason=say(trial.decision(revised_rows(trial, form)).reason))
    except HistoryError as error:
        return T["then_conflict"].format(error=say(error.reason))


# --- summary and saving ---------------------------------------------------------------------

def review_markup():
    return keyboard([[(COMMON["confirm"], "revise:yes"), (COMMON["cancel"], "revise:no")]])


async def show_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    trial, form = trial_of(context), form_of(context)
    report = report_of(trial, form["number"], form["report"])
    row = participant(trial.db, form["number"])
    text = T["summary"].format(
        number=form["number"], label=label(trial, row["dose_level"]),
        was=judged(form["was"]), to=judged(not form["was"]), reason=form["reason"],
        meaning=meaning(trial, form, report), then=preview(trial, form),
        **report_fields(report))
    await reply(update, text, review_markup())
    return REVIEW


def revision_alerts(trial: Trial, form: dict, report: dict, who: str,
                    before: Decision | None, outcome: dict):
    """The alerts callable correct_dlt_judgement runs inside its transaction."""

    def alerts(rows: list[dict]) -> list[AlertDraft]:
        number = form["number"]
        row = history_row(rows, number)
        revised = AlertDraft("dlt-revised", T["alert"].format(
            number=number, label=label(trial, row["dose_level"]), was=judged(form["was"]),
            to=judged(not form["was"]), reason=form["reason"].rstrip("."), who=who,
            **report_fields(report)), "investigator")
        conflict = partial(T["history_conflict"].format, number=number)
        return [revised, *step_alerts(trial, rows, before, outcome, conflict)]

    return alerts


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query, trial, form = update.callback_query, trial_of(context), form_of(context)
    await query.edit_message_reply_markup(None)
    staff = staff_of(update, context)
    if not has_role(staff, "investigator"):  # the role may have changed meanwhile
        return await finish(update, context, ACCESS["needs_role"].format(
            role="investigator", have=staff["role"]))
    report = report_of(trial, form["number"], form["report"])
    if report is None:
        return await finish(update, context, T["no_report"].format(number=form["number"]))
    text = meaning(trial, form, report)  # before saving: it compares with the stored history
    outcome: dict = {}
    try:
        correct_dlt_judgement(
            trial.db, form["report"], is_dlt=not form["was"], actor=update.effective_user.id,
            reason=form["reason"], alerts=revision_alerts(
                trial, form, report, staff["name"], trial.decision_if_readable(), outcome))
    except ParticipantNotFound as refused:
        return await finish(update, context, T["refused"].format(reason=refused))
    if not outcome:  # storage changed nothing: someone made the same revision first
        return await finish(update, context, T["changed_meanwhile"].format(
            to=judged(not form["was"]), number=form["number"]))
    return await finish(update, context, *saved_reply(trial, form, report, text, outcome))


def saved_reply(trial: Trial, form: dict, report: dict, meaning_text: str, outcome: dict):
    after = outcome.get("after")
    text = T["saved"].format(
        number=form["number"], was=judged(form["was"]), to=judged(not form["was"]),
        reason=form["reason"], meaning=meaning_text,
        now=say(after.reason) if after else outcome["error"], **report_fields(report))
    if after is None or not needs_confirmation(trial, after):
        return text, None
    button = confirm_button(after)
    text += "\n" + T["to_confirm"].format(step=step_text(after))
    return text, keyboard([[button]]) if button else None


# --- leaving --------------------------------------------------------------------------------


def conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND
    return ConversationHandler(
        name="revision",
        persistent=True,
        entry_points=[CommandHandler("revise", opens(FORM)(start))],
        states={
            REPORT: [CallbackQueryHandler(pressed_report, pattern=r"^revise:report:\d+$")],
            REASON: [MessageHandler(text, typed_for(FORM)(typed_reason))],
            REVIEW: [
                CallbackQueryHandler(confirm, pattern=r"^revise:yes$"),
                CallbackQueryHandler(press_cancel, pattern=r"^revise:no$"),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CommandHandler("revise", opens(FORM)(start)),
            CallbackQueryHandler(stale_button, pattern=r"^revise:"),
            MessageHandler(text, typed_for(FORM)(use_buttons)),
        ],
        allow_reentry=True,
    )


def handlers() -> list:
    return [guarded("investigator", conversation()),
            CallbackQueryHandler(stale_button, pattern=r"^revise:")]
