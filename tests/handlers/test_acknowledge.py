"""Acknowledging an alert: the button under each investigator's copy and /alerts. Recorded and
audited once, shown on every copy; a second press, a coordinator's or a stranger's changes
nothing."""

from __future__ import annotations

from storage.audit import audit_trail
from storage.outbox import alerts, get_alert
from tests.handlers.conftest import ADMIN, COORDINATOR, INVESTIGATOR, STRANGER
from tests.handlers.helpers_alerts import (
    ALERT_GROUP,
    INVESTIGATOR2,
    alert_settings,
    alerts_in,
    delivered,
    first_dl1_cohort,
    report_crs,
    running_app,
)
from tests.handlers.helpers_enrollment import trial_of
from tests.telegram_fake import ChatDriver, Sent

ACKNOWLEDGE = "✔ Acknowledge"


async def press_stale(driver: ChatDriver, user_id: int, copy: Sent, data: str) -> list[Sent]:
    """A press on a copy as the user's client still shows it (buttons and all), or a forged
    one: the callback carries `data` whatever the message now says."""
    query = {"id": "stale", "from": {"id": user_id, "is_bot": False, "first_name": "Test"},
             "chat_instance": str(copy.chat_id), "data": data, "message": copy.raw}
    return await driver.process({"callback_query": query})


def answers(driver: ChatDriver) -> list[dict]:
    return [c.params for c in driver.fake.calls_of("answerCallbackQuery")]


def state(app) -> tuple:
    """Everything an acknowledgement may change: the alerts, their audit, every copy."""
    db = trial_of(app).db
    copies = {chat: [(s.text, s.buttons) for s in alerts_in(app, chat)]
              for chat in (INVESTIGATOR2, ADMIN, COORDINATOR, ALERT_GROUP)}
    return alerts(db), audit_trail(db, "alerts"), copies


async def dlt_delivered(app) -> ChatDriver:
    driver = ChatDriver(app)
    first_dl1_cohort(app)
    await report_crs(driver)
    await delivered(app)
    return driver


async def test_acknowledging_shows_on_every_copy_and_is_audited_once(tmp_path):
    async with running_app(alert_settings(tmp_path)) as app:
        driver = await dlt_delivered(app)
        report, step = alerts_in(app, INVESTIGATOR2)
        admins_copy = alerts_in(app, ADMIN)[0]

        await driver.press(INVESTIGATOR2, ACKNOWLEDGE, message=report)

        assert answers(driver)[-1]["text"] == "Acknowledged: the other recipients see it too."
        alert = get_alert(trial_of(app).db, 1)
        assert alert["acknowledged_by"] == str(INVESTIGATOR2)
        when = trial_of(app).local_time(alert["acknowledged_at"])
        line = f"✔ Acknowledged by Dr Chen on {when}."
        for copy in (alerts_in(app, INVESTIGATOR2)[0], alerts_in(app, ADMIN)[0],
                     alerts_in(app, ALERT_GROUP)[0]):
            assert copy.text.endswith("\n\n" + line) and copy.buttons == []
        assert alerts_in(app, ADMIN)[0].text.startswith(admins_copy.text)
        [change] = audit_trail(trial_of(app).db, "alerts", 1)
        assert (change["actor"], change["field"], change["new_value"]) == (
            str(INVESTIGATOR2), "acknowledged_by", INVESTIGATOR2)
        # the other alert is untouched, its Confirm button still there
        assert alerts_in(app, INVESTIGATOR2)[1].labels == ["✅ Confirm: expand DL1", ACKNOWLEDGE]

        before = state(app)
        await press_stale(driver, ADMIN, admins_copy, "ack:1")  # a second press, from a copy
        assert answers(driver)[-1]["text"] == f"Already acknowledged by Dr Chen on {when}."
        assert state(app) == before


async def test_a_coordinator_or_a_stranger_cannot_acknowledge(tmp_path):
    async with running_app(alert_settings(tmp_path)) as app:
        driver = await dlt_delivered(app)
        [coordinators_copy] = alerts_in(app, COORDINATOR)
        before = state(app)

        await press_stale(driver, COORDINATOR, coordinators_copy, "ack:2")
        answer = answers(driver)[-1]
        assert answer["text"] == "Only an investigator can acknowledge an alert."
        assert answer["show_alert"] is True
        await press_stale(driver, STRANGER, coordinators_copy, "ack:2")
        assert "registered trial staff only" in answers(driver)[-1]["text"]
        await press_stale(driver, INVESTIGATOR2, alerts_in(app, INVESTIGATOR2)[0], "ack:999")
        assert answers(driver)[-1]["text"] == "There is no alert #999."
        await press_stale(driver, INVESTIGATOR2, alerts_in(app, INVESTIGATOR2)[0], "ack:x")
        assert answers(driver)[-1]["text"] == "That button is no longer current."

        assert state(app) == before
        assert all(a["acknowledged_at"] is None for a in alerts(trial_of(app).db))


async def test_alerts_lists_what_nobody_has_acknowledged(tmp_path):
    async with running_app(alert_settings(tmp_path)) as app:
        driver = await dlt_delivered(app)

        [listing] = await driver.send(INVESTIGATOR, "/alerts")
        assert listing.text.startswith("2 alerts nobody has acknowledged yet, oldest first:")
        assert "#1 · " in listing.text and "DLT reported: P-03 DL1, CRS grade 4" in listing.text
        assert "#2 · " in listing.text and "Expand DL1 to 6 participants." in listing.text
        assert listing.labels == ["✔ Acknowledge #1", "✔ Acknowledge #2"]

        sent = await driver.press(INVESTIGATOR, "✔ Acknowledge #2")
        assert driver.last(INVESTIGATOR).labels == ["✔ Acknowledge #1"]  # the list loses #2
        edited = {s.chat_id for s in sent if s.method == "editMessageText"}
        assert edited == {INVESTIGATOR2, ADMIN, COORDINATOR, ALERT_GROUP}
        [coordinators_copy] = alerts_in(app, COORDINATOR)
        assert "✔ Acknowledged by Dr Mei on " in coordinators_copy.text
        assert alerts_in(app, INVESTIGATOR2)[1].labels == ["✅ Confirm: expand DL1"]

        [listing] = await driver.send(ADMIN, "/alerts")
        assert listing.text.startswith("1 alert nobody has acknowledged yet:")
        [refused] = await driver.send(COORDINATOR, "/alerts")
        assert refused.text == "This needs the investigator role; your role is coordinator."
        await driver.press(ADMIN, "✔ Acknowledge #1")
        [listing] = await driver.send(INVESTIGATOR2, "/alerts")
        assert listing.text == "No alert is waiting for acknowledgement." and listing.buttons == []
