"""What every conversation needs: the trial, dates, numbers, keyboards, replies."""

from __future__ import annotations

import functools
import re
from datetime import date

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit
from telegram.ext import ContextTypes, ConversationHandler

from domain.dates import FIRST_YEAR, LAST_YEAR, within_years
from domain.typed import plain
from handlers.texts import COMMON
from handlers.wording import (
    cells,  # noqa: F401  (re-exported for the forms)
    dated,
)
from storage.usecases.trial import Trial


def trial_of(context: ContextTypes.DEFAULT_TYPE) -> Trial:
    return context.application.bot_data["trial"]


def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback data); Telegram takes at most 64 bytes
    of callback data and would refuse the whole message, so a longer one is a bug here."""
    limit = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
    for label, data in (button for row in rows for button in row):
        if len(data.encode()) > limit:
            raise ValueError(f"callback data of {label!r} is over {limit} bytes")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def in_rows(buttons: list[tuple[str, str]], per_row: int) -> list[list[tuple[str, str]]]:
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


def in_pieces(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Split a long text at line ends into pieces Telegram accepts (4096 characters each)."""
    pieces = [""]
    for line in text.split("\n"):
        while len(line) > limit:  # a single overlong line: cut it
            pieces.append(line[:limit])
            line = line[limit:]
        if len(pieces[-1]) + len(line) + 1 > limit:
            pieces.append(line)
        else:
            pieces[-1] = f"{pieces[-1]}\n{line}" if pieces[-1] else line
    return [piece for piece in pieces if piece]


async def send(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Send to the chat of the update; a text too long for one message goes in several, the
    buttons under the last."""
    *first, last = in_pieces(text) or [text]
    for piece in first:
        await update.effective_chat.send_message(piece)
    await update.effective_chat.send_message(last, reply_markup=markup)


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer the update (a message or a pressed button) in its chat."""
    if update.callback_query:
        await update.callback_query.answer()
    await send(update, text, markup)


def date_problem(texts: dict, problem: str | None, **fields) -> str | None:
    """The text of a date problem (a key from domain.dates) in a conversation's `texts`, or None
    for no problem. Every such text may also name the years a date is read in: {first}, {last}.
    Its dates are in the reader's words, but for {example}: an example of what to type, in the
    format the text names (YYYY-MM-DD)."""
    return problem and texts[problem].format(first=FIRST_YEAR, last=LAST_YEAR,
                                             **dict(dated(fields), example=fields.get("example")))


async def mark_chosen(query: CallbackQuery, answer: str, prompt: str | None = None) -> None:
    """Show the answer under the question that was asked and take its buttons away."""
    if prompt is None:
        prompt = getattr(query.message, "text", None) or ""
    await query.edit_message_text(COMMON["chosen"].format(prompt=prompt, answer=answer))


def with_note(note: str, text: str) -> str:
    """A question asked again, under the note that says why (a warning, a problem)."""
    return f"⚠ {note}\n\n{text}" if note else text


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button from an earlier step, or one no longer valid: say so and stay where we are."""
    await update.callback_query.answer(COMMON["stale_button"])


ISO_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*$")


def read_date(text: str) -> date | None:
    """A date typed as YYYY-MM-DD (or 2026年11月26日, full-width digits too) in the years a
    trial record may hold, or None (so no later arithmetic on it can leave the calendar)."""
    match = ISO_DATE.match(plain(text or ""))
    if not match:
        return None
    try:
        day = date.fromisoformat(match.group(1))
    except ValueError:
        return None
    return day if within_years(day) else None


SCREENING_NUMBER = re.compile(r"^S-?0*(\d{1,4})$", re.IGNORECASE)


def screening_number(text: str) -> str:
    """'s-4' or 'S004' -> 'S-004'; anything else is returned as typed (upper case)."""
    match = SCREENING_NUMBER.match(text.strip())
    return f"S-{int(match.group(1)):03d}" if match else text.strip().upper()


PARTICIPANT_NUMBER = re.compile(r"^\s*(?:P-?)?0*(\d{1,3})\s*$", re.IGNORECASE)


def participant_number(text: str) -> str | None:
    """'p3', 'P3', 'P-03', '3' -> 'P-03' (every command reads participant numbers this way);
    None if it does not look like a participant number."""
    match = PARTICIPANT_NUMBER.match(text or "")
    return f"P-{int(match.group(1)):02d}" if match else None


def whole_number(text: str | None, digits: int = 9) -> int | None:
    """A whole number typed or carried by a button (at most `digits` decimal digits), or None:
    never a crash on '²', '-1', '1e5' or a 40-digit forgery."""
    text = (text or "").strip()
    return int(text) if text.isdecimal() and len(text) <= digits else None


def command_argument(context: ContextTypes.DEFAULT_TYPE) -> str:
    return " ".join(context.args or []).strip()


# Each form (screening, enrollment, DLT report) is a conversation in its own handler group, so a
# coordinator may leave one open and start another. Typed text belongs to the form opened last:
# the others keep their place and ignore it.
def opens(form: str):
    """Decorator for a callback that makes `form` the one typed text goes to."""
    def decorate(callback):
        @functools.wraps(callback)
        async def opening(update: Update, context: ContextTypes.DEFAULT_TYPE):
            before = context.user_data.get("form")
            context.user_data["form"] = form
            state = await callback(update, context)
            if state == ConversationHandler.END and before is not None:
                context.user_data["form"] = before  # refused or done: the earlier form goes on
            return state
        return opening
    return decorate


def typed_for(form: str):
    """Decorator for a typed-text callback: it runs only while `form` is the current form."""
    def decorate(callback):
        @functools.wraps(callback)
        async def checked(update: Update, context: ContextTypes.DEFAULT_TYPE):
            if context.user_data.get("form") != form:
                return None  # stay in this state: the text was meant for another form
            return await callback(update, context)
        return checked
    return decorate
