"""Who may use the bot: the staff list, adding and deactivating staff (admins, or the shell)."""

from __future__ import annotations

from typing import Any

from domain.reasons import Refused
from storage.roles import ROLES
from storage.staff import active_staff, add_staff, deactivate_staff, list_staff, set_language
from storage.usecases.escalation import require_role
from storage.usecases.trial import Trial


def staff_member(trial: Trial, user_id: int) -> dict | None:
    """The active staff member with this Telegram user id, or None."""
    return active_staff(trial.db, user_id)


def everyone(trial: Trial) -> list[dict]:
    return list_staff(trial.db)


def add_member(trial: Trial, *, user_id: int, name: str, role: str, actor: Any) -> dict:
    """Add, rename, reactivate or change the role of a staff member (an admin does it)."""
    require_role(trial, actor, "admin")
    if role not in ROLES:
        raise Refused("unknown_role", role=role)
    return add_staff(trial.db, user_id=user_id, name=name, role=role, actor=actor)


def deactivate_member(trial: Trial, *, user_id: int, actor: Any) -> None:
    """Stop serving a staff member (an admin does it; never themself)."""
    require_role(trial, actor, "admin")
    if user_id == actor:
        raise Refused("not_self")
    if not deactivate_staff(trial.db, user_id, actor=actor):
        raise Refused("no_active_staff", user_id=user_id)


def choose_language(trial: Trial, *, user_id: int, language: str) -> dict:
    """A staff member's own language (from Telegram's language_code at the first contact, or
    /language); the record keeps only the code."""
    if active_staff(trial.db, user_id) is None:
        raise Refused("no_active_staff", user_id=user_id)
    return set_language(trial.db, user_id, language, actor=user_id)
