"""The alert outbox: alerts are written in the same transaction as the record that raised them,
and a sender delivers them later."""

from dataclasses import asdict, dataclass, is_dataclass
from typing import Any

from sqlite_utils import Database

from storage.audit import record_change
from storage.database import now, one, transaction


@dataclass
class AlertDraft:
    """An alert to send: `recipients` is a role name like "investigator", or "all"."""

    kind: str
    text: str
    recipients: str


def add_alert(db: Database, draft: Any = None, /, **fields: Any) -> dict:
    """Queue an alert from an AlertDraft, a dict, or keyword arguments (kind, text, recipients).

    Joins the caller's transaction when one is open.
    """
    if is_dataclass(draft):
        fields = {**asdict(draft), **fields}
    elif draft is not None:
        fields = {**dict(draft), **fields}
    row = {
        "kind": str(fields["kind"]),
        "text": str(fields["text"]),
        "recipients": str(fields["recipients"]),
        "created_at": now(),
        "attempts": 0,
    }
    with transaction(db):
        alert_id = db["alerts"].insert(row).last_pk
        return get_alert(db, alert_id)


def get_alert(db: Database, alert_id: int) -> dict | None:
    return one(db, "SELECT * FROM alerts WHERE id = ?", [alert_id])


def alerts(db: Database) -> list[dict]:
    """Every alert, oldest first."""
    return list(db["alerts"].rows_where(order_by="id"))


def pending_alerts(db: Database) -> list[dict]:
    """Alerts not delivered yet, oldest first."""
    return list(db["alerts"].rows_where("delivered_at IS NULL", order_by="id"))


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
