"""/staff: admins add, list and deactivate staff from the chat (also `trialbot staff`)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from handlers.access import ROLE_ORDER, requires
from handlers.common import reply, trial_of
from handlers.texts import ADMIN as T
from storage.roles import read_user_id
from storage.staff import add_staff, deactivate_staff, list_staff


def staff_list(db) -> str:
    return "\n".join(
        T["line"].format(user_id=s["user_id"], role=s["role"], name=s["name"],
                         state=T["active"] if s["active"] else T["inactive"])
        for s in list_staff(db))


def add(db, actor: int, args: list[str]) -> str:
    user_id = read_user_id(args[0]) if len(args) >= 3 else None
    if user_id is None:
        return T["bad_id"]
    role, name = args[1].lower(), " ".join(args[2:])
    if role not in ROLE_ORDER:
        return T["bad_role"].format(role=role)
    add_staff(db, user_id=user_id, name=name, role=role, actor=actor)
    return T["added"].format(name=name, user_id=user_id, role=role)


def deactivate(db, actor: int, args: list[str]) -> str:
    user_id = read_user_id(args[0]) if len(args) == 1 else None
    if user_id is None:
        return T["bad_id"]
    if user_id == actor:
        return T["not_self"]
    if not deactivate_staff(db, user_id, actor=actor):
        return T["not_found"].format(user_id=user_id)
    return T["deactivated"].format(user_id=user_id)


@requires("admin")
async def staff(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    db, args, actor = trial_of(context).db, context.args or [], update.effective_user.id
    action = args[0].lower() if args else ""
    if action == "list":
        text = staff_list(db)
    elif action == "add":
        text = add(db, actor, args[1:])
    elif action == "deactivate":
        text = deactivate(db, actor, args[1:])
    else:
        text = T["usage"]
    await reply(update, text)


def handlers() -> list:
    return [CommandHandler("staff", staff)]
