"""Hostile and careless use through the real Application (issue 7): demotions mid-form, edited
messages, updates without a person, forged callback data, double taps, kills between steps."""

from __future__ import annotations

import time

from handlers.texts import ACCESS, ADMIN, COMMON
from storage.participants import dlt_reports, escalation_decisions
from storage.screenings import list_screenings, screening_answers
from storage.staff import add_staff, get_staff
from tests.handlers.conftest import ADMIN as ADMIN_ID
from tests.handlers.conftest import COORDINATOR, GROUP, INVESTIGATOR, start_app
from tests.handlers.helpers_enrollment import CLOSED, OPEN, enrol_directly
from tests.telegram_fake import ChatDriver

ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group",
                   "username": "GroupAnonymousBot"}


def answered_queries(driver) -> int:
    return len(driver.fake.calls_of("answerCallbackQuery"))


async def press_data(driver, user_id: int, data: str, message: dict):
    """Press a button carrying `data` on `message` as it was (a forged or stale press)."""
    query = {"id": str(time.monotonic_ns()), "from": {"id": user_id, "is_bot": False,
                                                      "first_name": "Test"},
             "chat_instance": str(user_id), "data": data, "message": message}
    return await driver.process({"callback_query": query})


async def test_a_demoted_investigator_cannot_save_a_dlt_report(app, driver, db):
    for days_ago in (CLOSED, CLOSED, OPEN):
        enrol_directly(app, days_ago=days_ago)
    await driver.send(INVESTIGATOR, "/dlt P-03")
    await driver.press(INVESTIGATOR, "CRS")
    await driver.press(INVESTIGATOR, "Grade 4")
    await driver.press(INVESTIGATOR, driver.last(INVESTIGATOR).labels[0])  # onset today
    await driver.press(INVESTIGATOR, "Probable")
    await driver.press(INVESTIGATOR, "It is a DLT")
    add_staff(db, user_id=INVESTIGATOR, name="Dr Mei", role="coordinator", actor="test")

    [refused] = await driver.press(INVESTIGATOR, "✅ Save")
    assert refused.text == ACCESS["needs_role"].format(role="investigator", have="coordinator")
    assert dlt_reports(db) == []


async def test_a_deactivated_coordinator_cannot_answer_mid_screening(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    db.execute("UPDATE staff SET active = 0 WHERE user_id = ?", [COORDINATOR])
    assert await driver.press(COORDINATOR, "Yes") == []
    refusal = driver.fake.calls_of("answerCallbackQuery")[-1].params
    assert "registered trial staff only" in refusal["text"] and refusal["show_alert"] is True
    assert screening_answers(db, "S-001") == {}


async def test_edited_messages_are_not_read(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await driver.press(COORDINATOR, "Yes")  # consent
    [asked_age] = await driver.send(COORDINATOR, "45")
    old = {"message_id": 900, "date": int(time.time()), "edit_date": int(time.time()),
           "chat": {"id": COORDINATOR, "type": "private"},
           "from": {"id": COORDINATOR, "is_bot": False, "first_name": "Li"}}
    [note] = await driver.process({"edited_message": {**old, "text": "46"}})
    assert note.text == ACCESS["edits_not_read"]
    assert screening_answers(db, "S-001")["age"] == 45
    entities = [{"type": "bot_command", "offset": 0, "length": 7}]
    [note] = await driver.process({"edited_message": {**old, "text": "/screen",
                                                      "entities": entities}})
    assert note.text == ACCESS["edits_not_read"]
    assert [s["number"] for s in list_screenings(db)] == ["S-001"]


async def test_updates_without_a_person_are_ignored(app, driver, db):
    channel = {"id": -100777, "type": "channel", "title": "News"}
    post = {"message_id": 5, "date": int(time.time()), "chat": channel, "text": "/status",
            "sender_chat": channel}
    assert await driver.process({"channel_post": post}) == []
    group = {"id": GROUP, "type": "supergroup", "title": "Ward"}
    anonymous = {"message_id": 6, "date": int(time.time()), "chat": group, "text": "/status",
                 "from": ANONYMOUS_ADMIN, "sender_chat": group,
                 "entities": [{"type": "bot_command", "offset": 0, "length": 7}]}
    assert await driver.process({"message": anonymous}) == []


async def test_forged_confirmation_data_is_answered_not_crashed(app, driver, db):
    for _ in range(3):
        enrol_directly(app, days_ago=CLOSED)  # 1NNN: escalate to DL2 awaits confirmation
    [_chart, status] = await driver.send(INVESTIGATOR, "/status")
    for data in ("confirm:escalate:²", "confirm:escalate:99999999999999999999",
                 "confirm:escalate", "confirm::", "confirm:escalate:-1"):
        before = answered_queries(driver)
        await press_data(driver, INVESTIGATOR, data, status.raw)
        assert answered_queries(driver) == before + 1, data
    assert escalation_decisions(db) == []


async def test_a_double_tapped_confirmation_is_answered_once_recorded(app, driver, db):
    for _ in range(3):
        enrol_directly(app, days_ago=CLOSED)
    [_chart, status] = await driver.send(INVESTIGATOR, "/status")
    data = next(d for row in status.buttons for _, d in row if d.startswith("confirm:"))
    await press_data(driver, INVESTIGATOR, data, status.raw)
    before = answered_queries(driver)
    await press_data(driver, INVESTIGATOR, data, status.raw)  # the phone still showed it
    assert answered_queries(driver) == before + 1
    assert len(escalation_decisions(db)) == 1


async def test_a_stale_button_outside_any_form_is_answered(app, driver, db):
    [_chart, status] = await driver.send(COORDINATOR, "/status")
    for data in ("answer:consent:no", "enroll:yes", "dlt:save", "withdraw:yes", "nonsense",
                 "x" * 64):
        before = answered_queries(driver)
        await press_data(driver, COORDINATOR, data, status.raw)
        assert answered_queries(driver) == before + 1, data


async def test_text_and_commands_with_no_form_open_are_answered(app, driver):
    [reply] = await driver.send(COORDINATOR, "hello")
    assert reply.text == COMMON["no_form_open"]
    [reply] = await driver.send(COORDINATOR, "/cancel")
    assert reply.text == COMMON["no_form_open"]
    [reply] = await driver.send(COORDINATOR, "/frobnicate")
    assert reply.text == COMMON["unknown_command"]
    sticker = {"message_id": 77, "date": int(time.time()),
               "chat": {"id": COORDINATOR, "type": "private"},
               "from": {"id": COORDINATOR, "is_bot": False, "first_name": "Li"},
               "sticker": {"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1,
                           "is_animated": False, "is_video": False, "type": "regular"}}
    [reply] = await driver.process({"message": sticker})
    assert reply.text == COMMON["text_only"]


async def test_staff_ids_are_read_strictly(app, driver, db):
    for bad in ("²", "99999999999999999999999", "-5", "0", "12a"):
        [reply] = await driver.send(ADMIN_ID, f"/staff add {bad} coordinator Someone")
        assert reply.text == ADMIN["bad_id"], bad
        [reply] = await driver.send(ADMIN_ID, f"/staff deactivate {bad}")
        assert reply.text == ADMIN["bad_id"], bad
    await driver.send(ADMIN_ID, "/staff add 4503599627370495 coordinator Largest")
    assert get_staff(db, 4503599627370495)["name"] == "Largest"


async def test_a_kill_right_after_a_step_loses_no_reply(settings):
    first = await start_app(settings)
    add_staff(first.bot_data["trial"].db, user_id=COORDINATOR, name="Coordinator Li",
              role="coordinator", actor="test")
    await ChatDriver(first).send(COORDINATOR, "/screen")
    # kill -9 now: no shutdown and no periodic persistence run; a new process opens the file
    second = await start_app(settings)
    try:
        [asked_age] = await ChatDriver(second).send(COORDINATOR, "yes")
        assert screening_answers(second.bot_data["trial"].db, "S-001") == {"consent": "yes"}
        assert "Age" in asked_age.text
    finally:
        await second.shutdown()
