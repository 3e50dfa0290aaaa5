"""/staff: admins add, list and deactivate staff from the chat (also `trialbot staff`)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from domain.reasons import Refused
from handlers.access import requires
from handlers.common import Trial, reply, trial_of
from handlers.texts import ADMIN as T
from handlers.wording import say
from storage.roles import read_user_id
from storage.usecases.staff import add_member, deactivate_member, everyone

REFUSALS = {"refusal.unknown_role": "bad_role", "refusal.not_self": "not_self",
            "refusal.no_active_staff": "not_found"}


def staff_list(trial: Trial, actor: int, args: list[str]) -> str:
    return "\n".join(
        T["line"].format(user_id=s["user_id"], role=s["role"], name=s["name"],
                         state=T["active"] if s["active"] else T["inactive"])
        for s in everyone(trial))


def add(trial: Trial, actor: int, args: list[str]) -> str:
    user_id = read_user_id(args[0]) if len(args) >= 3 else None
    if user_id is None:
        return T["bad_id"]
    role, name = args[1].lower(), " ".join(args[2:])
    add_member(trial, user_id=user_id, name=name, role=role, actor=actor)
    return T["added"].format(name=name, user_id=user_id, role=role)


def deactivate(trial: Trial, actor: int, args: list[str]) -> str:
    user_id = read_user_id(args[0]) if len(args) == 1 else None
    if user_id is None:
        return T["bad_id"]
    deactivate_member(trial, user_id=user_id, actor=actor)
    return T["deactivated"].format(user_id=user_id)


ACTIONS = {"list": staff_list, "add": add, "deactivate": deactivate}


@requires("admin")
async def staff(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    args = context.args or []
    action = ACTIONS.get(args[0].lower() if args else "")
    if action is None:
        await reply(update, T["usage"])
        return
    try:
        text = action(trial_of(context), update.effective_user.id, args[1:])
    except Refused as refused:
        key = REFUSALS.get(refused.reason.code)
        text = T[key].format(**refused.reason.params) if key else say(refused.reason)
    await reply(update, text)


def handlers() -> list:
    return [CommandHandler("staff", staff)]
