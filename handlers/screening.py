"""/screen: step a coordinator through every inclusion criterion, one question at a time.

The questions are data (domain.questions); the screening's use cases (storage.usecases.screening)
say where a screening stands, derived from its stored answers, so it resumes after /cancel, a
restart or a crash. This module only turns chat into those calls and their results into replies.

Every answer is bound to what its sender was shown: asking a question records the screening and
the question in the user's (persisted) conversation data, and every button carries both. An
answer to anything but the question shown, while it is still the screening's current one, is
refused with a note and the current question is asked again; the use case refuses too (inside
its transaction, and the store with expect_unanswered), so two staff on one screening never
overwrite each other.
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

from domain.eligibility import CriterionResult, Verdict
from domain.questions import Question, question_by_id
from domain.reasons import Reason, Refused
from domain.scores import (
    EULAR_ACR_2019_ITEMS,
    SLEDAI_WEIGHTS,
    clinical_sledai_2k,
    eular_acr_2019,
    excluded_points,
    sledai_2k,
)
from domain.units import example
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
from storage.usecases import screening as screenings
from storage.usecases.screening import Review, ShownAnswer, Standing

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


def question_named(context, question_id: str) -> Question | None:
    """A question of the screening by id, the protocol file's exclusion criteria included."""
    return question_by_id(trial_of(context).context, question_id)


def prompt_for(context, question: Question) -> str:
    """A question's words: the protocol file's own for an exclusion criterion, else the
    catalogue's, filled with what the protocol says (the clinical SLEDAI-2K's excluded items)."""
    if question.exclusion is not None:
        return question.exclusion.question
    excluded = trial_of(context).protocol.eligibility.clinical_sledai_excludes
    return QUESTION_PROMPTS[question.id].format(
        count=len(excluded), items=", ".join(SLEDAI_LABELS[item] for item in excluded),
        points=excluded_points(excluded))


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


def prompt_text(context, number: str, question: Question) -> str:
    heading = "exclusion_question" if question.group == "exclusion" else "question"
    text = T[heading].format(number=number, criterion=question.criterion,
                             prompt=prompt_for(context, question))
    if question.kind == "number":
        text += "\n" + T["example"].format(example=example(question.analyte))
    return text


async def ask_next(update: Update, context: ContextTypes.DEFAULT_TYPE, note: str = "",
                   readings: list[str] | None = None, toast: str | None = None,
                   now: Standing | None = None) -> str:
    """Ask the first unanswered question, or show the review when all are answered; either
    becomes what this user is shown. `readings`: for a number typed without its unit, the
    values to pick from as buttons; `toast`: the pressed button's answer; `now`: where the
    screening stands, if a use case just said so."""
    trial, number = trial_of(context), context.user_data["screening"]
    now = now or screenings.standing(trial, number)
    if now.question is None:
        return await show_review(update, context, screenings.review(trial, number), note, toast)
    question = question_named(context, now.question)
    if context.user_data.get("question") != question.id:
        asking(context, question)
    text = prompt_text(context, number, question)
    markup = (readings_markup(number, question, readings, context) if readings
              else question_markup(number, question, context))
    await say(update, f"{note}\n\n{text}" if note else text, markup, toast)
    return ANSWERING


async def refuse(update: Update, context, note: str) -> str:
    """Nothing is saved: say why, and ask the current question again."""
    return await ask_next(update, context, note, toast=T["not_saved"])


# Why an answer (or /back, or a save) to what a user was shown is not taken, by refusal code;
# each is given the refusal's parameters and the question it names (None if it names none).
NOT_TAKEN = {
    "answered_meanwhile": lambda p, q, prompt: T["answered_meanwhile"].format(
        number=p["number"], prompt=prompt, who=p["who"],
        answer=shown_value(q, p["value"], p["entered"])),
    "moved_on": lambda p, q, prompt: T["moved_on"].format(number=p["number"], prompt=prompt),
    "changed_meanwhile": lambda p, q, prompt: T["changed_meanwhile"].format(number=p["number"]),
    "verdict_changed": lambda p, q, prompt: T["unknown_button"],
    "screening_incomplete": lambda p, q, prompt: T["unknown_button"],
    "unknown_question": lambda p, q, prompt: T["unknown_button"],
}


def not_taken(context, reason: Reason) -> str:
    """The note that says why what a user sent was not taken."""
    words = NOT_TAKEN.get(reason.code.removeprefix("refusal."))
    if words is None:
        return f"⚠ {wording.say(reason)}"
    question = question_named(context, reason.params.get("question") or "")
    prompt = prompt_for(context, question) if question else ""
    return words(reason.params, question, prompt)


def refusal(context, number: str, question_id: str | None) -> str | None:
    """None when `question_id` of screening `number` (None: the review) is what this user was
    shown, in the screening they have open, and still where that screening stands; otherwise
    the note that says why an answer to it is not taken."""
    trial, open_number = trial_of(context), context.user_data.get("screening")
    if number != open_number:
        return T["other_screening"].format(button=number, number=open_number)
    shown = context.user_data.get("question")
    try:
        if shown is None and question_id is None:  # the review (of a screening finished early too)
            screenings.check_review(trial, number, context.user_data.get("review_of"))
            return None
        screenings.check_current(trial, number, shown)  # what this user sees has not changed
        if question_id != shown:
            screenings.check_current(trial, number, question_id)  # an earlier question's button
    except Refused as refused:
        return not_taken(context, refused.reason)
    return None


def question_button(callback):
    """For a question's button: runs callback(update, context, question, detail) only when the
    button is well formed, fits its question's kind and is bound to what this user is shown."""
    @functools.wraps(callback)
    async def checked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
        match = QUESTION_BUTTON.match(update.callback_query.data or "")
        question = question_named(context, match[3]) if match else None
        if question is None or question.kind not in BUTTON_KINDS[match[1]]:
            return await refuse(update, context, T["unknown_button"])
        note = refusal(context, match[2], question.id)
        if note:
            return await refuse(update, context, note)
        return await callback(update, context, question, match[4])
    return checked


async def screen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    trial, wanted = trial_of(context), command_argument(context)
    try:
        if not wanted:
            started = screenings.start(trial, actor=update.effective_user.id)
            number, now = started.standing.number, started.standing
            note = T["started"].format(number=number)
            if started.still_open:
                note += "\n" + T["also_open"].format(numbers=", ".join(started.still_open))
        else:
            number = screening_number(wanted)
            now = screenings.resume(trial, number)
            note = T["resumed"].format(number=number)
    except Refused as refused:
        await reply(update, closed_text(refused.reason))
        return ConversationHandler.END
    context.user_data.update(screening=number)
    asking(context, None)
    return await ask_next(update, context, note, now=now)


# A screening that cannot be opened (or written to), by refusal code.
CLOSED = {
    "no_screening": lambda p: T["not_found"].format(number=p["number"]),
    "screening_closed": lambda p: T["closed"].format(number=p["number"], status=p["status"]),
    "screening_enrolled": lambda p: T["correct_enrolled"].format(**p),
}


def closed_text(reason: Reason) -> str:
    words = CLOSED.get(reason.code.removeprefix("refusal."))
    return words(reason.params) if words else wording.say(reason)


async def store(update: Update, context, question: Question, given, chosen: str | None = None,
                prompt: str | None = None) -> str:
    """Check an answer; on success save it (with its audit row), show the pressed button's
    `chosen` under its question and ask the next question. An answer given meanwhile stands."""
    trial, number = trial_of(context), context.user_data["screening"]
    try:
        answered = screenings.answer(trial, number=number, question=question.id, given=given,
                                     actor=update.effective_user.id)
    except Refused as refused:
        return await answer_refused(update, context, refused.reason)
    if chosen is not None:
        await mark_chosen(update.callback_query, chosen, prompt)
    failure = answered.failure
    note = T["warning"].format(reason=wording.say(failure)) if failure else ""
    return await ask_next(update, context, note, now=answered.next)


async def answer_refused(update: Update, context, reason: Reason) -> str | int:
    """An answer not taken: checked and found wrong (say why, offer the readings it may mean),
    the screening closed meanwhile, or the question no longer the one to answer."""
    code, params = reason.code.removeprefix("refusal."), reason.params
    if code == "invalid_answer":
        choices = params["readings"]
        note = f"⚠ {wording.say(params['reason'])}" + (f" {T['pick_reading']}" if choices else "")
        return await ask_next(update, context, note, choices)
    if code in CLOSED:
        return await closed_meanwhile(update, context, reason)
    return await refuse(update, context, not_taken(context, reason))


async def closed_meanwhile(update: Update, context, reason: Reason) -> int:
    """The screening was closed elsewhere (withdrawn, or saved from another chat)."""
    context.user_data.pop("screening", None)
    await reply(update, closed_text(reason))
    return ConversationHandler.END


async def typed_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Typed text answers the question this user was shown, if it is still the current one."""
    note = refusal(context, context.user_data["screening"], context.user_data.get("question"))
    if note:
        return await refuse(update, context, note)
    now = screenings.standing(trial_of(context), context.user_data["screening"])
    if now.question is None:
        return await ask_next(update, context, now=now)
    question = question_named(context, now.question)
    if question.kind == "multi":
        return await ask_next(update, context, T["use_buttons"], now=now)
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
    return await store(update, context, question, chosen, option_names(question, chosen),
                       prompt_for(context, question))


async def back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Retract the answer before the question this user is shown, and ask it again; refused
    when what they are shown has changed meanwhile (they would take back what they never saw).
    """
    trial, number = trial_of(context), context.user_data["screening"]
    shown = context.user_data.get("question")
    note = refusal(context, number, shown)
    if note:
        return await refuse(update, context, note)
    try:
        went = screenings.go_back(trial, number=number, shown_question=shown,
                                  version=context.user_data.get("review_of"),
                                  reason=T["back_reason"], actor=update.effective_user.id)
    except Refused as refused:
        if refused.reason.code == "refusal.no_previous_question":
            return await ask_next(update, context, T["first_question"])
        return await answer_refused(update, context, refused.reason)
    previous = question_named(context, went.question)
    asking(context, previous, went.retracted if previous.kind == "multi" else ())
    return await ask_next(update, context, T["went_back"], now=went.next)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    number = context.user_data.pop("screening", None)
    await reply(update, T["cancelled"].format(number=number) if number else T["no_open"])
    return ConversationHandler.END


async def finish_early(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    trial, number = trial_of(context), context.user_data["screening"]
    try:
        found = screenings.finish_early(trial, number)
    except Refused as refused:
        if refused.reason.code == "refusal.cannot_finish":
            return await ask_next(update, context, T["cannot_finish"].format(
                left=refused.reason.params["left"]))
        return await closed_meanwhile(update, context, refused.reason)
    return await show_review(update, context, found)


def option_names(question: Question, options: list[str]) -> str:
    return ", ".join(option_label(question, o) for o in options) or "none"


def shown_value(question: Question, value, entered: str) -> str:
    """A stored answer as the staff see it."""
    if question.kind in ("yes_no", "choice", "grade"):
        return option_label(question, value)
    if question.kind == "multi":
        return option_names(question, value)
    return entered


def answer_line(context, answer: ShownAnswer) -> str:
    """'question answer', as a review and a correction list it."""
    question = question_named(context, answer.question)
    return (f"{prompt_for(context, question)} "
            f"{shown_value(question, answer.value, answer.entered)}")


def answers_summary(context, found: Review) -> str:
    lines = [T["answers_title"].format(number=found.number)]
    return "\n".join(lines + [f"• {answer_line(context, answer)}" for answer in found.answers])


def criterion_line(result: CriterionResult) -> str:
    """'4. Prior treatment: why', or for an exclusion criterion 'E2. why' (its reason names
    it in the protocol file's words)."""
    if result.group == "exclusion":
        label = T["exclusion_number"].format(number=result.number)
        return f"{label}. {wording.say(result.reason)}"
    return f"{result.number}. {CRITERION_TITLES[result.id]}: {wording.say(result.reason)}"


def failure_line(result: CriterionResult) -> str:
    """A failed criterion in the saved screen failure: '9. why', or 'E2. why'."""
    label = (T["exclusion_number"].format(number=result.number) if result.group == "exclusion"
             else result.number)
    return f"{label}. {wording.say(result.reason)}"


def verdict_summary(number: str, verdict: Verdict) -> str:
    lines = [T["verdict_title"].format(number=number, verdict=T["verdict"][verdict.status])]
    if verdict.summary:
        lines.append(wording.say(verdict.summary))
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


async def show_review(update: Update, context, found: Review, note: str = "",
                      toast: str | None = None) -> str:
    number, verdict = found.number, found.verdict
    asking(context, None)
    context.user_data["review_of"] = found.version
    summary = answers_summary(context, found)
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
    note = review_refusal(context, SAVE_BUTTON, query.data)
    if note:
        return await refuse(update, context, note)
    try:
        saved = screenings.save_verdict(
            trial, number=number, shown_verdict=SAVE_BUTTON.match(query.data)[2],
            version=context.user_data.get("review_of"), actor=update.effective_user.id)
    except Refused as refused:
        return await answer_refused(update, context, refused.reason)
    await query.edit_message_reply_markup(None)
    if saved.status == "eligible":
        text = T["saved_eligible"].format(
            number=number, valid_until=wording.day(saved.valid_until),
            days=trial.protocol.eligibility.screening_valid_days,
            summary=wording.say(saved.verdict.summary))
    else:
        reasons = "; ".join(failure_line(c) for c in saved.verdict.failed)
        text = T["saved_failure"].format(number=number, reasons=reasons)
    await reply(update, text)
    context.user_data.pop("screening", None)
    return ConversationHandler.END


async def correct(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """/correct [S-004]: pick an answer of an open or finished screening to correct."""
    trial = trial_of(context)
    number = screening_number(command_argument(context)) or context.user_data.get("screening")
    if not number:
        await reply(update, T["correct_usage"])
        return ConversationHandler.END
    try:
        answers = screenings.correctable(trial, number)
    except Refused as refused:
        await reply(update, closed_text(refused.reason))
        return ConversationHandler.END
    context.user_data.update(screening=number, correctable=[a.question for a in answers])
    listing = "\n".join(f"{n}. {answer_line(context, a)}" for n, a in enumerate(answers, 1))
    await reply(update, T["correct_which"].format(number=number, answers=listing))
    return CHOOSING


async def chosen_for_correction(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    choices, typed = context.user_data.get("correctable", []), update.message.text.strip()
    picked = whole_number(typed, digits=3)
    if picked is None or not 1 <= picked <= len(choices):
        await reply(update, T["correct_pick"].format(count=len(choices)))
        return CHOOSING
    question_id = choices[picked - 1]
    context.user_data["correcting"] = question_id
    question = question_named(context, question_id)
    await reply(update, T["correct_reason"].format(prompt=prompt_for(context, question)))
    return REASON


async def reason_for_correction(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """The reason (the rule of domain.corrections, which the use case applies), then the answer
    is taken back and asked again."""
    trial, number = trial_of(context), context.user_data["screening"]
    try:
        corrected = screenings.correct(trial, number=number,
                                       question=context.user_data["correcting"],
                                       reason=update.message.text, actor=update.effective_user.id)
    except Refused as refused:
        return await correction_refused(update, context, refused.reason)
    context.user_data.pop("correcting")
    question = question_named(context, corrected.question)
    asking(context, question, corrected.old if question.kind == "multi" else ())
    return await ask_next(update, context, T["correcting"], now=corrected.next)


async def correction_refused(update: Update, context, reason: Reason) -> str | int:
    """A reason too short or too long is asked again; an answer taken back meanwhile leaves the
    screening where it stands; a screening closed meanwhile ends the conversation."""
    code = reason.code.removeprefix("refusal.")
    if code in ("short_reason", "long_reason"):
        await reply(update, T[code].format(**reason.params))
        return REASON
    context.user_data.pop("correcting", None)
    if code == "nothing_to_correct":
        return await ask_next(update, context, not_taken(context, reason))
    return await closed_meanwhile(update, context, reason)


async def change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
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
