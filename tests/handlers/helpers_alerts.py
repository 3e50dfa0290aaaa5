"""Setup for the alert tests: the real Application, started (so its JobQueue runs), with a
second investigator, an alert group chat and a clock the test sets."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import UTC, datetime, time, timedelta

from handlers.delivery import sender_of
from storage.deliveries import deliveries_of
from storage.staff import add_staff
from tests.handlers.conftest import ADMIN, COORDINATOR, INVESTIGATOR, make_settings, start_app
from tests.handlers.helpers_enrollment import CLOSED, OPEN, enrol_directly, trial_of
from tests.storage.conftest import Clock
from tests.telegram_fake import FakeBotAPI, Sent

INVESTIGATOR2 = 1004
ALERT_GROUP = -100777
STAFF = {COORDINATOR: ("Coordinator Li", "coordinator"), INVESTIGATOR: ("Dr Mei", "investigator"),
         INVESTIGATOR2: ("Dr Chen", "investigator"), ADMIN: ("Admin Xie", "admin")}
ICONS = ("🔔", "⏰", "⚠")


def site_time(settings, hour: int, minute: int = 0, days: int = 0) -> datetime:
    """`hour`:`minute` at the site, `days` after today (the site's today), as a UTC time."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(settings.timezone)
    day = datetime.now(zone).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), zone).astimezone(UTC)


def alert_settings(tmp_path, **overrides):
    return make_settings(tmp_path, alert_chat=ALERT_GROUP, **overrides)


@asynccontextmanager
async def running_app(settings, clock: Clock | None = None, *, staff: bool = True,
                      start: bool = True):
    """The application, started (unless told not to), its clock at 07:00 at the site (before
    the daily reminders) unless given; staff added unless told not to (a restart finds them in
    the file)."""
    app = await start_app(settings)
    trial = trial_of(app)
    if staff:
        for user_id, (name, role) in STAFF.items():
            add_staff(trial.db, user_id=user_id, name=name, role=role, actor="test")
    trial.clock = clock or Clock(site_time(settings, 7))
    if start:
        await app.start()
    try:
        yield app
    finally:
        if app.running:
            await app.stop()
        await app.shutdown()


async def delivered(app) -> None:
    """Let the sender finish what it is doing, then send whatever is still due."""
    sender = sender_of(app)
    await sender.settle()
    await sender.deliver_due()


def fake_of(app) -> FakeBotAPI:
    return app.bot.request


def alerts_in(app, chat_id: int) -> list[Sent]:
    """The alert messages in a chat as they stand now: one for each message the Bot API took
    (whether or not its answer reached the bot)."""
    stored = fake_of(app).messages.get(chat_id, {})
    return [Sent.of("current", msg) for _, msg in sorted(stored.items())
            if (msg.get("text") or "").startswith(ICONS)]


def rows(app, alert_id: int) -> list[dict]:
    return deliveries_of(trial_of(app).db, alert_id)


def first_dl1_cohort(app) -> None:
    """P-01 and P-02 done without a DLT, P-03 still in the window: 1NNP."""
    enrol_directly(app, days_ago=CLOSED)
    enrol_directly(app, days_ago=CLOSED)
    enrol_directly(app, days_ago=OPEN)


async def report_crs(driver, participant: str = "P-03", by: int = INVESTIGATOR) -> Sent:
    """An investigator reports a grade 4 CRS today, judged a DLT; returns the saved reply."""
    today = trial_of(driver.app).today()
    await driver.send(by, "/dlt")
    await driver.send(by, participant)
    await driver.press(by, "CRS")
    await driver.press(by, "Grade 4")
    await driver.press(by, f"Today ({today})")
    await driver.press(by, "Probable")
    await driver.press(by, "It is a DLT")
    *_, saved = await driver.press(by, "✅ Save")
    return saved
