"""The services every use case works with: the database, the protocol, the site's laboratory
limits and units and its time zone, and the clock (replaceable, so reminders can be tested on
any day)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from domain.dosing import underdosed
from domain.escalation import (
    Decision,
    Enrolment,
    HistoryError,
    Outcome,
    decide,
    format_history,
    outcome_on,
)
from domain.protocol import Protocol
from domain.questions import Context
from domain.reasons import Refused  # noqa: F401  (re-exported for use cases)
from domain.site import LabUnits, UpperLimits
from storage.outbox import AlertDraft, add_alert
from storage.participants import history_rows
from storage.staff import get_staff


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Trial:
    db: Database
    protocol: Protocol
    upper_limits: UpperLimits
    timezone: ZoneInfo
    clock: Callable[[], datetime] = field(default=utc_now)
    site: str = "01"  # the site's number in the study (SDTM SITEID), for exports
    alert_chat: int | None = None  # a group chat that gets a copy of each alert (numbers only)
    # Called when an alert has been queued (the bot starts its sender: the sender's first step
    # can only run once the use case, which never awaits, has committed).
    on_alert: Callable[[], None] | None = None
    lab_units: LabUnits = field(default_factory=LabUnits)  # the site laboratory's units
    # Verdicts judged lately, by the answers judged (storage/usecases/screening.py assessed).
    verdicts: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def context(self) -> Context:
        return Context(self.protocol, self.upper_limits, self.lab_units)

    def now(self) -> datetime:
        """The site's local time now."""
        return self.clock().astimezone(self.timezone)

    def today(self) -> date:
        return self.now().date()

    def local_time(self, stored: str) -> str:
        """A stored UTC timestamp as the site's local time, '2026-11-25 20:53'."""
        return datetime.fromisoformat(stored).astimezone(self.timezone).strftime("%Y-%m-%d %H:%M")

    def local_day(self, stored: str) -> date:
        """The site's calendar day of a stored UTC timestamp."""
        return datetime.fromisoformat(stored).astimezone(self.timezone).date()

    def staff_name(self, actor: str) -> str:
        """Who did something, by name where the actor is a staff member's Telegram id."""
        found = get_staff(self.db, int(actor)) if str(actor).isdigit() else None
        return found["name"] if found else str(actor)

    def outcome(self, row: dict) -> Outcome:
        """One participant's DLT outcome as known today (a row of history_rows): pending until
        an investigator confirms the evaluation, not evaluable when underdosed."""
        return outcome_on(
            has_dlt=row["has_dlt"], withdrawn_on=row["withdrawn_on"],
            dlt_window_end=row["dlt_window_end"], today=self.today(),
            evaluated=row["evaluated"], underdosed=self.underdosed(row))

    def underdosed(self, row: dict) -> bool:
        """Less than the protocol's minimum fraction of the target dose infused."""
        return underdosed(row["infused_cells"], row["total_cells"],
                          self.protocol.escalation.min_dose_fraction)

    def enrolments(self, rows: list[dict] | None = None) -> list[Enrolment]:
        """The escalation history as the 3+3 engine reads it, outcomes as known today."""
        rows = history_rows(self.db) if rows is None else rows
        return [Enrolment(dose_level=row["dose_level"], expansion=bool(row["expansion"]),
                          outcome=self.outcome(row)) for row in rows]

    def decision(self, rows: list[dict] | None = None) -> Decision:
        """The 3+3 answer; the protocol's spacing counts from the latest infusion, as given
        where it is recorded, else as planned."""
        rows = history_rows(self.db) if rows is None else rows
        last_infusion = max((row["infusion_day"] for row in rows), default=None)
        return decide(self.protocol, self.enrolments(rows), last_infusion=last_infusion)

    def decision_if_readable(self, rows: list[dict] | None = None) -> Decision | None:
        """The 3+3 answer now, or None when the recorded history no longer fits the design."""
        try:
            return self.decision(rows)
        except HistoryError:
            return None

    def alert(self, draft: AlertDraft, *, actor: Any = None) -> dict:
        """Queue an alert with its deliveries, inside the caller's transaction: to whom the
        routing table says, except the staff member whose action raised it (`actor`), plus
        the alert group chat if there is one."""
        alert = add_alert(self.db, draft, actor=actor, group_chat=self.alert_chat,
                          at=self.clock())
        if self.on_alert is not None:
            self.on_alert()
        return alert

    def history_text(self, rows: list[dict] | None = None) -> str:
        return format_history(self.enrolments(rows))
