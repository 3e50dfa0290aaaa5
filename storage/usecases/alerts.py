"""Alerts reaching people: what a sender claims and marks, acknowledging an alert, the alerts
nobody has acknowledged yet, and what an alert shows with it when it is sent (the 3+3 now, the
step to confirm, who acknowledged it).

A delivery row is claimed before it is sent and marked after (storage/deliveries.py), so two
senders never send one row twice. Telegram refusing a chat for good marks that row
undeliverable and tells the admins, in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel

from domain.escalation import HistoryError
from domain.reasons import Reason, Refused
from storage.database import to_date, transaction
from storage.deliveries import (
    claim_next,
    deliveries_of,
    mark_retry,
    mark_sent,
    mark_undeliverable,
    open_notice_about,
)
from storage.outbox import FULL, AlertDraft, acknowledge, get_alert, route_of, unacknowledged_alerts
from storage.participants import participant
from storage.staff import get_staff
from storage.usecases.escalation import needs_confirmation, require_role, step_level
from storage.usecases.trial import Trial

# How long a row waits after its n-th failed attempt (the last wait repeats): a Bot API that
# is down for an hour delivers within minutes of coming back, without hammering it meanwhile.
BACKOFF = (timedelta(seconds=10), timedelta(seconds=30), timedelta(minutes=1),
           timedelta(minutes=2), timedelta(minutes=5))

# The 3+3 step an investigator confirms after each kind of engine alert.
STEP_OF_KIND = {"escalation-allowed": "escalate", "cohort-must-expand": "expand",
                "de-escalate": "de-escalate", "mtd-declared": "mtd",
                "top-dose-cleared": "top-dose-cleared", "no-tolerated-dose": "no-tolerated-dose"}

# Alerts about one DLT report: sent with the onset day and what the 3+3 rules say now.
ABOUT_A_REPORT = ("dlt", "dlt-revised")


class Acknowledgement(BaseModel):
    who: str
    when: str  # the site's local time


class Outgoing(BaseModel):
    """A claimed delivery row, with all its message needs: the alert, the version for this
    chat, and (for an investigator's full copy) the buttons it may carry."""

    id: int
    chat_id: int
    audience: str
    attempts: int
    alert: dict
    may_acknowledge: bool
    acknowledged: Acknowledgement | None = None
    confirm: tuple[str, int] | None = None  # (action, level) of the step to confirm
    onset_day: int | None = None
    now: Reason | None = None  # what the 3+3 rules say now


class Acknowledged(BaseModel):
    alert: int
    new: bool  # False: it had been acknowledged already (nothing changed)
    by: Acknowledgement


class Copy(BaseModel):
    """A sent copy of an alert: where it is and what it says."""

    chat_id: int
    message_id: int
    audience: str
    text: str
    confirm: tuple[str, int] | None = None


# --- sending ------------------------------------------------------------------------------

def claim_delivery(trial: Trial, worker: str) -> Outgoing | None:
    """The oldest delivery due now, claimed for `worker`, or None when nothing is due."""
    row = claim_next(trial.db, worker, trial.clock())
    if row is None:
        return None
    alert = get_alert(trial.db, row["alert"])
    may_acknowledge = row["audience"] == FULL and is_investigator(trial, row["chat_id"]) and \
        not is_personal(alert)
    outgoing = Outgoing(id=row["id"], chat_id=row["chat_id"], audience=row["audience"],
                        attempts=row["attempts"], alert=alert, may_acknowledge=may_acknowledge,
                        acknowledged=acknowledgement(trial, alert))
    if row["audience"] == FULL:
        outgoing.confirm = step_to_confirm(trial, alert) if may_acknowledge else None
        outgoing.onset_day, outgoing.now = report_context(trial, alert)
    return outgoing


def sent(trial: Trial, outgoing: Outgoing, worker: str, *, message_id: int, text: str) -> bool:
    """The Bot API took the message; False if this worker had lost the row meanwhile."""
    return mark_sent(trial.db, outgoing.id, worker, message_id=message_id, text=text,
                     at=trial.clock())


def retry_later(trial: Trial, outgoing: Outgoing, worker: str, *, error: str,
                wait: timedelta | None = None) -> None:
    """Not sent this time: due again after the backoff, or after `wait` if Telegram asked."""
    backoff = BACKOFF[min(outgoing.attempts, len(BACKOFF)) - 1]
    mark_retry(trial.db, outgoing.id, worker, error=error,
               next_attempt=trial.clock() + max(backoff, wait or timedelta()))


def undeliverable(trial: Trial, outgoing: Outgoing, worker: str, *, error: str) -> None:
    """Telegram refuses this chat for good: the row is undeliverable and, in the same
    transaction, the admins are told (once while an earlier notice is unacknowledged)."""
    alert = outgoing.alert
    with transaction(trial.db):
        if not mark_undeliverable(trial.db, outgoing.id, worker, error=error, at=trial.clock()):
            return
        if alert["kind"] == "undeliverable" or open_notice_about(trial.db, outgoing.chat_id):
            return
        person = get_staff(trial.db, outgoing.chat_id)
        trial.alert(AlertDraft("undeliverable", "admin", {
            "chat": outgoing.chat_id, "who": person["name"] if person else None,
            "error": error, "alert": alert["id"], "kind": alert["kind"]}),
            actor=outgoing.chat_id)


# --- what an alert shows with it ----------------------------------------------------------

def is_personal(alert: dict) -> bool:
    """A reminder for one staff member (its recipients are a user id): not acknowledged."""
    return alert["recipients"].isdigit()


def is_investigator(trial: Trial, chat_id: int) -> bool:
    try:
        require_role(trial, chat_id, "investigator")
    except Refused:
        return False
    return True


def acknowledgement(trial: Trial, alert: dict) -> Acknowledgement | None:
    if alert["acknowledged_at"] is None:
        return None
    return Acknowledgement(who=trial.staff_name(alert["acknowledged_by"]),
                           when=trial.local_time(alert["acknowledged_at"]))


def step_to_confirm(trial: Trial, alert: dict) -> tuple[str, int] | None:
    """The 3+3 step an investigator may confirm from this alert: the step of its kind, if that
    is the step in progress and nobody has confirmed it yet."""
    if alert["kind"] not in STEP_OF_KIND:
        return None
    decision = trial.decision_if_readable()
    if decision is None or STEP_OF_KIND[alert["kind"]] != decision.action:
        return None
    return (decision.action, step_level(decision)) if needs_confirmation(trial, decision) else None


def escalation_now(trial: Trial) -> Reason:
    """What the 3+3 rules say now (or why they cannot say it)."""
    try:
        return trial.decision().reason
    except HistoryError as error:
        return Reason(code="refusal.history_unreadable", params={"error": error.reason})


def report_context(trial: Trial, alert: dict) -> tuple[int | None, Reason | None]:
    """For an alert about a DLT report: the onset day after the infusion and the 3+3 now."""
    if alert["kind"] not in ABOUT_A_REPORT:
        return None, None
    found = participant(trial.db, alert["params"].get("number", ""))
    onset = to_date(alert["params"].get("onset"))
    day = (onset - found["infusion_date"]).days if found and onset else None
    return day, escalation_now(trial)


def acknowledged(trial: Trial, alert_id: int) -> Acknowledgement | None:
    """Who acknowledged an alert and when, if anyone has."""
    return acknowledgement(trial, get_alert(trial.db, alert_id))


# --- acknowledging ------------------------------------------------------------------------

def acknowledge_alert(trial: Trial, *, alert_id: int, actor: Any) -> Acknowledged:
    """An investigator (or admin) acknowledges an alert; audited. A second press changes
    nothing and says who acknowledged it first."""
    with transaction(trial.db):
        require_role(trial, actor, "investigator")
        if get_alert(trial.db, alert_id) is None:
            raise Refused("no_alert", alert=alert_id)
        new = acknowledge(trial.db, alert_id, by=actor)
        alert = get_alert(trial.db, alert_id)
    return Acknowledged(alert=alert_id, new=new, by=acknowledgement(trial, alert))


def sent_copies(trial: Trial, alert_id: int) -> list[Copy]:
    """Every sent copy of an alert, with the step an investigator's copy may still confirm."""
    alert = get_alert(trial.db, alert_id)
    step = step_to_confirm(trial, alert)
    return [Copy(chat_id=row["chat_id"], message_id=row["message_id"], audience=row["audience"],
                 text=row["sent_text"] or "",
                 confirm=step if row["audience"] == FULL and is_investigator(
                     trial, row["chat_id"]) else None)
            for row in deliveries_of(trial.db, alert_id)
            if row["status"] == "sent" and row["message_id"] is not None]


def unacknowledged(trial: Trial, *, actor: Any) -> list[dict]:
    """The alerts nobody has acknowledged yet that this investigator (or admin) is sent."""
    role = require_role(trial, actor, "investigator")["role"]
    return [alert for alert in unacknowledged_alerts(trial.db)
            if not is_personal(alert) and role in route_of(
                AlertDraft(alert["kind"], alert["recipients"], alert["params"]))]
