"""The alert outbox: alerts are written in the same transaction as the record that raised them,
as a kind and its parameters, and a sender words and delivers them later."""

from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from storage.audit import record_change
from storage.database import from_json, now, one, to_json, transaction


@dataclass
class AlertDraft:
    """An alert to send: `recipients` is a role name like "investigator", or "all"; `params`
    fill in the sentence its `kind` names."""

    kind: str
    recipients: str
    params: dict[str, Any] = field(default_factory=dict)


def add_alert(db: Database, draft: AlertDraft) -> dict:
    """Queue an alert; joins the caller's transaction when one is open."""
    row = {
        "kind": draft.kind,
        "params": to_json(draft.params),
        "recipients": draft.recipients,
        "created_at": now(),
        "attempts": 0,
    }
    with transaction(db):
        alert_id = db["alerts"].insert(row).last_pk
        return get_alert(db, alert_id)


def _decoded(row: dict) -> dict:
    return dict(row, params=from_json(row["params"]))


def get_alert(db: Database, alert_id: int) -> dict | None:
    row = one(db, "SELECT * FROM alerts WHERE id = ?", [alert_id])
    return _decoded(row) if row else None


def alerts(db: Database) -> list[dict]:
    """Every alert, oldest first."""
    return [_decoded(row) for row in db["alerts"].rows_where(order_by="id")]


def pending_alerts(db: Database) -> list[dict]:
    """Alerts not delivered yet, oldest first."""
    return [_decoded(row) for row in db["alerts"].rows_where("delivered_at IS NULL",
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
