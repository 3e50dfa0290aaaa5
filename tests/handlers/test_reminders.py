"""Reminders from the JobQueue, through the real Application with a clock the test sets: DLT
windows ending today or tomorrow and overdue evaluations, on the site's local day, once a day
(and caught up at start); a form left open for a day, once, without blocking the next one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage.outbox import alerts
from storage.participants import set_withdrawal
from tests.handlers.conftest import ADMIN, COORDINATOR, INVESTIGATOR
from tests.handlers.helpers_alerts import (
    ALERT_GROUP,
    INVESTIGATOR2,
    alert_settings,
    alerts_in,
    delivered,
    running_app,
    site_time,
)
from tests.handlers.helpers_enrollment import dlt_directly, enrol_directly, trial_of
from tests.storage.conftest import Clock
from tests.telegram_fake import ChatDriver


def day(app, n: int = 0) -> str:
    return (trial_of(app).today() + timedelta(days=n)).isoformat()


def participants_around_today(app) -> None:
    """P-01's DLT window ends today, P-02's tomorrow, P-03's the day after; P-04's ended
    yesterday with no DLT; P-05's ended with a DLT; P-06 was withdrawn; P-07's infusion was
    planned for yesterday (nothing records whether it was given: issue 10)."""
    for days_ago in (28, 27, 26, 29, 31, 30, 1):  # no evaluation confirmed yet
        enrol_directly(app, days_ago=days_ago, evaluated=False)
    dlt_directly(app, "P-05", trial_of(app).today() - timedelta(days=20))
    set_withdrawal(trial_of(app).db, "P-06", on=trial_of(app).today() - timedelta(days=25),
                   reason="moved away", actor="test")


async def run_daily(app) -> None:
    job = app.job_queue.get_jobs_by_name("daily reminders")[0]
    await job.run(app)
    await delivered(app)


async def test_dlt_window_reminders_fire_on_the_site_s_day_once_a_day(tmp_path):
    # 06:30 in Shanghai is 22:30 UTC the day before: the site's day is the one that counts
    settings = alert_settings(tmp_path, reminder_time="06:00")
    clock = Clock(site_time(settings, 5, 30))
    async with running_app(settings, clock) as app:
        participants_around_today(app)
        await run_daily(app)
        assert alerts(trial_of(app).db) == []  # before the reminder time

        clock.at = site_time(settings, 6, 30)
        assert clock.at.astimezone(UTC).date().isoformat() == day(app, -1)
        await run_daily(app)

        ending, overdue = [s.text for s in alerts_in(app, INVESTIGATOR)]
        assert ending == (f"⏰ DLT windows ending: P-01 (DL1) today ({day(app)}), P-02 (DL1) "
                          f"tomorrow ({day(app, 1)}). Check each participant for DLTs before "
                          "the window closes; report one with /dlt.")
        assert overdue == (f"⏰ DLT evaluation overdue: the window has ended with no DLT "
                           f"recorded for P-04 (DL1, ended {day(app, -1)}). Check that no DLT "
                           "is missing (a late one is reported with /dlt), then confirm the "
                           "evaluation with /evaluate.")
        assert [s.labels for s in alerts_in(app, INVESTIGATOR)] == [["✔ Acknowledge"]] * 2
        assert [s.text for s in alerts_in(app, INVESTIGATOR2)] == [ending, overdue]
        assert len(alerts_in(app, ADMIN)) == 2 and alerts_in(app, COORDINATOR) == []
        assert [s.text for s in alerts_in(app, ALERT_GROUP)] == [
            "⏰ DLT windows ending: P-01, P-02. The details are in your private chat with the bot.",
            "⏰ DLT evaluation overdue: P-04. The details are in your private chat with the bot."]

        clock.at += timedelta(hours=10)  # the same day, later: nothing again
        await run_daily(app)
        assert len(alerts_in(app, INVESTIGATOR)) == 2

        clock.at = site_time(settings, 6, 30, days=1)  # the next day
        await run_daily(app)
        *_, ending, overdue = [s.text for s in alerts_in(app, INVESTIGATOR)]
        assert "P-02 (DL1) today" in ending and "P-03 (DL1) tomorrow" in ending
        assert "P-01 (DL1, ended" in overdue and "P-04 (DL1, ended" in overdue  # daily
        assert {a["kind"] for a in alerts(trial_of(app).db)} == {
            "windows-ending", "evaluation-overdue"}  # never about P-07's infusion (issue 10)
        assert not any("P-05" in s.text or "P-06" in s.text or "P-07" in s.text
                       for s in alerts_in(app, INVESTIGATOR))


async def test_a_bot_down_at_reminder_time_catches_up_when_it_starts(tmp_path):
    settings = alert_settings(tmp_path)
    async with running_app(settings, Clock(site_time(settings, 9)), start=False) as app:
        participants_around_today(app)
        await app.start()
        for _ in range(200):  # the reminders run at start; bounded wait for them
            if len(alerts_in(app, INVESTIGATOR)) == 2:
                break
            await asyncio.sleep(0.01)
        assert [s.text[:22] for s in alerts_in(app, INVESTIGATOR)] == [
            "⏰ DLT windows ending: ", "⏰ DLT evaluation overd"]


async def test_a_form_left_open_for_a_day_gets_one_reminder(tmp_path):
    async with running_app(alert_settings(tmp_path)) as app:
        driver = ChatDriver(app)
        enrol_directly(app, days_ago=5)
        await driver.send(INVESTIGATOR, "/dlt")  # opened, then left
        await driver.send(COORDINATOR, "/screen")
        job = app.job_queue.get_jobs_by_name("open forms")[0]

        trial_of(app).clock.at = datetime.now(UTC) + timedelta(hours=23)
        await job.run(app)
        await delivered(app)
        assert alerts_in(app, INVESTIGATOR) == alerts_in(app, COORDINATOR) == []

        trial_of(app).clock.at = datetime.now(UTC) + timedelta(hours=25)
        await job.run(app)
        await delivered(app)
        [dlt] = alerts_in(app, INVESTIGATOR)
        assert dlt.text.startswith("⏰ Your DLT report (/dlt) has been open since ")
        assert dlt.text.endswith(". Continue where you stopped, or /cancel to close it.")
        assert dlt.buttons == []
        [screening] = alerts_in(app, COORDINATOR)
        assert screening.text.startswith("⏰ Your screening form (/screen) has been open since")
        assert alerts_in(app, INVESTIGATOR2) == alerts_in(app, ALERT_GROUP) == []

        await job.run(app)  # once only
        await delivered(app)
        assert len(alerts_in(app, INVESTIGATOR)) == len(alerts_in(app, COORDINATOR)) == 1

        # the form left open blocks nothing: the same command starts again at once
        [choose, *_] = await driver.send(INVESTIGATOR, "/dlt")
        assert choose.text.startswith("Which participant had the event?")
        [listing] = await driver.send(INVESTIGATOR, "/alerts")
        assert listing.text == "No alert is waiting for acknowledgement."
