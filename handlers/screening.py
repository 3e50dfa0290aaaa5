"""/screen: step a coordinator through every inclusion criterion, one question at a time.

The questions are data (domain.questions). One callback asks the next unanswered question,
another stores an answer; where a screening stands is always derived from the stored answers,
so it resumes after /cancel, a restart or a crash.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from domain.eligibility import Verdict, assess
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
    SLEDAI_DESCRIPTORS,
    clinical_sledai_2k,
    eular_acr_2019,
    sledai_2k,
)
from domain.units import example, readings
from handlers.access import guarded, requires
from handlers.common import (
    command_argument,
    in_rows,
    keyboard,
    mark_chosen,
    opens,
    reply,
    screening_number,
    send,
    trial_of,
    typed_for,
    whole_number,
)
from handlers.texts import COMMON, OPTION_LABELS, QUESTION_PROMPTS
from handlers.texts import SCREENING as T
from storage.screenings import (
    ScreeningClosed,
    answer_details,
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


def option_label(question: Question, option: str) -> str:
    if question.id == "sledai_descriptors":
        weight, label = SLEDAI_DESCRIPTORS[option]
        return f"{label} ({weight})"
    if question.id == "eular_items":
        item = EULAR_ACR_2019_ITEMS[option]
        return f"{item.label} ({item.weight})"
    return OPTION_LABELS.get(option, option)


def running_total(question: Question, ticked: list[str], context) -> str:
    if question.id == "sledai_descriptors":
        excluded = trial_of(context).protocol.eligibility.clinical_sledai_excludes
        return T["running_sledai"].format(
            total=sledai_2k(ticked), clinical=clinical_sledai_2k(ticked, excluded))
    return T["running_eular"].format(points=eular_acr_2019(True, ticked).points)


def question_markup(question: Question, context):
    if question.kind == "number":
        return None
    if question.kind == "multi":
        ticked = context.user_data.setdefault("ticked", [])
        buttons = [(("✅ " if o in ticked else "▫️ ") + option_label(question, o),
                    f"tick:{question.id}:{o}") for o in question.options]
        done = (T["tick_done"].format(total=running_total(question, ticked, context)),
                f"done:{question.id}")
        return keyboard([*in_rows(buttons, 1), [done]])
    per_row = 5 if question.kind == "grade" else 2
    buttons = [(option_label(question, o), f"answer:{question.id}:{o}") for o in question.choices]
    return keyboard(in_rows(buttons, per_row))


def prompt_text(number: str, question: Question) -> str:
    text = T["question"].format(number=number, criterion=question.criterion,
                                prompt=QUESTION_PROMPTS[question.id])
    if question.kind == "number":
        text += "\n" + T["example"].format(example=example(question.analyte))
    return text


async def ask_next(update: Update, context: ContextTypes.DEFAULT_TYPE, note: str = "",
                   readings: list[str] | None = None) -> str:
    """Ask the first unanswered question, or show the review when all are answered.
    `readings`: for a number typed without its unit, the values to pick from as buttons."""
    trial, number = trial_of(context), context.user_data["screening"]
    answers = screening_answers(trial.db, number)
    question = next_question(answers, trial.context)
    if question is None:
        return await show_review(update, context, assess(answers, trial.context))
    if context.user_data.get("question") != question.id:
        context.user_data["ticked"] = []
    context.user_data["question"] = question.id
    text = prompt_text(number, question)
    markup = question_markup(question, context)
    if readings:
        markup = keyboard([[(r, f"reading:{question.id}:{r}")] for r in readings])
    await reply(update, f"{note}\n\n{text}" if note else text, markup)
    return ANSWERING


@requires("coordinator")
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
    context.user_data.update(screening=number, question=None, ticked=[])
    return await ask_next(update, context, note)


async def store(update: Update, context, question: Question, given) -> str:
    """Check an answer; on success save it (with its audit row) and ask the next question."""
    trial, number = trial_of(context), context.user_data["screening"]
    answers = screening_answers(trial.db, number)
    try:
        answer = read_answer(question, given, answers)
    except AnswerError as error:
        choices = readings(question.analyte, given) if question.kind == "number" else []
        note = f"⚠ {error}" + (f" {T['pick_reading']}" if choices else "")
        return await ask_next(update, context, note, choices)
    try:
        save_answer(trial.db, number, question.id, value=answer.value, entered=answer.entered,
                    unit=answer.unit, actor=update.effective_user.id)
    except ScreeningClosed:
        return await closed_meanwhile(update, context)
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
    return T["warning"].format(reason=failed[0].reason) if failed else ""


def current_question(context) -> Question | None:
    trial = trial_of(context)
    answers = screening_answers(trial.db, context.user_data["screening"])
    return next_question(answers, trial.context)


async def typed_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    question = current_question(context)
    if question is None:
        return await ask_next(update, context)
    if question.kind == "multi":
        return await ask_next(update, context, T["use_buttons"])
    return await store(update, context, question, update.message.text)


async def pressed_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    query = update.callback_query
    _, question_id, option = query.data.split(":", 2)
    question = current_question(context)
    if question is None or question.id != question_id:
        await query.answer(COMMON["stale_button"])
        return await ask_next(update, context)
    await mark_chosen(query, option_label(question, option))
    return await store(update, context, question, option)


async def pressed_reading(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """A number typed without its unit, then the unit picked from the offered readings."""
    query = update.callback_query
    _, question_id, text = query.data.split(":", 2)
    question = current_question(context)
    if question is None or question.id != question_id:
        await query.answer(COMMON["stale_button"])
        return await ask_next(update, context)
    await mark_chosen(query, text)
    return await store(update, context, question, text)


async def ticked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    query = update.callback_query
    _, question_id, option = query.data.split(":", 2)
    question = current_question(context)
    if question is None or question.id != question_id or option not in question.options:
        await query.answer(COMMON["stale_button"])
        return await ask_next(update, context)
    chosen = context.user_data.setdefault("ticked", [])
    chosen.remove(option) if option in chosen else chosen.append(option)
    await query.answer()
    await query.edit_message_reply_markup(question_markup(question, context))
    return ANSWERING


async def ticking_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    query = update.callback_query
    question = current_question(context)
    if question is None or query.data != f"done:{question.id}":
        await query.answer(COMMON["stale_button"])
        return await ask_next(update, context)
    chosen = context.user_data.get("ticked", [])
    await mark_chosen(query, ", ".join(option_label(question, o) for o in chosen) or "none",
                      prompt=QUESTION_PROMPTS[question.id])
    return await store(update, context, question, chosen)


async def back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    trial, number = trial_of(context), context.user_data["screening"]
    answers = screening_answers(trial.db, number)
    current = next_question(answers, trial.context)
    previous = previous_question(answers, trial.context, current.id if current else None)
    if previous is None:
        return await ask_next(update, context, T["first_question"])
    retract_answer(trial.db, number, previous.id, actor=update.effective_user.id,
                   reason=T["back_reason"])
    context.user_data["ticked"] = list(answers[previous.id]) if previous.kind == "multi" else []
    context.user_data["question"] = previous.id
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


def answered(trial, number: str) -> list[tuple[str, str]]:
    """(question id, 'question answer') of every current answer, in the order asked."""
    applies = {q.id for q in applicable(screening_answers(trial.db, number), trial.context)}
    lines = []
    for row in answer_details(trial.db, number):
        if row["value"] is None or row["question_id"] not in applies:
            continue
        question = QUESTION_BY_ID[row["question_id"]]
        shown = row["entered"]
        if question.kind in ("yes_no", "choice", "grade"):
            shown = option_label(question, row["value"])
        elif question.kind == "multi":
            shown = ", ".join(option_label(question, o) for o in row["value"]) or "none"
        lines.append((question.id, f"{QUESTION_PROMPTS[question.id]} {shown}"))
    order = [q.id for q in QUESTIONS]
    return sorted(lines, key=lambda line: order.index(line[0]))


def answers_summary(trial, number: str) -> str:
    lines = [T["answers_title"].format(number=number)]
    return "\n".join(lines + [f"• {line}" for _, line in answered(trial, number)])


def verdict_summary(number: str, verdict: Verdict) -> str:
    lines = [T["verdict_title"].format(number=number, verdict=T["verdict"][verdict.status])]
    if verdict.computed:
        lines += ["", T["computed_title"]]
        lines += [f"• {name}: {value}" for name, value in verdict.computed.items()]
    if verdict.failed:
        lines += ["", T["failed_title"]]
        lines += [f"✗ {c.number}. {c.title}: {c.reason}" for c in verdict.failed]
    lines.append("")
    lines += [f"{'✓' if c.status == 'met' else '–'} {c.number}. {c.title}: {c.reason}"
              for c in verdict.criteria if c.status in ("met", "not_applicable")]
    if verdict.missing_questions:
        lines += ["", T["missing_title"].format(count=len(verdict.missing_questions))]
    return "\n".join(lines)


async def show_review(update: Update, context, verdict: Verdict) -> str:
    trial, number = trial_of(context), context.user_data["screening"]
    await reply(update, answers_summary(trial, number))
    save = "confirm_eligible" if verdict.status == "eligible" else "confirm_failure"
    markup = keyboard([[(T[save], f"save:{verdict.status}")], [(T["change"], "change")]])
    await send(update, verdict_summary(number, verdict), markup)
    return REVIEW


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | str:
    query = update.callback_query
    trial, number = trial_of(context), context.user_data["screening"]
    verdict = assess(screening_answers(trial.db, number), trial.context)
    if query.data != f"save:{verdict.status}" or verdict.status == "incomplete":
        await query.answer(COMMON["stale_button"])
        return await ask_next(update, context)
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
        reasons = "; ".join(f"{c.number}. {c.reason}" for c in verdict.failed)
        text = T["saved_failure"].format(number=number, reasons=reasons)
    await reply(update, text)
    context.user_data.pop("screening", None)
    return ConversationHandler.END


@requires("coordinator")
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
    context.user_data["ticked"] = list(old or []) if question.kind == "multi" else []
    context.user_data["question"] = question.id
    return await ask_next(update, context, T["correcting"])


async def change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
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
                CallbackQueryHandler(change, pattern=r"^change$"),
                CommandHandler("back", opens(FORM)(back)),
                MessageHandler(text, typed_for(FORM)(ask_next)),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel), CommandHandler("screen", opens(FORM)(screen)),
                   CommandHandler("correct", opens(FORM)(correct))],
        allow_reentry=True,
    )


def handlers() -> list:
    return [guarded("coordinator", conversation())]
