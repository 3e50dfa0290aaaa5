"""Staff accounts and roles; every change is audited."""

from typing import Any

from sqlite_utils import Database

from domain.languages import LANGUAGES
from storage.audit import record_change, record_insert
from storage.database import insert_row, now, one, read_once, rows_where, transaction
from storage.roles import ROLES


def add_staff(db: Database, *, user_id: int, name: str, role: str, actor: Any,
              language: str | None = None) -> dict:
    """Add a staff member, or reactivate / rename / change the role of an existing one (and
    their language, when given)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}")
    with transaction(db):
        old = get_staff(db, user_id)
        if old is None:
            row = {"name": name, "role": role, "active": True}
            if language is not None:
                row["language"] = language
            insert_row(db, "staff",
                       {"user_id": user_id, **row, "added_by": str(actor), "added_at": now()})
            record_insert(db, actor=actor, table="staff", record=user_id, row=row)
        else:
            changes = {"name": name, "role": role, "active": True}
            if language is not None:
                changes["language"] = language
            for field, new in changes.items():
                if old[field] != new:
                    record_change(
                        db,
                        actor=actor,
                        table="staff",
                        record=user_id,
                        field=field,
                        old=old[field],
                        new=new,
                    )
            db["staff"].update(user_id, changes)
        return get_staff(db, user_id)


def get_staff(db: Database, user_id: int) -> dict | None:
    """A staff member, active or not."""
    row = read_once(db, f"staff {user_id}", lambda: one(
        db, "SELECT * FROM staff WHERE user_id = ?", [user_id]))
    return _decoded(row) if row else None


def active_staff(db: Database, user_id: int) -> dict | None:
    """The staff member with this Telegram user id, if active."""
    row = get_staff(db, user_id)
    return row if row and row["active"] else None


def list_staff(db: Database) -> list[dict]:
    """Everyone, active or not, by name."""
    return [_decoded(row) for row in rows_where(db, "staff", order_by="name, user_id")]


def staff_with_roles(db: Database, roles: Any) -> list[dict]:
    """Active staff whose role is one of `roles` (a role name or several; "all" means all)."""
    wanted = {roles} if isinstance(roles, str) else set(roles)
    if "all" in wanted:
        wanted = set(ROLES)
    return [row for row in list_staff(db) if row["active"] and row["role"] in wanted]


def set_language(db: Database, user_id: int, language: str, *, actor: Any) -> dict:
    """The language a staff member reads the bot in (audited)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}")
    with transaction(db):
        old = get_staff(db, user_id)
        if old is not None and old["language"] != language:
            db["staff"].update(user_id, {"language": language})
            record_change(db, actor=actor, table="staff", record=user_id, field="language",
                          old=old["language"], new=language)
        return get_staff(db, user_id)


def deactivate_staff(db: Database, user_id: int, *, actor: Any) -> bool:
    """Deactivate a staff member; False if unknown or already inactive."""
    with transaction(db):
        row = active_staff(db, user_id)
        if row is None:
            return False
        db["staff"].update(user_id, {"active": False})
        record_change(
            db, actor=actor, table="staff", record=user_id, field="active", old=True, new=False
        )
        return True


def _decoded(row: dict) -> dict:
    return dict(row, active=bool(row["active"]))
