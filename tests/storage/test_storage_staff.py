import pytest

from storage.audit import audit_trail
from storage.staff import (
    active_staff,
    add_staff,
    deactivate_staff,
    list_staff,
    staff_with_roles,
)


def test_add_deactivate_and_reactivate_are_audited(db):
    added = add_staff(db, user_id=42, name="Dr Ops", role="investigator", actor="shell")
    assert added["active"] is True and added["role"] == "investigator"
    assert active_staff(db, 42)["name"] == "Dr Ops"

    assert deactivate_staff(db, 42, actor=7) is True
    assert deactivate_staff(db, 42, actor=7) is False
    assert active_staff(db, 42) is None
    assert list_staff(db)[0]["active"] is False

    add_staff(db, user_id=42, name="Dr Ops", role="admin", actor=7)
    assert active_staff(db, 42)["role"] == "admin"

    changes = [
        (r["field"], r["old_value"], r["new_value"], r["actor"])
        for r in audit_trail(db, "staff", 42)
    ]
    assert changes == [
        ("name", None, "Dr Ops", "shell"),
        ("role", None, "investigator", "shell"),
        ("active", None, True, "shell"),
        ("active", True, False, "7"),
        ("role", "investigator", "admin", "7"),
        ("active", False, True, "7"),
    ]


def test_invalid_role_is_refused_by_name(db):
    with pytest.raises(ValueError, match="'nurse'"):
        add_staff(db, user_id=1, name="X", role="nurse", actor="shell")
    assert list_staff(db) == []


def test_staff_with_roles_lists_active_only(db):
    add_staff(db, user_id=1, name="Ann", role="investigator", actor="shell")
    add_staff(db, user_id=2, name="Bob", role="investigator", actor="shell")
    add_staff(db, user_id=3, name="Cat", role="coordinator", actor="shell")
    deactivate_staff(db, 2, actor="shell")

    assert [s["user_id"] for s in staff_with_roles(db, ["investigator"])] == [1]
    assert [s["user_id"] for s in staff_with_roles(db, "all")] == [1, 3]
