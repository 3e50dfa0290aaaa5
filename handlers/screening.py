"""/screen: step a coordinator through every inclusion criterion, one question at a time.

The questions are data (domain.questions). One callback asks the next unanswered question,
another stores an answer; where a screening stands is always derived from the stored answers,
so it resumes after /cancel, a restart or a crash.

Every answer is bound to what its sender was shown: asking a question records the screening and
the question in the user's (persisted) conversation data, and every button carries both. An
answer to anything but the question shown, while it is still the screening's current one, is
refused with a note and the current question is asked again; the store refuses too
(expect_unanswered), so two staff on one screening never overwrite each other.
"""

from __future__ import annotations

import functools
import re

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from domain.eligibility import CriterionResult, Verdict, assess
from domain.questions import (
    QUESTION_BY_ID,
    QUESTIONS,
    AnswerError,
    Question,
    applicable,
    next_question,
    previous_question,
    read_answer,
)
from domain.scores import (
    EULAR_ACR_2019_ITEMS,
    SLEDAI_WEIGHTS,
    clinical_sledai_2k,
    eular_acr_2019,
    sledai_2k,
)
from domain.units import example, readings
from handlers import wording
from handlers.access import guarded
from handlers.common import (
    command_argument,
    in_rows,
    keyboard,
    mark_chosen,
    opens,
    reply,
    screening_number,
    send,
    stale_button,
    trial_of,
    typed_for,
    whole_number,
)
from handlers.texts import (
    COMPUTED_NAMES,
    CRITERION_TITLES,
    EULAR_LABELS,
    OPTION_LABELS,
    QUESTION_PROMPTS,
    SLEDAI_LABELS,
)
from handlers.texts import SCREENING as T
from storage.screenings import (
    AnswerConflict,
    ScreeningClosed,
    answer_details,
    answers_version,
    finish_screening,
    get_screening,
    list_screenings,
    reopen_screening,
    retract_answer,
    save_answer,
    screening_answers,
    start_screening,
)

ANSWERING, REVIEW, CHOOSING, REASON = "answering", "review", "choosing", "reason"

# The buttons of a question: action:screening:question[:option, or index of a unit reading].
QUESTION_BUTTON = re.compile(
    r"^(answer|tick|done|reading):(S-\d{3,5}):(\w{1,40})(?::([^:]{1,40}))?$")
SAVE_BUTTON = re.compile(r"^save:(S-\d{3,5}):(eligible|not_eligible)$")
CHANGE_BUTTON = re.compile(r"^change:(S-\d{3,5})$")
ANY_BUTTON = r"^(answer|tick|done|reading|save|change)(:|$)"
# Which kinds of question each button answers.
BUTTON_KINDS = {"answer": ("yes_no", "choice", "grade"), "tick": ("multi",), "done": ("multi",),
                "reading": ("number",)}


def option_label(question: Question, option: str) -> str:
    if question.id == "sledai_descriptors":
        return f"{SLEDAI_LABELS[option]} ({SLEDAI_WEIGHTS[option]})"
    if question.id == "eular_items":
        return f"{EULAR_LABELS[option]} ({EULAR_ACR_2019_ITEMS[option].weight})"
    return OPTION_LABELS.get(option, option)


def running_total(question: Question, ticked: list[str], context) -> str:
    if question.id == "sledai_descriptors":
        excluded = trial_of(context).protocol.eligibility.clinical_sledai_excludes
        return T["running_sledai"].format(
            total=sledai_2k(ticked), clinical=clinical_sledai_2k(ticked, excluded))
    return T["running_eular"].format(points=eular_acr_2019(True, ticked).points)


def button(action: str, number: str, question: Question, detail: str | None = None) -> str:
    """A question's callback data: what it does, in which screening, to which question."""
    return ":".join([action, number, question.id, *([detail] if detail is not None else [])])


def question_markup(number: str, question: Question, context):
    if question.kind == "number":
        return None
    if question.kind == "multi":
        ticked = context.user_data.setdefault("ticked", [])
        buttons = [(("✅ " if o in ticked else "▫️ ") + option_label(question, o),
                    button("tick", number, question, o)) for o in question.options]
        done = (T["tick_done"].format(total=running_total(question, ticked, context)),
                button("done", number, question))
        return keyboard([*in_rows(buttons, 1), [done]])
    per_row = 5 if question.kind == "grade" else 2
    buttons = [(option_label(question, o), button("answer", number, question, o))
               for o in question.choices]
    return keyboard(in_rows(buttons, per_row))


def readings_markup(number: str, question: Question, offered: list[str], context):
    """Buttons for the plausible readings of a number typed without its unit. Each carries the
    index of its reading in the user's list for this question, which only grows while the
    question is asked, so an earlier offer's button keeps its meaning (and data stays short)."""
    known = context.user_data.setdefault("readings", [])
    known.extend(r for r in offered if r not in known)
    return keyboard([[(r, button("reading", number, question, str(known.index(r))))]
                     for r in offered])


async def say(update: Update, text: str, markup=None, toast: str | None = None) -> None:
    """As common.reply, but a pressed button is answered (once) with an optional toast."""
    if update.callback_query:
        await update.callback_query.answer(toast)
    await send(update, text, markup)


def asking(context, question: Question | None, ticked=()) -> None:
    """Record `question` as the one this user is shown (None: the review), with its ticks."""
    context.user_data.update(question=question.id if question else None, ticked=list(ticked),
                             readings=[])


def prompt_text(number: str, question: Question) -> str:
    text = T["question"].format(number=number, criterion=question.criterion,
                                prompt=QUESTION_PROMPTS[question.id])
    if question.kind == "number":
        text += "\n" + T["example"].format(example=example(question.analyte))
    return text


async def ask_next(update: Update, context: ContextTypes.DEFAULT_TYPE, note: str = "",
                   readings: list[str] | None = None, toast: str | None = None) -> str:
    """Ask the first unanswered question, or show the review when all are answered; either
    becomes what this user is shown. `readings`: for a number typed without its unit, the
    values to pick from as buttons; `toast`: the pressed button's answer."""
    trial, number = trial_of(context), context.user_data["screening"]
    answers = screening_answers(trial.db, number)
    question = next_question(answers, trial.context)
    if question is None:
        return await show_review(update, context, assess(answers, trial.context), note, toast)
    if context.user_data.get("question") != question.id:
        asking(context, question)
    text = prompt_text(number, question)
    markup = (readings_markup(number, question, readings, context) if readings
              else question_markup(number, question, context))
    await say(update, f"{note}\n\n{text}" if note else text, markup, toast)
    return ANSWERING


async def refuse(update: Update, context, note: str) -> str:
    """Nothing is saved: say why, and ask the current question again."""
    return await ask_next(update, context, note, toast=T["not_saved"])


def changed_note(trial, number: str, question_id: str | None) -> str:
    """Why an answer to `question_id` (None: the review) of `number` is no longer taken."""
    if question_id is None:
        return T["changed_meanwhile"].format(number=number)
    question = QUESTION_BY_ID[question_id]
    standing = next((row for row in answer_details(trial.db, number)
                     if row["question_id"] == question_id and row["value"] is not None), None)
    if standing is None:
        return T["moved_on"].format(number=number, prompt=QUESTION_PROMPTS[question_id])
    return T["answered_meanwhile"].format(
        number=number, prompt=QUESTION_PROMPTS[question_id],
        who=trial.staff_name(standing["answered_by"]), answer=shown_value(question, standing))


def refusal(context, number: str, question_id: str | None) -> str | None:
    """None when `question_id` of screening `number` (None: the review) is what this user was
    shown, in the screening they have open, and still where that screening stands; otherwise
    the note that says why an answer to it is not taken."""
    trial, open_number = trial_of(context), context.user_data.get("screening")
    if number != open_number:
        return T["other_screening"].format(button=number, number=open_number)
    shown = context.user_data.get("question")
    if shown is None and question_id is None:  # the review (of a screening finished early too)
        if context.user_data.get("review_of") != answers_version(trial.db, number):
            return T["changed_meanwhile"].format(number=number)
        return None
    current = current_question(context)
    if shown != (current.id if current else None):
        return changed_note(trial, number, shown)   # what this user sees has changed
    if question_id != shown:
        return changed_note(trial, number, question_id)   # a button of an earlier question
    return None


def question_button(callback):
    """For a question's button: runs callback(update, context, question, detail) only when the
    button is well formed, fits its question's kind and is bound to what this user is shown."""
    @functools.wraps(callback)
    async def checked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
        match = QUESTION_BUTTON.match(update.callback_query.data or "")
        question = QUESTION_BY_ID.get(match[3]) if match else None
        if question is None or question.kind not in BUTTON_KINDS[match[1]]:
            return await refuse(update, context, T["unknown_button"])
        note = refusal(context, match[2], question.id)
        if note:
            return await refuse(update, context, note)
        return await callback(update, context, question, match[4])
    return checked


async def screen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    trial, wanted = trial_of(context), command_argument(context)
    if not wanted:
        still_open = [s["number"] for s in list_screenings(trial.db)
                      if s["status"] == "in_progress"]
        number = start_screening(trial.db, actor=update.effective_user.id)
        note = T["started"].format(number=number)
        if still_open:
            note += "\n" + T["also_open"].format(numbers=", ".join(still_open))
    else:
        wanted = screening_number(wanted)
        found = get_screening(trial.db, wanted)
        if found is None:
            await reply(update, T["not_found"].format(number=wanted))
            return ConversationHandler.END
        if found["status"] != "in_progress":
            await reply(update, T["closed"].format(number=wanted, status=found["status"]))
            return ConversationHandler.END
        number, note = wanted, T["resumed"].format(number=wanted)
    context.user_data.update(screening=number)
    asking(context, None)
    return await ask_next(update, context, note)


async def store(update: Update, context, question: Question, given, chosen: str | None = None,
                prompt: str | None = None) -> str:
    """Check an answer; on success save it (with its audit row), show the pressed button's
    `chosen` under its question and ask the next question. An answer given meanwhile stands."""
    trial, number = trial_of(context), context.user_data["screening"]
    answers = screening_answers(trial.db, number)
    try:
        answer = read_answer(question, given, answers)
    except AnswerError as error:
        choices = readings(question.analyte, given) if question.kind == "number" else []
        note = f"⚠ {wording.say(error.reason)}" + (f" {T['pick_reading']}" if choices else "")
        return await ask_next(update, context, note, choices)
    try:
        save_answer(trial.db, number, question.id, value=answer.value, entered=answer.entered,
                    unit=answer.unit, actor=update.effective_user.id, expect_unanswered=True)
    except ScreeningClosed:
        return await closed_meanwhile(update, context)
    except AnswerConflict:
        return await refuse(update, context, changed_note(trial, number, question.id))
    if chosen is not None:
        await mark_chosen(update.callback_query, chosen, prompt)
    return await ask_next(update, context, failure_note(trial, number, question))


async def closed_meanwhile(update: Update, context) -> int:
    """The screening was closed elsewhere (withdrawn, or saved from another chat)."""
    number = context.user_data.pop("screening")
    found = get_screening(trial_of(context).db, number)
    await reply(update, T["closed"].format(number=number, status=found["status"]))
    return ConversationHandler.END


def failure_note(trial, number: str, question: Question) -> str:
    """A warning when this answer makes the candidate ineligible, so no time is wasted."""
    verdict = assess(screening_answers(trial.db, number), trial.context)
    failed = [c for c in verdict.failed if c.number == question.criterion]
    return T["warning"].format(reason=wording.say(failed[0].reason)) if failed else ""


def current_question(context) -> Question | None:
    trial = trial_of(context)
    answers = screening_answers(trial.db, context.user_data["screening"])
    return next_question(answers, trial.context)


async def typed_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Typed text answers the question this user was shown, if it is still the current one."""
    note = refusal(context, context.user_data["screening"], context.user_data.get("question"))
    if note:
        return await refuse(update, context, note)
    question = current_question(context)
    if question is None:
        return await ask_next(update, context)
    if question.kind == "multi":
        return await ask_next(update, context, T["use_buttons"])
    return await store(update, context, question, update.message.text)


@question_button
async def pressed_answer(update: Update, context, question: Question, option: str | None) -> str:
    if option not in question.choices:
        return await refuse(update, context, T["unknown_button"])
    return await store(update, context, question, option, option_label(question, option))


def pressed_label(query) -> str | None:
    """The label of the pressed button, as the message that carried it shows it."""
    markup = getattr(query.message, "reply_markup", None)
    rows = markup.inline_keyboard if markup else ()
    return next((b.text for row in rows for b in row if b.callback_data == query.data), None)


@question_button
async def pressed_reading(update: Update, context, question: Question, index: str | None) -> str:
    """A number typed without its unit, then the unit picked from the offered readings. The
    reading at the index must be the one the button shows: the list starts again each time the
    question is asked anew, and an old button must not pick a newer reading."""
    known = context.user_data.get("readings", [])
    place = whole_number(index, digits=2)
    reading = known[place] if place is not None and place < len(known) else None
    if reading is None or reading != pressed_label(update.callback_query):
        return await refuse(update, context, T["unknown_button"])
    return await store(update, context, question, reading, reading)


@question_button
async def ticked(update: Update, context, question: Question, option: str | None) -> str:
    if option not in question.options:
        return await refuse(update, context, T["unknown_button"])
    chosen = context.user_data.setdefault("ticked", [])
    chosen.remove(option) if option in chosen else chosen.append(option)
    await update.callback_query.answer()
    number = context.user_data["screening"]
    await update.callback_query.edit_message_reply_markup(
        question_markup(number, question, context))
    return ANSWERING


@question_button
async def ticking_done(update: Update, context, question: Question, extra: str | None) -> str:
    if extra is not None:
        return await refuse(update, context, T["unknown_button"])
    chosen = context.user_data.get("ticked", [])
    shown = ", ".join(option_label(question, o) for o in chosen) or "none"
    return await store(update, context, question, chosen, shown, QUESTION_PROMPTS[question.id])


async def back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Retract the answer before the question this user is shown, and ask it again; refused
    when what they are shown has changed meanwhile (they would take back what they never saw).
    """
    trial, number = trial_of(context), context.user_data["screening"]
    note = refusal(context, number, context.user_data.get("question"))
    if note:
        return await refuse(update, context, note)
    answers = screening_answers(trial.db, number)
    current = next_question(answers, trial.context)
    previous = previous_question(answers, trial.context, current.id if current else None)
    if previous is None:
        return await ask_next(update, context, T["first_question"])
    retract_answer(trial.db, number, previous.id, actor=update.effective_user.id,
                   reason=T["back_reason"])
    asking(context, previous, answers[previous.id] if previous.kind == "multi" else ())
    return await ask_next(update, context, T["went_back"])


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    number = context.user_data.pop("screening", None)
    await reply(update, T["cancelled"].format(number=number) if number else T["no_open"])
    return ConversationHandler.END


async def finish_early(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    trial, number = trial_of(context), context.user_data["screening"]
    verdict = assess(screening_answers(trial.db, number), trial.context)
    if verdict.status != "not_eligible":
        return await ask_next(update, context, T["cannot_finish"].format(
            left=len(verdict.missing_questions)))
    return await show_review(update, context, verdict)


def shown_value(question: Question, row: dict) -> str:
    """A stored answer (a row of answer_details) as the staff see it."""
    if question.kind in ("yes_no", "choice", "grade"):
        return option_label(question, row["value"])
    if question.kind == "multi":
        return ", ".join(option_label(question, o) for o in row["value"]) or "none"
    return row["entered"]


def answered(trial, number: str) -> list[tuple[str, str]]:
    """(question id, 'question answer') of every current answer, in the order asked."""
    applies = {q.id for q in applicable(screening_answers(trial.db, number), trial.context)}
    lines = []
    for row in answer_details(trial.db, number):
        if row["value"] is None or row["question_id"] not in applies:
            continue
        question = QUESTION_BY_ID[row["question_id"]]
        lines.append((question.id, f"{QUESTION_PROMPTS[question.id]} "
                                   f"{shown_value(question, row)}"))
    order = [q.id for q in QUESTIONS]
    return sorted(lines, key=lambda line: order.index(line[0]))


def answers_summary(trial, number: str) -> str:
    lines = [T["answers_title"].format(number=number)]
    return "\n".join(lines + [f"• {line}" for _, line in answered(trial, number)])


def criterion_line(result: CriterionResult) -> str:
    return f"{result.number}. {CRITERION_TITLES[result.id]}: {wording.say(result.reason)}"


def verdict_summary(number: str, verdict: Verdict) -> str:
    lines = [T["verdict_title"].format(number=number, verdict=T["verdict"][verdict.status])]
    if verdict.computed:
        lines += ["", T["computed_title"]]
        lines += [f"• {COMPUTED_NAMES[key]}: {wording.say(value)}"
                  for key, value in verdict.computed.items()]
    if verdict.failed:
        lines += ["", T["failed_title"]]
        lines += [f"✗ {criterion_line(c)}" for c in verdict.failed]
    lines.append("")
    lines += [f"{'✓' if c.status == 'met' else '–'} {criterion_line(c)}"
              for c in verdict.criteria if c.status in ("met", "not_applicable")]
    if verdict.missing_questions:
        lines += ["", T["missing_title"].format(count=len(verdict.missing_questions))]
    return "\n".join(lines)


async def show_review(update: Update, context, verdict: Verdict, note: str = "",
                      toast: str | None = None) -> str:
    trial, number = trial_of(context), context.user_data["screening"]
    asking(context, None)
    context.user_data["review_of"] = answers_version(trial.db, number)
    summary = answers_summary(trial, number)
    await say(update, f"{note}\n\n{summary}" if note else summary, toast=toast)
    save = "confirm_eligible" if verdict.status == "eligible" else "confirm_failure"
    markup = keyboard([[(T[save], f"save:{number}:{verdict.status}")],
                       [(T["change"], f"change:{number}")]])
    await send(update, verdict_summary(number, verdict), markup)
    return REVIEW


def review_refusal(context, pattern: re.Pattern, data: str | None) -> str | None:
    """None for a review button of the screening this user has open, still at its review."""
    match = pattern.match(data or "")
    return refusal(context, match[1], None) if match else T["unknown_button"]


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | str:
    query = update.callback_query
    trial, number = trial_of(context), context.user_data["screening"]
    verdict = assess(screening_answers(trial.db, number), trial.context)
    note = review_refusal(context, SAVE_BUTTON, query.data)
    if note or query.data != f"save:{number}:{verdict.status}" or verdict.status == "incomplete":
        return await refuse(update, context, note or T["unknown_button"])
    status = "eligible" if verdict.status == "eligible" else "screen_failure"
    try:
        finish_screening(trial.db, number, status=status,
                         verdict=verdict.model_dump(mode="json"), actor=update.effective_user.id)
    except ScreeningClosed:
        return await closed_meanwhile(update, context)
    await query.edit_message_reply_markup(None)
    if status == "eligible":
        text = T["saved_eligible"].format(number=number)
    else:
        reasons = "; ".join(f"{c.number}. {wording.say(c.reason)}" for c in verdict.failed)
        text = T["saved_failure"].format(number=number, reasons=reasons)
    await reply(update, text)
    context.user_data.pop("screening", None)
    return ConversationHandler.END


async def correct(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """/correct [S-004]: pick an answer of an open or finished screening to correct."""
    trial = trial_of(context)
    number = screening_number(command_argument(context)) or context.user_data.get("screening")
    found = get_screening(trial.db, number) if number else None
    if found is None:
        await reply(update, T["not_found"].format(number=number) if number
                    else T["correct_usage"])
        return ConversationHandler.END
    problem = correction_problem(trial, found)
    if problem:
        await reply(update, problem)
        return ConversationHandler.END
    lines = answered(trial, number)
    context.user_data.update(screening=number, correctable=[qid for qid, _ in lines])
    listing = "\n".join(f"{n}. {line}" for n, (_, line) in enumerate(lines, 1))
    await reply(update, T["correct_which"].format(number=number, answers=listing))
    return CHOOSING


def correction_problem(trial, screening: dict) -> str | None:
    """Why a screening's answers cannot be corrected here, or None."""
    enrolled = [s["participant"] for s in list_screenings(trial.db)
                if s["number"] == screening["number"] and s["participant"]]
    if enrolled:
        return T["correct_enrolled"].format(number=screening["number"], participant=enrolled[0])
    if screening["status"] == "withdrawn":
        return T["closed"].format(number=screening["number"], status=screening["status"])
    return None


async def chosen_for_correction(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    choices, typed = context.user_data.get("correctable", []), update.message.text.strip()
    picked = whole_number(typed, digits=3)
    if picked is None or not 1 <= picked <= len(choices):
        await reply(update, T["correct_pick"].format(count=len(choices)))
        return CHOOSING
    question_id = choices[picked - 1]
    context.user_data["correcting"] = question_id
    await reply(update, T["correct_reason"].format(prompt=QUESTION_PROMPTS[question_id]))
    return REASON


async def reason_for_correction(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    reason = update.message.text.strip()
    if len(reason) < 3:
        await reply(update, T["correct_reason_short"])
        return REASON
    trial, number = trial_of(context), context.user_data["screening"]
    question = QUESTION_BY_ID[context.user_data.pop("correcting")]
    actor = update.effective_user.id
    if get_screening(trial.db, number)["status"] != "in_progress":
        reopen_screening(trial.db, number, actor=actor, reason=reason)
    old = screening_answers(trial.db, number).get(question.id)
    retract_answer(trial.db, number, question.id, actor=actor, reason=reason)
    asking(context, question, (old or ()) if question.kind == "multi" else ())
    return await ask_next(update, context, T["correcting"])


async def change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    note = review_refusal(context, CHANGE_BUTTON, update.callback_query.data)
    if note:
        return await refuse(update, context, note)
    await update.callback_query.edit_message_reply_markup(None)
    return await back(update, context)


FORM = "screening"


def conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND
    return ConversationHandler(
        name="screening",
        persistent=True,
        entry_points=[CommandHandler("screen", opens(FORM)(screen)),
                      CommandHandler("correct", opens(FORM)(correct))],
        states={
            ANSWERING: [
                MessageHandler(text, typed_for(FORM)(typed_answer)),
                CallbackQueryHandler(pressed_answer, pattern=r"^answer:"),
                CallbackQueryHandler(pressed_reading, pattern=r"^reading:"),
                CallbackQueryHandler(ticked, pattern=r"^tick:"),
                CallbackQueryHandler(ticking_done, pattern=r"^done:"),
                CommandHandler("back", opens(FORM)(back)),
                CommandHandler("finish", opens(FORM)(finish_early)),
            ],
            CHOOSING: [MessageHandler(text, typed_for(FORM)(chosen_for_correction))],
            REASON: [MessageHandler(text, typed_for(FORM)(reason_for_correction))],
            REVIEW: [
                CallbackQueryHandler(confirm, pattern=r"^save:"),
                CallbackQueryHandler(change, pattern=r"^change(:|$)"),
                CommandHandler("back", opens(FORM)(back)),
                MessageHandler(text, typed_for(FORM)(ask_next)),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel), CommandHandler("screen", opens(FORM)(screen)),
                   CommandHandler("correct", opens(FORM)(correct)),
                   CallbackQueryHandler(stale_button, pattern=ANY_BUTTON)],
        allow_reentry=True,
    )


def handlers() -> list:
    return [guarded("coordinator", conversation())]
