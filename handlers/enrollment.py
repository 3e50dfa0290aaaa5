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
    ContextTypes,
    ConversationHandler,
)

from domain.dates import latest_infusion
from domain.dosing import USUAL_WEIGHT_KG, weight_unusual
from domain.reasons import Reason, Refused
from domain.units import QuantityError, format_number, parse_quantity
from handlers.common import (
    Trial,
    command_argument,
    date_problem,
    keyboard,
    mark_chosen,
    read_date,
    reply,
    screening_number,
    trial_of,
    with_note,
)
from handlers.forms import Form, date_steps, pressed, typed
from handlers.texts import CONFIRMATION
from handlers.texts import ENROLLMENT as T
from handlers.wording import cells, dated, day, level_label, listed, plural, say
from storage.usecases.enrollment import (
    Dose,
    Place,
    check_infusion,
    dose_for,
    earliest_infusion,
    eligible_screenings,
    enroll,
    offer_place,
)

FORM = Form("enrollment", "enroll", "coordinator", T, prefix="enroll")
WEIGHT, WEIGHT_CHECK, DATE, REVIEW = "weight", "weight_check", "date", "review"
# --- small readers and texts ----------------------------------------------------------------

# --- why nobody can be enrolled now: the use case's refusal in words --------------------------

def waiting_text(trial: Trial, params: dict) -> str:
    if not params["who"] or params["level"] is None:
        return T["wait_no_one"]
    today = trial.today().isoformat()
    who = listed(T["wait_item_ended" if row["end"] < today else "wait_item"].format(**dated(row))
                    for row in params["who"])
    return T["wait"].format(label=level_label(trial.protocol, params["level"]), who=who)


def complete_text(trial: Trial, params: dict) -> str:
    level = params["level"]
    words = T["complete"][params["action"]].format(label=level_label(trial.protocol, level))
    return words + "\n" + T["no_place"]


def refusal_text(trial: Trial, reason: Reason) -> str:
    """Why this candidate cannot be enrolled now, in words."""
    code, params = reason.code.removeprefix("refusal."), reason.params
    closed = {"cap_reached": lambda: T["cap_reached"].format(cap=params.get("cap")),
              "escalation_complete": lambda: complete_text(trial, params),
              "waiting_for_windows": lambda: waiting_text(trial, params)}
    if code in closed:
        return f"{closed[code]()}\n\n{say(params['now'])}"
    if code == "step_unconfirmed":
        return T["unconfirmed"].format(step=step_words(trial, params))
    if code == "screening_not_eligible":
        return T["not_eligible"].format(
            number=params["number"], status=T["statuses"].get(params["status"], params["status"]))
    if code.startswith("infusion_"):
        return planned_date_text(trial, code.removeprefix("infusion_"), params, T)
    return say(reason)


def step_words(trial: Trial, params: dict) -> str:
    label = level_label(trial.protocol, params["level"])
    return CONFIRMATION["step"][params["action"]].format(label=label)


def planned_date_text(trial: Trial, problem: str, params: dict, texts: dict) -> str:
    """A planned infusion date's problem in the words of `texts` (enrolment, reschedule)."""
    today, most = trial.today(), trial.protocol.escalation.max_days_to_infusion
    return date_problem(texts, problem, date=params.get("date"), earliest=params.get("earliest"),
                        max_days=most, latest=latest_infusion(today, most),
                        example=today + timedelta(days=1))



def usage_text(trial: Trial) -> str:
    return T["usage"].format(numbers=listed(eligible_screenings(trial)) or T["none_eligible"])


# --- the conversation ----------------------------------------------------------------------


def place_of(context: ContextTypes.DEFAULT_TYPE) -> Place:
    return Place.model_validate(FORM.answers(context)["place"])


def places_left(left: int) -> str:
    return plural(T["places_left"], left).format(left=left)


def place_text(place: Place) -> str:
    return T["expansion_place" if place.expansion else "place"].format(
        number=place.screening, label=place.label, dose=cells(place.cells_per_kg),
        cohort=place.cohort, place=place.place, size=place.size,
        left=places_left(place.places_left), cap=place.cap)


async def refused(update: Update, context: ContextTypes.DEFAULT_TYPE, reason: Reason,
                  template: str = "{reason}") -> int:
    context.user_data.pop("enrollment", None)
    await reply(update, template.format(reason=refusal_text(trial_of(context), reason)))
    return ConversationHandler.END


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    trial, wanted = trial_of(context), command_argument(context)
    if not wanted:
        await reply(update, usage_text(trial))
        return ConversationHandler.END
    try:
        place = offer_place(trial, screening_number(wanted))
    except Refused as refusal:
        return await refused(update, context, refusal.reason)
    context.user_data["enrollment"] = {"number": place.screening,
                                       "place": place.model_dump(mode="json")}
    await reply(update, f"{place_text(place)}\n\n{T['ask_weight']}")
    return WEIGHT


async def typed_weight(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    try:
        weight = parse_quantity("weight", update.message.text)
    except QuantityError as error:
        await reply(update, f"⚠ {say(error.reason)}\n\n{T['ask_weight']}")
        return WEIGHT
    form = FORM.answers(context)
    form.update(weight=weight.value, weight_confirmed=False)
    if weight_unusual(weight.value):
        return await ask_weight_check(update, weight.value)
    return await ask_date(update, context)


async def ask_weight_check(update: Update, weight: float) -> str:
    """A plausible but unusual weight (domain.dosing): taken only with the button; typing
    another weight answers the question too."""
    low, high = USUAL_WEIGHT_KG
    shown = format_number(weight)
    markup = keyboard([[(T["weight_right"].format(weight=shown), "enroll:weight:yes")],
                       [FORM.cancel_button()]])
    await reply(update, with_note(T["weight_unusual"].format(
        weight=shown, low=format_number(low), high=format_number(high)), T["ask_weight"]),
        markup)
    return WEIGHT_CHECK


async def weight_confirmed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    query, form = update.callback_query, FORM.answers(context)
    await mark_chosen(query, T["weight_right"].format(weight=format_number(form["weight"])))
    form["weight_confirmed"] = True
    return await ask_date(update, context)


async def ask_date(update: Update, context: ContextTypes.DEFAULT_TYPE, note: str = "") -> str:
    today = trial_of(context).today()
    tomorrow = today + timedelta(days=1)
    markup = keyboard([[(T["today"].format(date=day(today)), f"enroll:day:{today}"),
                        (T["tomorrow"].format(date=day(tomorrow)),
                         f"enroll:day:{tomorrow}")]])
    await reply(update, with_note(note, T["ask_date"]), markup)
    return DATE






async def take_date(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> str:
    trial = trial_of(context)
    try:
        day = check_infusion(trial, read_date(text), earliest_infusion(trial))
    except Refused as refusal:
        return await ask_date(update, context, refusal_text(trial, refusal.reason))
    FORM.answers(context)["infusion"] = day.isoformat()
    return await show_review(update, context)


def dose_words(dose: Dose, place: Place) -> dict:
    """What the review and the reply show about the dose and the DLT window."""
    return {"label": place.label, "dose": cells(place.cells_per_kg),
            "weight": format_number(dose.weight_kg), "total": cells(dose.total_cells),
            "infusion": day(dose.infusion), "window_end": day(dose.window_end)}


async def show_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    trial, form = trial_of(context), FORM.answers(context)
    shown = place_of(context)
    try:
        place = offer_place(trial, shown.screening, shown)
    except Refused as refusal:
        return await refused(update, context, refusal.reason, T["refused"])
    dose = dose_for(trial, place, form["weight"], date.fromisoformat(form["infusion"]))
    text = T["expansion_review" if place.expansion else "review"].format(
        number=place.screening, cohort=place.cohort, place=place.place,
                              size=place.size, **dose_words(dose, place))
    await reply(update, text, FORM.confirm_buttons())
    return REVIEW


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    query, trial, form = update.callback_query, trial_of(context), FORM.answers(context)
    infusion = date.fromisoformat(form["infusion"])
    await query.edit_message_reply_markup(None)
    if infusion < trial.today():  # the review was shown on an earlier day
        return await ask_date(update, context, T["past_date"].format(date=day(infusion)))
    try:
        done = enroll(trial, place=place_of(context), weight_kg=form["weight"],
                      infusion=infusion, actor=update.effective_user.id,
                      weight_confirmed=form.get("weight_confirmed", False))
    except Refused as refusal:
        return await refused(update, context, refusal.reason, T["refused"])
    context.user_data.pop("enrollment", None)
    await reply(update, T["expansion_enrolled" if done.place.expansion else "enrolled"].format(
        participant=done.participant, cohort=done.place.cohort, place=done.place.place,
        size=done.place.size, **dose_words(done.dose, done.place)))
    return ConversationHandler.END


async def review_again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    return await show_review(update, context)




def handlers() -> list:
    return FORM.handlers(start, {
        WEIGHT: [typed(typed_weight)],
        WEIGHT_CHECK: [typed(typed_weight), pressed("weight:yes$", weight_confirmed)],
        DATE: date_steps(take_date),
        REVIEW: [pressed("yes$", confirm), typed(review_again)],
    })
