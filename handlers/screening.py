"""/screen: step a coordinator through every criterion, a section at a time, as on a phone.

The questions are data (domain.questions); the screening's use cases (storage.usecases.screening)
say where a screening stands, derived from its stored answers, so it resumes after /cancel, a
restart or a crash. This module only turns chat into those calls and their results into replies
(handlers/screening_cards.py builds what is shown).

A section is one card: a press answers in place (the card is edited to the next question of the
section), a typed message gets the next card below it; one typed message may carry several
answers of the section ("ALT 48 AST 35"). Grids (serology, BILAG-2004) show a row per question.

Every answer is bound to what its sender was shown: asking records the screening, the question
and the questions the shown buttons answer in the user's (persisted) conversation data, and
every button carries the screening and its question. An answer to anything else, or to a
question answered meanwhile, is refused with a note and the current question is asked again;
the use case refuses too (inside its transaction, and the store with expect_unanswered), so two
staff on one screening never overwrite each other.
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

from domain.questions import Question, question_by_id
from domain.reasons import Reason, Refused
from handlers import wording
from handlers.access import guarded
from handlers.common import (
    command_argument,
    keyboard,
    opens,
    reply,
    screening_number,
    send,
    stale_button,
    trial_of,
    typed_for,
    whole_number,
)
from handlers.screening_cards import (
    card,
    change_rows,
    failure_line,
    prompt_for,
    review_text,
    section_line,
    short_answer,
    short_name,
    shown_value,
)
from handlers.texts import SCREENING as T
from storage.usecases import screening as screenings
from storage.usecases.screening import Entered, Review, ShownAnswer, Standing

ANSWERING, REVIEW, CHOOSING, REASON = "answering", "review", "choosing", "reason"

# The buttons of a question: action:screening:question[:option, or index of a unit reading].
QUESTION_BUTTON = re.compile(
    r"^(answer|tick|done|reading|row):(S-\d{3,5}):(\w{1,40})(?::([^:]{1,40}))?$")
REST_BUTTON = re.compile(r"^rest:(S-\d{3,5}):(\w{1,20})$")
SAVE_BUTTON = re.compile(r"^save:(S-\d{3,5}):(eligible|not_eligible)$")
CHANGE_BUTTON = re.compile(r"^change:(S-\d{3,5})$")
EDIT_BUTTON = re.compile(r"^edit:(S-\d{3,5}):(\w{1,40}):(\d{1,9})$")
REVIEW_BUTTON = re.compile(r"^review:(S-\d{3,5})$")
ANY_BUTTON = r"^(answer|tick|done|reading|row|rest|save|change|edit|review)(:|$)"
# Which kinds of question each button answers.
BUTTON_KINDS = {"answer": ("yes_no", "choice", "grade"), "tick": ("multi",), "done": ("multi",),
                "reading": ("number",), "row": ("yes_no", "grade")}


def question_named(context, question_id: str) -> Question | None:
    """A question of the screening by id, the protocol file's exclusion criteria included."""
    return question_by_id(trial_of(context).context, question_id)


async def say(update: Update, text: str, markup=None, toast: str | None = None) -> None:
    """As common.reply, but a pressed button is answered (once) with an optional toast."""
    if update.callback_query:
        await update.callback_query.answer(toast)
    await send(update, text, markup)


def asking(context, question: Question | None, ticked=()) -> None:
    """Record `question` as the one this user is shown (None: the review), with its ticks."""
    context.user_data.update(question=question.id if question else None, ticked=list(ticked),
                             readings=[], shown=[question.id] if question else [])


def current_card(context, now: Standing, note: str = ""):
    """The card of where the screening stands (its question becomes the one shown)."""
    trial, number = trial_of(context), context.user_data["screening"]
    question = question_named(context, now.question)
    if context.user_data.get("question") != question.id:
        asking(context, question)
    shown = card(trial, number, question, screenings.answers_shown(trial, number),
                 context.user_data.setdefault("ticked", []), note)
    context.user_data["shown"] = shown.shown
    return shown


async def ask_next(update: Update, context: ContextTypes.DEFAULT_TYPE, note: str = "",
                   readings: list[str] | None = None, toast: str | None = None,
                   now: Standing | None = None, reading_for: str | None = None) -> str:
    """Ask the first unanswered question (its section's card), or show the review when all are
    answered; either becomes what this user is shown. `readings`: for a number typed without
    its unit, the values to pick from as buttons (for `reading_for`, else the question shown);
    `toast`: the pressed button's answer; `now`: where the screening stands, if a use case just
    said so."""
    trial, number = trial_of(context), context.user_data["screening"]
    now = now or screenings.standing(trial, number)
    if now.question is None:
        return await show_review(update, context, screenings.review(trial, number), note, toast)
    shown = current_card(context, now, note)
    if readings:
        question = question_named(context, reading_for or now.question)
        rows = readings_rows(number, question, readings, context)
    else:
        rows = shown.rows
    await say(update, shown.text, keyboard(rows) if rows else None, toast)
    return ANSWERING


def readings_rows(number: str, question: Question, offered: list[str], context):
    """Buttons for the likely readings of a number typed without its unit. Each carries the
    index of its reading in the user's list, which only grows while the question is asked, so
    an earlier offer's button keeps its meaning (and data stays short)."""
    known = context.user_data.setdefault("readings", [])
    known.extend(r for r in offered if r not in known)
    return [[(r, f"reading:{number}:{question.id}:{known.index(r)}")] for r in offered]


async def after_press(update: Update, context, section: str, note: str, now: Standing) -> str:
    """A press answered a question of `section`: its card becomes the next question of the
    section, edited in place; at the end of the section it keeps the section's answers and the
    next card (or the review) follows below."""
    query = update.callback_query
    if now.question is not None and now.section == section:
        shown = current_card(context, now, note)
        await query.answer()
        await query.edit_message_text(shown.text, reply_markup=keyboard(shown.rows)
                                      if shown.rows else None)
        return ANSWERING
    trial, number = trial_of(context), context.user_data["screening"]
    done = section_line(trial, section, screenings.answers_shown(trial, number), done=True)
    await query.edit_message_text(done)
    return await ask_next(update, context, note, now=now)


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
    prompt = prompt_for(trial_of(context), question) if question else ""
    return words(reason.params, question, prompt)


def refusal(context, number: str, question_id: str | None) -> str | None:
    """None when `question_id` of screening `number` (None: the review) may be answered by this
    user: the screening they have open, and the question still open (or the review still of
    the answers it showed); otherwise the note that says why an answer to it is not taken."""
    trial, open_number = trial_of(context), context.user_data.get("screening")
    if number != open_number:
        return T["other_screening"].format(button=number, number=open_number)
    try:
        if question_id is None and context.user_data.get("question") is None:
            screenings.check_review(trial, number, context.user_data.get("review_of"))
        else:
            screenings.check_current(trial, number, question_id)
    except Refused as refused:
        return not_taken(context, refused.reason)
    return None


def button_refusal(context, action: str, number: str, question: Question) -> str | None:
    """As `refusal`, and the button must be one of those shown (a unit reading is bound by
    its own list instead)."""
    note = refusal(context, number, question.id)
    shown = context.user_data.get("shown") or [context.user_data.get("question")]
    if note is None and action != "reading" and question.id not in shown:
        return T["unknown_button"]
    return note


def double_tap(update: Update, context, action: str, number: str, question: Question,
               option: str | None) -> bool:
    """The same option pressed again by the same user (a double tap, or a press before the
    edited card arrived): their answer stands, there is nothing to say but that."""
    if action != "answer" or number != context.user_data.get("screening"):
        return False
    trial = trial_of(context)
    mine = trial.staff_name(str(update.effective_user.id))
    given = next((a for a in screenings.answers_shown(trial, number)
                  if a.question == question.id), None)
    return given is not None and (given.answered_by, given.value) == (mine, option)


def question_button(callback):
    """For a question's button: runs callback(update, context, question, detail) only when the
    button is well formed, fits its question's kind and is bound to what this user is shown."""
    @functools.wraps(callback)
    async def checked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
        match = QUESTION_BUTTON.match(update.callback_query.data or "")
        question = question_named(context, match[3]) if match else None
        if question is None or question.kind not in BUTTON_KINDS[match[1]]:
            return await refuse(update, context, T["unknown_button"])
        if double_tap(update, context, match[1], match[2], question, match[4]):
            await update.callback_query.answer(T["already_taken"])
            return ANSWERING
        note = button_refusal(context, match[1], match[2], question)
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
                note += "\n" + T["also_open"].format(numbers=wording.listed(started.still_open))
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


def warnings(failures: list[Reason]) -> str:
    """One warning per criterion that fails since the answer just given."""
    if not failures:
        return ""
    lines = [T["warning"].format(reason=wording.say(reason)) for reason in failures]
    return "\n".join([*lines, T["warning_hint"]])


async def store(update: Update, context, question: Question, given) -> str:
    """Check a pressed answer; on success save it (with its audit row) and move the card on.
    An answer given meanwhile stands."""
    trial, number = trial_of(context), context.user_data["screening"]
    try:
        answered = screenings.answer(trial, number=number, question=question.id, given=given,
                                     actor=update.effective_user.id)
    except Refused as refused:
        return await answer_refused(update, context, refused.reason)
    return await after_press(update, context, question.section, warnings(answered.failures),
                             answered.next)


async def answer_refused(update: Update, context, reason: Reason) -> str | int:
    """An answer not taken: checked and found wrong (say why, offer the readings it may mean),
    the screening closed meanwhile, or the question no longer one to answer."""
    code, params = reason.code.removeprefix("refusal."), reason.params
    if code == "invalid_answer":
        choices = params["readings"]
        note = f"⚠ {wording.say(params['reason'])}" + (f" {T['pick_reading']}" if choices else "")
        return await ask_next(update, context, note, choices, reading_for=params["question"])
    if code in CLOSED:
        return await closed_meanwhile(update, context, reason)
    return await refuse(update, context, not_taken(context, reason))


async def closed_meanwhile(update: Update, context, reason: Reason) -> int:
    """The screening was closed elsewhere (withdrawn, or saved from another chat)."""
    context.user_data.pop("screening", None)
    await reply(update, closed_text(reason))
    return ConversationHandler.END


def entered_note(context, entered: Entered) -> str:
    """What a typed message with several values did: what was saved, each value refused and
    why, and the criteria that fail since."""
    trial = trial_of(context)
    lines = []
    if len(entered.saved) > 1 or entered.refused:
        values = " · ".join(short_answer(trial, answer) for answer in entered.saved)
        if values:
            lines.append(T["saved_values"].format(values=values))
    for refused in entered.refused:
        question = question_named(context, refused.question)
        reason = wording.say(refused.reason)
        if refused.readings:
            reason += " " + T["pick_reading"]
        lines.append(T["entry_refused"].format(name=short_name(question), reason=reason))
    return "\n".join(line for line in [*lines, warnings(entered.failures)] if line)


async def typed_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Typed text answers the question this user was shown (and, named, others of its
    section), if it is still open."""
    number, shown = context.user_data["screening"], context.user_data.get("question")
    now = screenings.standing(trial_of(context), number)
    if shown is None and now.question is None:
        return await ask_next(update, context, now=now)
    note = refusal(context, number, shown)
    if note:
        return await refuse(update, context, note)
    question = question_named(context, shown)
    if question.kind == "multi":
        return await ask_next(update, context, T["use_buttons"], now=now)
    try:
        entered = screenings.enter(trial_of(context), number=number, shown_question=shown,
                                   text=update.message.text, actor=update.effective_user.id,
                                   unnamed=question.grid is None)
    except Refused as refused:
        return await answer_refused(update, context, refused.reason)
    offered = next((r for r in entered.refused if r.readings), None)
    return await ask_next(update, context, entered_note(context, entered), now=entered.next,
                          readings=offered.readings if offered else None,
                          reading_for=offered.question if offered else None)


@question_button
async def pressed_answer(update: Update, context, question: Question, option: str | None) -> str:
    if option not in question.choices:
        return await refuse(update, context, T["unknown_button"])
    return await store(update, context, question, option)


@question_button
async def pressed_row(update: Update, context, question: Question, extra: str | None) -> str:
    """A grid row's name: it answers nothing, it says where to press."""
    await update.callback_query.answer(T["row_hint"])
    return ANSWERING


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
    return await store(update, context, question, reading)


@question_button
async def ticked(update: Update, context, question: Question, option: str | None) -> str:
    if option not in question.options:
        return await refuse(update, context, T["unknown_button"])
    chosen = context.user_data.setdefault("ticked", [])
    chosen.remove(option) if option in chosen else chosen.append(option)
    await update.callback_query.answer()
    now = screenings.standing(trial_of(context), context.user_data["screening"])
    shown = current_card(context, now)
    await update.callback_query.edit_message_reply_markup(keyboard(shown.rows))
    return ANSWERING


@question_button
async def ticking_done(update: Update, context, question: Question, extra: str | None) -> str:
    if extra is not None:
        return await refuse(update, context, T["unknown_button"])
    return await store(update, context, question, context.user_data.get("ticked", []))


async def pressed_rest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """A grid's "all others" (BILAG-2004: D/E) for every row still to answer."""
    match = REST_BUTTON.match(update.callback_query.data or "")
    shown = [question_named(context, q) for q in context.user_data.get("shown") or []]
    grids = {q.grid for q in shown if q is not None}
    if not match or match[2] not in grids:
        return await refuse(update, context, T["unknown_button"])
    note = refusal(context, match[1], context.user_data.get("question"))
    if note:
        return await refuse(update, context, note)
    try:
        entered = screenings.answer_rest(trial_of(context), number=match[1], grid=match[2],
                                         actor=update.effective_user.id)
    except Refused as refused:
        return await answer_refused(update, context, refused.reason)
    section = next(q.section for q in shown if q is not None)
    return await after_press(update, context, section, warnings(entered.failures),
                             entered.next)


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


def questions_left(context, number: str) -> str:
    """'1 question is', '3 to 5 questions (depending on the answers) are'."""
    least, most = screenings.left(trial_of(context), number)
    if most > least:
        return T["questions_range"].format(count=least, most=most)
    return wording.plural(T["questions_left"], least).format(count=least)


async def finish_early(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    trial, number = trial_of(context), context.user_data["screening"]
    try:
        found = screenings.finish_early(trial, number)
    except Refused as refused:
        if refused.reason.code == "refusal.cannot_finish":
            return await ask_next(update, context, T["cannot_finish"].format(
                left=questions_left(context, number)))
        return await closed_meanwhile(update, context, refused.reason)
    return await show_review(update, context, found)


def answer_line(context, answer: ShownAnswer) -> str:
    """'question answer', as a correction lists it."""
    question = question_named(context, answer.question)
    return (f"{prompt_for(trial_of(context), question)} "
            f"{shown_value(question, answer.value, answer.entered)}")


def review_rows(number: str, verdict_status: str):
    save = "confirm_eligible" if verdict_status == "eligible" else "confirm_failure"
    return [[(T[save], f"save:{number}:{verdict_status}")], [(T["change"], f"change:{number}")]]


async def show_review(update: Update, context, found: Review, note: str = "",
                      toast: str | None = None) -> str:
    """One compact message: the verdict by criterion, Save and Change an answer."""
    asking(context, None)
    context.user_data["review_of"] = found.version
    text = review_text(found.number, found.verdict)
    await say(update, f"{note}\n\n{text}" if note else text,
              keyboard(review_rows(found.number, found.verdict.status)), toast)
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
        reasons = wording.listed((failure_line(c) for c in saved.verdict.failed), "semicolons")
        text = T["saved_failure"].format(number=number, reasons=reasons)
    await reply(update, text)
    context.user_data.pop("screening", None)
    return ConversationHandler.END


async def saved_already(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A Save pressed again (a double tap, an old review): answered, nothing saved twice."""
    match = SAVE_BUTTON.match(update.callback_query.data or "")
    try:
        found = screenings.existing(trial_of(context), match[1]) if match else None
    except Refused:
        found = None
    status = T["saved_statuses"].get(found["status"]) if found else None
    await update.callback_query.answer(
        T["already_saved"].format(number=match[1], status=status) if status
        else T["unknown_button"])


async def change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Change an answer: the review's message lists every answer as a button."""
    note = review_refusal(context, CHANGE_BUTTON, update.callback_query.data)
    if note:
        return await refuse(update, context, note)
    trial, number = trial_of(context), context.user_data["screening"]
    await update.callback_query.answer()
    found = screenings.review(trial, number)
    await update.callback_query.edit_message_text(
        T["change_which"].format(number=number),
        reply_markup=keyboard(change_rows(trial, number, found.answers,
                                          context.user_data.get("review_of"))))
    return REVIEW


async def back_to_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    note = review_refusal(context, REVIEW_BUTTON, update.callback_query.data)
    if note:
        return await refuse(update, context, note)
    trial, number = trial_of(context), context.user_data["screening"]
    found = screenings.review(trial, number)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        review_text(number, found.verdict),
        reply_markup=keyboard(review_rows(number, found.verdict.status)))
    return REVIEW


async def change_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """One answer picked from the review's list: taken back (the audit keeps it) and asked,
    if the answers are still those of the review the list was made from (its button says)."""
    data = update.callback_query.data
    note = review_refusal(context, EDIT_BUTTON, data)
    if note:
        return await refuse(update, context, note)
    trial, number = trial_of(context), context.user_data["screening"]
    _, question, version = EDIT_BUTTON.match(data).groups()
    try:
        changed = screenings.change(trial, number=number, question=question,
                                    version=int(version), reason=T["change_reason"],
                                    actor=update.effective_user.id)
    except Refused as refused:
        return await answer_refused(update, context, refused.reason)
    await update.callback_query.edit_message_reply_markup(None)
    question = question_named(context, changed.question)
    asking(context, question, changed.retracted if question.kind == "multi" else ())
    return await ask_next(update, context, now=changed.next)


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
    await reply(update, T["correct_reason"].format(prompt=prompt_for(trial_of(context),
                                                                      question)))
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
                CallbackQueryHandler(pressed_row, pattern=r"^row:"),
                CallbackQueryHandler(pressed_rest, pattern=r"^rest:"),
                CommandHandler("back", opens(FORM)(back)),
                CommandHandler("finish", opens(FORM)(finish_early)),
            ],
            CHOOSING: [MessageHandler(text, typed_for(FORM)(chosen_for_correction))],
            REASON: [MessageHandler(text, typed_for(FORM)(reason_for_correction))],
            REVIEW: [
                CallbackQueryHandler(confirm, pattern=r"^save:"),
                CallbackQueryHandler(change, pattern=r"^change(:|$)"),
                CallbackQueryHandler(change_answer, pattern=r"^edit:"),
                CallbackQueryHandler(back_to_review, pattern=r"^review:"),
                CommandHandler("back", opens(FORM)(back)),
                MessageHandler(text, typed_for(FORM)(ask_next)),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel), CommandHandler("screen", opens(FORM)(screen)),
                   CommandHandler("correct", opens(FORM)(correct)),
                   CallbackQueryHandler(saved_already, pattern=r"^save:"),
                   CallbackQueryHandler(stale_button, pattern=ANY_BUTTON)],
        allow_reentry=True,
    )


def handlers() -> list:
    """The conversation, and outside it the answer to a Save pressed again after saving."""
    return [guarded("coordinator", conversation()),
            CallbackQueryHandler(saved_already, pattern=r"^save:")]
