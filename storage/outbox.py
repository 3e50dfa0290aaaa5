"""The alert outbox: alerts are written in the same transaction as the record that raised them,
as a kind and its parameters, together with one delivery row per recipient; a sender words and
delivers them later (storage/deliveries.py has the delivery rows' life)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from domain.audiences import FULL, GROUP, STEP
from storage.audit import record_change
from storage.database import (
    from_json,
    insert_row,
    now,
    one,
    rows_where,
    stamp,
    to_json,
    transaction,
)
from storage.roles import ROLES
from storage.staff import staff_with_roles


@dataclass
class AlertDraft:
    """An alert to send: `recipients` is a role name like "investigator", "all", or one staff
    member's user id; `params` fill in the sentence its `kind` names."""

    kind: str
    recipients: str
    params: dict[str, Any] = field(default_factory=dict)


# The versions of an alert: in full; the 3+3 step only (participant number and step, no event,
# grade or other clinical detail: for coordinators); the alert group's copy (participant
# numbers only).

# Who receives each kind of alert, and which version: by staff role (an admin may do what an
# investigator may, so admins are told what investigators are told) and "group" for the
# optional alert group chat. A kind not listed goes in full to the role its draft names and
# every role above it (else to everyone), or to the one staff member whose user id it names.
TO_INVESTIGATORS = {"investigator": FULL, "admin": FULL, "group": GROUP}
STEP_TO_COORDINATORS = {**TO_INVESTIGATORS, "coordinator": STEP}
TO_EVERYONE = {**TO_INVESTIGATORS, "coordinator": FULL}
ROUTES: dict[str, dict[str, str]] = {
    "enrolled": TO_INVESTIGATORS,
    "dlt": TO_INVESTIGATORS,
    "dlt-revised": TO_INVESTIGATORS,
    "withdrawn": TO_INVESTIGATORS,
    "infusion-moved": TO_INVESTIGATORS,
    "intermediate-dose-may-be-chosen": TO_INVESTIGATORS,
    "windows-ending": TO_INVESTIGATORS,
    "evaluation-overdue": TO_INVESTIGATORS,
    # the 3+3 steps that change whom coordinators may enrol, and a history that stops enrolment
    "cohort-must-expand": STEP_TO_COORDINATORS,
    "dose-exceeds-mtd": STEP_TO_COORDINATORS,
    "de-escalate": STEP_TO_COORDINATORS,
    "escalation-allowed": STEP_TO_COORDINATORS,
    "mtd-declared": STEP_TO_COORDINATORS,
    "no-tolerated-dose": STEP_TO_COORDINATORS,
    "top-dose-cleared": STEP_TO_COORDINATORS,
    "history-conflict": STEP_TO_COORDINATORS,
    "cap-stops-step": STEP_TO_COORDINATORS,
    "escalation-ended-at-cap": STEP_TO_COORDINATORS,
    "expansion-opened": TO_EVERYONE,
    "step-confirmed": TO_EVERYONE,
    "cap-reached": TO_EVERYONE,
    "places-left": TO_EVERYONE,
    "undeliverable": {"admin": FULL},
}


def route_of(draft: AlertDraft) -> dict[str, str]:
    """Role (or "group") -> version, for a draft whose recipients are not one person."""
    if draft.kind in ROUTES:
        return ROUTES[draft.kind]
    named = ROLES[ROLES.index(draft.recipients):] if draft.recipients in ROLES else ROLES
    return {role: FULL for role in named}


def recipients_of(db: Database, draft: AlertDraft, *, actor: Any = None,
                  group_chat: int | None = None) -> dict[int, str]:
    """chat id -> version. The staff member whose action raised the alert (`actor`) already
    has the answer on screen and is not sent it again."""
    if draft.recipients.isdigit():
        return {int(draft.recipients): FULL}
    route = route_of(draft)
    chats = {person["user_id"]: route[person["role"]]
             for person in staff_with_roles(db, "all")
             if person["role"] in route and str(person["user_id"]) != str(actor)}
    if group_chat is not None and GROUP in route:
        chats[group_chat] = GROUP
    return chats


def add_alert(db: Database, draft: AlertDraft, *, actor: Any = None,
              group_chat: int | None = None, at: datetime | None = None) -> dict:
    """Queue an alert and its deliveries, due at `at` (now); joins the caller's transaction
    when one is open. An alert is delivered (delivered_at) once each of its rows is sent or
    undeliverable; one with no recipient at all stays undelivered (and in /alerts)."""
    due = stamp(at or datetime.now(UTC))
    row = {
        "kind": draft.kind,
        "params": to_json(draft.params),
        "recipients": draft.recipients,
        "created_at": now(),
        "attempts": 0,
    }
    with transaction(db):
        alert_id = insert_row(db, "alerts", row)
        chats = recipients_of(db, draft, actor=actor, group_chat=group_chat)
        for chat_id, audience in chats.items():
            insert_row(db, "alert_deliveries", {
                "alert": alert_id, "chat_id": chat_id, "audience": audience,
                "status": "pending", "attempts": 0, "next_attempt_at": due})
        return get_alert(db, alert_id)


def _decoded(row: dict) -> dict:
    return dict(row, params=from_json(row["params"]))


def get_alert(db: Database, alert_id: int) -> dict | None:
    row = one(db, "SELECT * FROM alerts WHERE id = ?", [alert_id])
    return _decoded(row) if row else None


def alerts(db: Database) -> list[dict]:
    """Every alert, oldest first."""
    return [_decoded(row) for row in rows_where(db, "alerts", order_by="id")]


def pending_alerts(db: Database) -> list[dict]:
    """Alerts not delivered yet, oldest first."""
    return [_decoded(row) for row in rows_where(db, "alerts", "delivered_at IS NULL",
                                                             order_by="id")]


def unacknowledged_alerts(db: Database) -> list[dict]:
    """Alerts nobody has acknowledged, oldest first."""
    return [_decoded(row) for row in rows_where(db, "alerts", "acknowledged_at IS NULL",
                                                             order_by="id")]


def mark_delivered(db: Database, alert_id: int) -> None:
    db.execute(
        "UPDATE alerts SET delivered_at = ?, attempts = attempts + 1, last_error = NULL"
        " WHERE id = ? AND delivered_at IS NULL",
        [now(), alert_id],
    )


def mark_failed(db: Database, alert_id: int, error: str) -> None:
    db.execute(
        "UPDATE alerts SET attempts = attempts + 1, last_error = ? WHERE id = ?",
        [str(error), alert_id],
    )


def acknowledge(db: Database, alert_id: int, *, by: Any) -> bool:
    """Record who acknowledged an alert; False if it was already acknowledged (or unknown)."""
    with transaction(db):
        alert = get_alert(db, alert_id)
        if alert is None or alert["acknowledged_at"] is not None:
            return False
        db["alerts"].update(alert_id, {"acknowledged_at": now(), "acknowledged_by": str(by)})
        record_change(
            db, actor=by, table="alerts", record=alert_id, field="acknowledged_by", old=None, new=by
        )
        return True


def raised_on(db: Database, kind: str, day: str) -> bool:
    """Whether an alert of `kind` was already raised for the local day `day` (its "day")."""
    return one(db, "SELECT 1 AS found FROM alerts WHERE kind = ? AND"
                   " json_extract(params, '$.day') = ?", [kind, day]) is not None
