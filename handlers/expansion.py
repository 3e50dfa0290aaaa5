"""/expansion DL1 (investigators): open case expansion at a cleared dose level once dose
escalation is over.

The bot shows what opening it means (the dose, the places left under the cap, the opening it
replaces) and asks for a Confirm press; the use case (storage.usecases.expansion) checks again at
the write who pressed and whether the level may still be expanded. Coordinators then enrol into
it with /enroll.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from domain.protocol import Protocol
from domain.reasons import Reason, Refused
from handlers.common import Trial, cells, command_argument, reply, trial_of
from handlers.enrollment import places_left
from handlers.forms import Form, pressed
from handlers.texts import EXPANSION as T
from handlers.wording import listed, moment, say
from storage.usecases.expansion import Offer, offer_expansion, open_expansion, possible_levels

FORM = Form("expansion", "expansion", "investigator", T, prefix="expansion")
REVIEW = "review"


def read_level(protocol: Protocol, typed: str) -> int | None:
    """'DL1', 'dl1' or '1' -> 1; None when the protocol has no such level."""
    wanted = typed.strip().upper()
    return next((dose.level for dose in protocol.dose_levels
                 if wanted in (dose.label.upper(), str(dose.level))), None)


def usage_text(trial: Trial) -> str:
    try:
        levels = possible_levels(trial)
    except Refused as refused:
        return T["usage_none"].format(reason=say(refused.reason))
    labels = [trial.protocol.dose_level(level).label for level in levels]
    return T["usage"].format(example=labels[-1], levels=listed(labels))


def question_text(offer: Offer) -> str:
    text = T["question"].format(label=offer.label, dose=cells(offer.cells_per_kg),
                                left=places_left(offer.places_left), cap=offer.cap)
    if offer.replaces:
        text += "\n" + T["replaces"].format(label=offer.replaces.label, new=offer.label,
                                            who=offer.replaces.opened_by,
                                            when=moment(offer.replaces.opened_at))
    return text


def refusal_text(reason: Reason) -> str:
    return T["refused"].format(reason=say(reason))


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    context.user_data.pop(FORM.name, None)
    trial, typed = trial_of(context), command_argument(context)
    if not typed:
        return await FORM.finish(update, context, usage_text(trial))
    level = read_level(trial.protocol, typed)
    if level is None:
        labels = listed(dose.label for dose in trial.protocol.dose_levels)
        return await FORM.finish(update, context, T["no_level"].format(
            typed=typed, protocol=trial.protocol.name, levels=labels))
    try:
        offer = offer_expansion(trial, level)
    except Refused as refused:
        return await FORM.finish(update, context, refusal_text(refused.reason))
    context.user_data[FORM.name] = {"level": level, "label": offer.label}
    await reply(update, question_text(offer), FORM.confirm_buttons())
    return REVIEW


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.callback_query.edit_message_reply_markup(None)
    level = FORM.answers(context)["level"]
    try:
        opened = open_expansion(trial_of(context), level=level, actor=update.effective_user.id)
    except Refused as refused:
        return await FORM.finish(update, context, refusal_text(refused.reason))
    offer = opened.offer
    return await FORM.finish(update, context, T["opened"].format(
        label=offer.label, left=places_left(offer.places_left), cap=offer.cap))


def handlers() -> list:
    return FORM.handlers(start, {REVIEW: [pressed("yes$", confirm)]})
