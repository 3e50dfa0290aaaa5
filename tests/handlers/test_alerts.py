"""Alerts reach people: through the real Application (started, so its JobQueue runs), Telegram
faked at the HTTP layer, a real SQLite file. Who gets which version, a Bot API that fails for a
while, a restart, a blocked recipient, a sender killed mid-send, the answer lost on the way."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from handlers.delivery import sender_of
from storage.deliveries import LEASE
from storage.outbox import alerts
from storage.usecases.alerts import claim_delivery
from tests.handlers.conftest import ADMIN, COORDINATOR, INVESTIGATOR
from tests.handlers.helpers_alerts import (
    ALERT_GROUP,
    INVESTIGATOR2,
    alert_settings,
    alerts_in,
    delivered,
    fake_of,
    first_dl1_cohort,
    report_crs,
    rows,
    running_app,
)
from tests.handlers.helpers_enrollment import trial_of
from tests.telegram_fake import ChatDriver

CLINICAL = ("CRS", "grade", "ASTCT", "related", "onset", "Dr Mei")


def texts(app, chat_id: int) -> list[str]:
    return [sent.text for sent in alerts_in(app, chat_id)]


def errors(app) -> set[str]:
    """The last errors of the rows still waiting."""
    return {r["last_error"] for a in alerts(trial_of(app).db) for r in rows(app, a["id"])
            if r["status"] == "pending" and r["last_error"]}


def one_each(app, chats=(INVESTIGATOR2, ADMIN, ALERT_GROUP), per_chat: int = 2) -> bool:
    """Each chat got each alert exactly once (and the coordinator the step once)."""
    return all(len(alerts_in(app, chat)) == per_chat for chat in chats) and \
        len(alerts_in(app, COORDINATOR)) == 1


async def test_a_dlt_report_reaches_every_investigator_once_and_coordinators_the_step(tmp_path):
    async with running_app(alert_settings(tmp_path)) as app:
        driver = ChatDriver(app)
        first_dl1_cohort(app)
        today = trial_of(app).today()

        await report_crs(driver)
        await delivered(app)

        report, step = texts(app, INVESTIGATOR2)
        assert report.startswith(f"🔔 DLT reported: P-03 DL1, CRS grade 4 (ASTCT), onset {today}, "
                                 "probably related; reported by Dr Mei.")
        assert "Onset on day 5 after the infusion." in report
        assert "3+3 now: DL1: 1 DLT in 3 evaluable participants: expand DL1 to 6" in report
        assert step == "🔔 DL1: 1 DLT in 3 evaluable participants. Expand DL1 to 6 participants."
        assert [s.labels for s in alerts_in(app, INVESTIGATOR2)] == [
            ["✔ Acknowledge"], ["✅ Confirm: expand DL1", "✔ Acknowledge"]]
        assert texts(app, ADMIN) == [report, step]  # admins are told what investigators are

        [coordinator] = alerts_in(app, COORDINATOR)
        assert coordinator.text == ("🔔 3+3 step after P-03: expand DL1 to 6 participants; enrol "
                                    "there once an investigator has confirmed it.")
        assert coordinator.buttons == []
        assert not any(word in coordinator.text for word in CLINICAL)

        group = alerts_in(app, ALERT_GROUP)
        assert [s.text for s in group] == [
            "🔔 DLT reported: P-03. The details are in your private chat with the bot.",
            "🔔 3+3 step changed: P-03. The details are in your private chat with the bot."]
        assert all(s.buttons == [] for s in group)
        assert alerts_in(app, INVESTIGATOR) == []  # the reporter has the answer on screen

        assert one_each(app)
        assert {r["status"] for a in alerts(trial_of(app).db) for r in rows(app, a["id"])} == {
            "sent"}
        assert all(a["delivered_at"] for a in alerts(trial_of(app).db))

        await sender_of(app).deliver_due()  # the periodic job again: nothing is sent twice
        assert one_each(app)


async def test_a_failing_bot_api_delays_alerts_then_delivers_each_once(tmp_path):
    async with running_app(alert_settings(tmp_path), start=False) as app:
        driver, fake, clock = ChatDriver(app), fake_of(app), trial_of(app).clock
        first_dl1_cohort(app)
        await report_crs(driver)  # (the bot's own replies go through; then Telegram fails)
        # Telegram now fails for a while: timeouts and server errors, then flood control
        # beyond what the rate limiter retries by itself (three times per call), then a 502
        fake.time_out_next("sendMessage", 2)
        fake.fail_next("sendMessage", 2, status=500)
        await app.start()
        await delivered(app)  # the first attempt of each chat's first row fails
        assert errors(app) == {"TimedOut: Timed out (FakeBotAPI)",
                               "NetworkError: Injected failure (500)"}
        fake.fail_next("sendMessage", 16, retry_after=0.01)
        fake.fail_next("sendMessage", 1, status=502)
        await delivered(app)  # not due yet: the backoff holds them
        clock.at += timedelta(seconds=10)
        await delivered(app)
        assert errors(app) == {"RetryAfter: Flood control exceeded. Retry in 0.01"}
        assert all(alerts_in(app, chat) == [] for chat in (INVESTIGATOR2, ADMIN, COORDINATOR,
                                                           ALERT_GROUP))

        for _ in range(10):  # bounded: the backoff is at most 5 minutes
            if one_each(app):
                break
            clock.at += timedelta(minutes=5)
            await delivered(app)

        assert one_each(app)
        assert max(r["attempts"] for a in alerts(trial_of(app).db) for r in rows(app, a["id"])) > 1
        assert texts(app, INVESTIGATOR2)[0].startswith("🔔 DLT reported: P-03 DL1")


async def test_a_restart_delivers_what_was_left_once(tmp_path):
    settings = alert_settings(tmp_path)
    async with running_app(settings, start=False) as app:  # not running: nothing goes out
        clock = trial_of(app).clock
        first_dl1_cohort(app)
        await report_crs(ChatDriver(app))
        assert alerts_in(app, INVESTIGATOR2) == []

    async with running_app(settings, clock, staff=False) as again:
        for _ in range(200):  # the job runs at start; bounded wait for it
            if one_each(again):
                break
            await asyncio.sleep(0.01)
        assert one_each(again)
        await delivered(again)
        assert one_each(again)

    async with running_app(settings, clock, staff=False) as third:
        await delivered(third)
        assert all(alerts_in(third, chat) == [] for chat in (INVESTIGATOR2, ADMIN, ALERT_GROUP))


async def test_a_blocked_recipient_does_not_stop_the_others_and_the_admins_are_told(tmp_path):
    async with running_app(alert_settings(tmp_path)) as app:
        fake_of(app).block(INVESTIGATOR2)
        first_dl1_cohort(app)
        await report_crs(ChatDriver(app))
        await delivered(app)

        assert alerts_in(app, INVESTIGATOR2) == []
        assert len(alerts_in(app, ALERT_GROUP)) == 2 and len(alerts_in(app, COORDINATOR)) == 1
        *copies, notice = texts(app, ADMIN)
        assert len(copies) == 2
        assert notice == ("⚠ Alerts cannot reach Dr Chen (user id 1004): Telegram answered "
                          "“Forbidden: bot was blocked by the user”. They may have blocked the "
                          "bot or never pressed Start in it; until they do, they get no alerts.")
        refused = [r for a in alerts(trial_of(app).db) for r in rows(app, a["id"])
                   if r["chat_id"] == INVESTIGATOR2]
        assert [r["status"] for r in refused] == ["undeliverable", "undeliverable"]
        assert [a["kind"] for a in alerts(trial_of(app).db)].count("undeliverable") == 1
        assert all(a["delivered_at"] for a in alerts(trial_of(app).db))


async def test_a_sender_killed_mid_send_leaves_a_row_that_is_sent_after_its_lease(tmp_path):
    async with running_app(alert_settings(tmp_path), start=False) as app:
        trial = trial_of(app)
        first_dl1_cohort(app)
        await report_crs(ChatDriver(app))
        killed = claim_delivery(trial, "a sender that was killed")  # claimed, never marked
        await app.start()
        await delivered(app)
        assert alerts_in(app, killed.chat_id) == []  # held, and the chat's later rows wait
        assert not one_each(app)

        trial.clock.at += LEASE + timedelta(seconds=1)
        await delivered(app)
        assert one_each(app)


async def test_the_only_duplicate_is_a_message_whose_answer_was_lost(tmp_path):
    """The Bot API took the message but its answer never came: the bot cannot know, tries
    again, and that one recipient has it twice (README: Alerts)."""
    async with running_app(alert_settings(tmp_path), start=False) as app:
        first_dl1_cohort(app)
        await report_crs(ChatDriver(app))
        fake_of(app).time_out_next("sendMessage", delivered=True)
        await app.start()
        await delivered(app)
        trial_of(app).clock.at += timedelta(minutes=5)
        await delivered(app)
        expected = {INVESTIGATOR2: 2, ADMIN: 2, COORDINATOR: 1, ALERT_GROUP: 2}
        extra = {chat: len(alerts_in(app, chat)) - n for chat, n in expected.items()}
        assert sorted(extra.values()) == [0, 0, 0, 1]  # one chat got one alert twice
        retried = [r for a in alerts(trial_of(app).db) for r in rows(app, a["id"])
                   if r["last_error"] is None and r["attempts"] == 2]
        assert len(retried) == 1 and retried[0]["status"] == "sent"
