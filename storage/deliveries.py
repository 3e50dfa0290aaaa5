"""The life of a delivery row (one alert, one chat): pending -> sending -> sent or undeliverable.

A sender claims a row before sending it and marks it after, each in its own short transaction:
the claim is one UPDATE ... RETURNING under BEGIN IMMEDIATE, so two senders (in one process or
two) never hold the same row. A claim is a lease: a row whose sender died mid-send becomes
claimable again once the lease has run out. Rows of one chat go out in order: a row waits while
an earlier row of its chat is pending or being sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from storage.database import one, rows_of, rows_where, stamp, transaction

LEASE = timedelta(minutes=2)  # longer than any send may take (the sender gives up before)

CLAIM = """
UPDATE alert_deliveries
SET status = 'sending', claimed_by = :worker, claimed_at = :now, attempts = attempts + 1
WHERE id = (
    SELECT d.id FROM alert_deliveries d
    WHERE ((d.status = 'pending' AND d.next_attempt_at <= :now)
           OR (d.status = 'sending' AND d.claimed_at <= :expired))
      AND NOT EXISTS (
          SELECT 1 FROM alert_deliveries e
          WHERE e.chat_id = d.chat_id AND e.id < d.id AND e.status IN ('pending', 'sending'))
    ORDER BY d.id LIMIT 1)
RETURNING *
"""

def _times(at: datetime) -> dict:
    return {"now": stamp(at), "expired": stamp(at - LEASE)}


def claim_next(db: Database, worker: str, at: datetime) -> dict | None:
    """Claim the oldest row that is due (or whose lease has run out) for `worker`."""
    with transaction(db):
        rows = rows_of(db, CLAIM, {"worker": worker, **_times(at)})
    return rows[0] if rows else None


def _finish(db: Database, delivery_id: int, worker: str, changes: dict, at: datetime) -> bool:
    """Apply `changes` to a row this worker still holds; the alert is done when every row is."""
    assignments = ", ".join(f"{column} = :{column}" for column in changes)
    with transaction(db):
        cursor = db.execute(
            f"UPDATE alert_deliveries SET {assignments}, claimed_by = NULL, claimed_at = NULL"
            " WHERE id = :id AND status = 'sending' AND claimed_by = :worker",
            {**changes, "id": delivery_id, "worker": worker})
        if cursor.rowcount == 0:
            return False
        db.execute(
            "UPDATE alerts SET delivered_at = :at WHERE delivered_at IS NULL AND id ="
            " (SELECT alert FROM alert_deliveries WHERE id = :id) AND NOT EXISTS ("
            "  SELECT 1 FROM alert_deliveries WHERE alert = alerts.id"
            "  AND status IN ('pending', 'sending'))",
            {"at": stamp(at), "id": delivery_id})
        return True


def mark_sent(db: Database, delivery_id: int, worker: str, *, message_id: int, text: str,
              at: datetime) -> bool:
    """The Bot API accepted the message; False if this worker no longer held the row."""
    return _finish(db, delivery_id, worker, {
        "status": "sent", "message_id": message_id, "sent_text": text, "sent_at": stamp(at),
        "last_error": None}, at)


def mark_retry(db: Database, delivery_id: int, worker: str, *, error: str,
               next_attempt: datetime) -> bool:
    """Not sent this time: pending again, due at `next_attempt`."""
    return _finish(db, delivery_id, worker, {
        "status": "pending", "next_attempt_at": stamp(next_attempt), "last_error": error},
        next_attempt)


def mark_undeliverable(db: Database, delivery_id: int, worker: str, *, error: str,
                       at: datetime) -> bool:
    """Telegram refuses this chat for good (the bot was blocked, the chat is gone)."""
    return _finish(db, delivery_id, worker, {"status": "undeliverable", "last_error": error}, at)


def get_delivery(db: Database, delivery_id: int) -> dict | None:
    return one(db, "SELECT * FROM alert_deliveries WHERE id = ?", [delivery_id])


def deliveries_of(db: Database, alert_id: int) -> list[dict]:
    """Every delivery row of an alert, in the order they were written."""
    return rows_where(db, "alert_deliveries", "alert = ?", [alert_id], order_by="id")


def open_notice_about(db: Database, chat_id: int) -> bool:
    """Whether the admins already have an unacknowledged notice that `chat_id` is unreachable."""
    return one(db, "SELECT 1 AS found FROM alerts WHERE kind = 'undeliverable'"
                   " AND acknowledged_at IS NULL AND json_extract(params, '$.chat') = ?",
               [chat_id]) is not None
