"""/enroll S-004: place an eligible candidate where the 3+3 design asks, with the cell dose.

The 3+3 engine (domain.escalation) decides where the next participant goes; this module asks
for the weight and the infusion date, shows the dose to prepare and enrols in one transaction
that re-checks the engine's answer (someone may have taken the place meanwhile). Each 3+3 step
after the first (expand, escalate, de-escalate) needs an investigator's confirmation first: the
button for it is `confirm_button`, handled by `confirm_step` whoever presses it.
"""

from __future__ import annotations

from datetime import date, timedelta

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from domain.dates import infusion_problem, latest_infusion
from domain.dlt import dlt_window_end, escalation_alerts
from domain.escalation import Decision, Enrolment, HistoryError, Outcome, decide
from domain.units import QuantityError, format_number, parse_quantity
from handlers.access import guarded
from handlers.common import (
    Trial,
    command_argument,
    date_problem,
    keyboard,
    mark_chosen,
    opens,
    read_date,
    reply,
    screening_number,
    stale_button,
    trial_of,
    typed_for,
    with_note,
)
from handlers.confirmation import label_of, needs_confirmation, step_text
from handlers.status_text import cells
from handlers.texts import COMMON
from handlers.texts import ENROLLMENT as T
from storage.outbox import AlertDraft
from storage.participants import (
    EnrollmentRefused,
    Placement,
    enroll,
    history_rows,
    participants,
)
from storage.screenings import get_screening, list_screenings

WEIGHT, DATE, REVIEW = "weight", "date", "review"
# --- small readers and texts ----------------------------------------------------------------

def cohort_place(trial: Trial, decision: Decision) -> tuple[int, int, int]:
    """(cohort, place, cohort size) of the next participant at decision.next_dose: cohorts of
    `cohort_size` numbered from 1 per level, counting the places already taken there."""
    size = trial.protocol.escalation.cohort_size
    summary = next(s for s in decision.per_level if s.level == decision.next_dose)
    taken = summary.evaluable + summary.pending
    return taken // size + 1, taken % size + 1, size


# --- why nobody can be enrolled now --------------------------------------------------------

def screening_problem(trial: Trial, number: str) -> str | None:
    found = get_screening(trial.db, number)
    if found is None:
        return T["not_found"].format(number=number)
    if found["status"] != "eligible":
        status = T["statuses"].get(found["status"], found["status"])
        return T["not_eligible"].format(number=number, status=status)
    taken = [p["number"] for p in participants(trial.db) if p["screening"] == number]
    if taken:
        return T["already_enrolled"].format(number=number, participant=taken[0])
    return None


def usage_text(trial: Trial) -> str:
    free = [s["number"] for s in list_screenings(trial.db)
            if s["status"] == "eligible" and not s["participant"]]
    return T["usage"].format(numbers=", ".join(free) or T["none_eligible"])


def waiting_text(trial: Trial, decision: Decision) -> str:
    rows = history_rows(trial.db)
    open_now = [row for row, e in zip(rows, trial.enrolments(rows), strict=True)
                if e.outcome is Outcome.PENDING]
    if not open_now or decision.current_dose is None:
        return T["wait_no_one"]
    who = ", ".join(T["wait_item"].format(number=r["number"], end=r["dlt_window_end"])
                    for r in open_now)
    return T["wait"].format(label=label_of(decision, decision.current_dose), who=who)


def closed_text(trial: Trial, decision: Decision) -> str:
    """Why no place is open (decision.next_dose is None), then the engine's reason."""
    if decision.places_under_cap == 0:
        why = T["cap_reached"].format(cap=trial.protocol.escalation.max_participants)
    elif decision.complete:
        level = decision.mtd or decision.recommended_dose
        why = T["complete"][decision.action].format(
            label=label_of(decision, level) if level else "") + "\n" + T["no_place"]
    else:
        why = waiting_text(trial, decision)
    return f"{why}\n\n{decision.reason}"


def refusal(trial: Trial, decision: Decision) -> str | None:
    """Why nobody can be enrolled now, or None when a place is open and may be taken."""
    if decision.next_dose is None:
        return closed_text(trial, decision)
    if needs_confirmation(trial, decision):
        return T["unconfirmed"].format(step=step_text(decision))
    return None


# --- the conversation ----------------------------------------------------------------------

def form_of(context: ContextTypes.DEFAULT_TYPE) -> dict:
    return context.user_data["enrollment"]


def places_left(left: int) -> str:
    return T["places_left"][0 if left == 1 else 1].format(left=left)


def place_text(trial: Trial, decision: Decision, number: str) -> str:
    level = trial.protocol.dose_level(decision.next_dose)
    cohort, place, size = cohort_place(trial, decision)
    return T["place"].format(
        number=number, label=level.label, dose=cells(level.cells_per_kg), cohort=cohort,
        place=place, size=size, left=places_left(decision.places_under_cap),
        cap=trial.protocol.escalation.max_participants)


def decision_now(trial: Trial) -> tuple[Decision | None, str | None]:
    """The engine's answer now, and why nobody can be enrolled (None: a place is open)."""
    try:
        decision = trial.decision()
    except HistoryError as error:
        return None, T["history_error"].format(error=error)
    return decision, refusal(trial, decision)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    trial, wanted = trial_of(context), command_argument(context)
    if not wanted:
        await reply(update, usage_text(trial))
        return ConversationHandler.END
    number = screening_number(wanted)
    decision, problem = None, screening_problem(trial, number)
    if not problem:
        decision, problem = decision_now(trial)
    if problem:
        await reply(update, problem)
        return ConversationHandler.END
    context.user_data["enrollment"] = {
        "screening": number, "dose": decision.next_dose, "action": decision.action}
    await reply(update, f"{place_text(trial, decision, number)}\n\n{T['ask_weight']}")
    return WEIGHT


async def typed_weight(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    try:
        weight = parse_quantity("weight", update.message.text)
    except QuantityError as error:
        await reply(update, f"⚠ {error}\n\n{T['ask_weight']}")
        return WEIGHT
    form_of(context)["weight"] = weight.value
    return await ask_date(update, context)


async def ask_date(update: Update, context: ContextTypes.DEFAULT_TYPE, note: str = "") -> str:
    today = trial_of(context).today()
    tomorrow = today + timedelta(days=1)
    markup = keyboard([[(T["today"].format(date=today), f"enroll:day:{today}"),
                        (T["tomorrow"].format(date=tomorrow), f"enroll:day:{tomorrow}")]])
    await reply(update, with_note(note, T["ask_date"]), markup)
    return DATE


async def typed_date(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    return await take_date(update, context, update.message.text)


async def pressed_date(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    query = update.callback_query
    chosen = query.data.removeprefix("enroll:day:")
    await mark_chosen(query, chosen)
    return await take_date(update, context, chosen)


def planned_date_fields(trial: Trial, day: date | None, earliest: date | None) -> dict:
    """The placeholders of the texts about a planned infusion date (PLANNED_DATE)."""
    today, most = trial.today(), trial.protocol.escalation.max_days_to_infusion
    return {"date": day, "earliest": earliest, "max_days": most,
            "latest": latest_infusion(today, most), "example": today + timedelta(days=1)}


def planned_date_problem(trial: Trial, day: date | None, decision: Decision | None) -> str | None:
    """What is wrong with a planned infusion date (domain.dates), as a text; None if nothing."""
    earliest = decision.earliest_next_infusion if decision else None
    problem = infusion_problem(day, today=trial.today(), earliest=earliest,
                               max_days=trial.protocol.escalation.max_days_to_infusion)
    return date_problem(T, problem, **planned_date_fields(trial, day, earliest))


async def take_date(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> str:
    trial, day = trial_of(context), read_date(text)
    problem = planned_date_problem(trial, day, decision_now(trial)[0])
    if problem:
        return await ask_date(update, context, problem)
    form_of(context)["infusion"] = day.isoformat()
    return await show_review(update, context)


def dose_details(trial: Trial, form: dict) -> dict:
    """What the review, the reply and the alert show about the dose and the DLT window."""
    level = trial.protocol.dose_level(form["dose"])
    infusion = date.fromisoformat(form["infusion"])
    return {
        "label": level.label, "dose": cells(level.cells_per_kg),
        "weight": format_number(form["weight"]),
        "total": cells(level.cells_per_kg * form["weight"]),
        "infusion": infusion, "window_end": dlt_window_end(trial.protocol, infusion),
    }


async def show_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    trial, form = trial_of(context), form_of(context)
    decision, problem = decision_now(trial)
    if not problem and (decision.next_dose, decision.action) != (form["dose"], form["action"]):
        problem = T["changed"].format(reason=decision.reason)
    if problem:
        await reply(update, T["refused"].format(reason=problem))
        context.user_data.pop("enrollment", None)
        return ConversationHandler.END
    cohort, place, size = cohort_place(trial, decision)
    text = T["review"].format(number=form["screening"], cohort=cohort, place=place, size=size,
                              **dose_details(trial, form))
    markup = keyboard([[(COMMON["confirm"], "enroll:yes"), (COMMON["cancel"], "enroll:no")]])
    await reply(update, text, markup)
    return REVIEW


def next_participant_number(rows: list[dict]) -> str:
    last = max((int(row["number"][2:]) for row in rows), default=0)
    return f"P-{last + 1:02d}"


def planner(trial: Trial, form: dict, placed: dict):
    """The plan enroll() runs inside its transaction: the engine's answer must still be the
    one shown. Fills `placed` with what the reply needs."""

    def plan(rows: list[dict]) -> Placement:
        try:
            before = trial.decision(rows)
        except HistoryError as error:
            raise EnrollmentRefused(str(error)) from None
        if (before.next_dose, before.action) != (form["dose"], form["action"]):
            raise EnrollmentRefused(T["changed"].format(reason=before.reason))
        if needs_confirmation(trial, before):
            raise EnrollmentRefused(T["needs_confirmation_now"].format(step=step_text(before)))
        wrong_date = planned_date_problem(trial, date.fromisoformat(form["infusion"]), before)
        if wrong_date:
            raise EnrollmentRefused(wrong_date)
        cohort, place, size = cohort_place(trial, before)
        details = dose_details(trial, form)
        placed.update(details, participant=next_participant_number(rows), cohort=cohort,
                      place=place, size=size)
        level = trial.protocol.dose_level(before.next_dose)
        return Placement(
            dose_level=level.level, cohort=cohort, expansion=False,
            cells_per_kg=level.cells_per_kg, total_cells=level.cells_per_kg * form["weight"],
            dlt_window_end=details["window_end"],
            alerts=enrolment_alerts(trial, rows, before, placed))

    return plan


def enrolment_alerts(trial: Trial, rows: list[dict], before: Decision,
                     placed: dict) -> list[AlertDraft]:
    """The investigators' notice of the enrolment, and what it newly raises (cap reached)."""
    new = Enrolment(dose_level=before.next_dose, outcome=Outcome.PENDING)
    after = decide(trial.protocol, [*trial.enrolments(rows), new])
    drafts = [AlertDraft("enrolled", T["alert_enrolled"].format(**placed), "investigator")]
    drafts += [AlertDraft(alert.kind, alert.message, "investigator")
               for alert in escalation_alerts(before, after)]
    return drafts


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    query, trial, form = update.callback_query, trial_of(context), form_of(context)
    infusion = date.fromisoformat(form["infusion"])
    await query.edit_message_reply_markup(None)
    if infusion < trial.today():  # the review was shown on an earlier day
        return await ask_date(update, context, T["past_date"].format(date=infusion))
    placed: dict = {}
    try:
        enroll(trial.db, screening=form["screening"], weight_kg=form["weight"],
               infusion_date=infusion, actor=update.effective_user.id,
               plan=planner(trial, form, placed))
    except EnrollmentRefused as refused:
        await reply(update, T["refused"].format(reason=refused.reason))
        context.user_data.pop("enrollment", None)
        return ConversationHandler.END
    await reply(update, T["enrolled"].format(**placed))
    context.user_data.pop("enrollment", None)
    return ConversationHandler.END


async def press_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.callback_query.edit_message_reply_markup(None)
    return await cancel(update, context)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    form = context.user_data.pop("enrollment", None)
    await reply(update, T["cancelled"].format(number=form["screening"]) if form
                else T["nothing_open"])
    return ConversationHandler.END


async def review_again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    return await show_review(update, context)



FORM = "enrollment"


def conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND
    return ConversationHandler(
        name="enrollment",
        persistent=True,
        entry_points=[CommandHandler("enroll", opens(FORM)(start))],
        states={
            WEIGHT: [MessageHandler(text, typed_for(FORM)(typed_weight))],
            DATE: [
                MessageHandler(text, typed_for(FORM)(typed_date)),
                CallbackQueryHandler(pressed_date, pattern=r"^enroll:day:"),
            ],
            REVIEW: [
                CallbackQueryHandler(confirm, pattern=r"^enroll:yes$"),
                CallbackQueryHandler(press_cancel, pattern=r"^enroll:no$"),
                MessageHandler(text, typed_for(FORM)(review_again)),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel), CommandHandler("enroll", opens(FORM)(start))],
        allow_reentry=True,
    )


def handlers() -> list:
    return [guarded("coordinator", conversation()),
            CallbackQueryHandler(stale_button, pattern=r"^enroll:")]
