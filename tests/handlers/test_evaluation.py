"""The end of a DLT window confirmed in the chat: pending for the 3+3 until an investigator
presses "DLT window completed, no DLT" (evaluate:P-03) or sends /evaluate; and the ICANS hint."""

from __future__ import annotations

from storage.outbox import alerts
from storage.participants import participant, participants
from tests.handlers.conftest import COORDINATOR, INVESTIGATOR, STRANGER, worded
from tests.handlers.helpers_enrollment import CLOSED, OPEN, enrol_directly, trial_of


def closed_cohort(app) -> None:
    """P-01..P-03 at DL1, infused long ago (recorded), their windows over, not evaluated."""
    for _ in range(3):
        enrol_directly(app, days_ago=CLOSED, evaluated=False)


def last_answer(driver) -> dict:
    return driver.fake.calls_of("answerCallbackQuery")[-1].params


async def test_a_closed_window_without_evaluation_is_pending_in_status(app, driver):
    closed_cohort(app)
    end = participant(trial_of(app).db, "P-01")["dlt_window_end"]

    [_chart, status] = await driver.send(COORDINATOR, "/status")

    assert ("DL1 (1×10^5/kg): 3 enrolled, 0 evaluable, 0 DLT, 3 awaiting the end of their "
            "window") in status.text
    assert (f"DLT window ended, evaluation not confirmed: P-01 (DL1) ended {end}, P-02 (DL1) "
            f"ended {end}, P-03 (DL1) ended {end}") in status.text
    assert "Next step: wait." in status.text and "escalate" not in status.text
    assert status.buttons == [[("✅ P-01: DLT window completed, no DLT", "evaluate:P-01")],
                              [("✅ P-02: DLT window completed, no DLT", "evaluate:P-02")],
                              [("✅ P-03: DLT window completed, no DLT", "evaluate:P-03")]]


async def test_an_investigator_confirms_each_evaluation_with_its_button(app, driver, db):
    closed_cohort(app)
    [_chart, status] = await driver.send(INVESTIGATOR, "/status")

    *_, done = await driver.press(INVESTIGATOR, "evaluate:P-01")

    assert done.text.startswith("✅ Dr Mei confirmed: P-01 DLT window completed, no DLT.\n"
                                "3+3 now: DL1: no DLT in 1 evaluable participant, 2 still in "
                                "the DLT window or awaiting its evaluation")
    assert participant(db, "P-01")["evaluated"]
    shown = driver.fake.messages[INVESTIGATOR][status.message_id]  # the other buttons stay
    assert [b["callback_data"] for row in shown["reply_markup"]["inline_keyboard"]
            for b in row] == ["evaluate:P-02", "evaluate:P-03"]
    await driver.press(INVESTIGATOR, "evaluate:P-02", message=status)
    *_, done = await driver.press(INVESTIGATOR, "evaluate:P-03", message=status)

    assert "DL1 cleared (no DLT in 3 evaluable participants): escalate to DL2" in done.text
    assert "An investigator must confirm the next step: escalate to DL2." in done.text
    assert done.labels == ["✅ Confirm: escalate to DL2"]
    assert "reply_markup" not in driver.fake.messages[INVESTIGATOR][status.message_id]
    evaluated = [worded(app, a) for a in alerts(db) if a["kind"] == "dlt-evaluated"]
    assert evaluated[0] == (f"DLT window completed without a DLT: P-01 (DL1), window until "
                            f"{participant(db, 'P-01')['dlt_window_end']}; confirmed by Dr Mei.")
    assert len(evaluated) == 3


async def test_a_coordinator_cannot_confirm_and_twice_changes_nothing(app, driver, db):
    closed_cohort(app)
    [_chart, coordinators] = await driver.send(COORDINATOR, "/status")
    [_chart, investigators] = await driver.send(INVESTIGATOR, "/status")

    assert await driver.press(COORDINATOR, "evaluate:P-01", message=coordinators) == []
    answer = last_answer(driver)
    assert (answer["text"], answer["show_alert"]) == (
        "Only an investigator can confirm a DLT evaluation.", True)
    assert not participant(db, "P-01")["evaluated"]

    await driver.press(INVESTIGATOR, "evaluate:P-01", message=investigators)
    stored = (list(db["dlt_evaluations"].rows), list(db["audit"].rows), alerts(db))
    again = await driver.press(INVESTIGATOR, "evaluate:P-01", message=coordinators)

    assert last_answer(driver)["text"].startswith("Already confirmed by Dr Mei on ")
    assert [m.method for m in again] == ["editMessageReplyMarkup"]  # that button goes
    assert (list(db["dlt_evaluations"].rows), list(db["audit"].rows), alerts(db)) == stored
    [reply] = await driver.send(INVESTIGATOR, "/evaluate P-01")
    assert reply.text.startswith("The evaluation of P-01 was already confirmed by Dr Mei on ")
    assert (list(db["dlt_evaluations"].rows), list(db["audit"].rows), alerts(db)) == stored


async def test_evaluate_lists_and_shows_what_awaits_confirmation(app, driver, db):
    closed_cohort(app)
    enrol_directly(app, days_ago=OPEN)  # P-04: in the window
    enrol_directly(app, days_ago=CLOSED, infused=False, evaluated=False)  # P-05: not recorded
    end = participant(db, "P-01")["dlt_window_end"]

    [listed] = await driver.send(INVESTIGATOR, "/evaluate")
    assert listed.text.endswith(
        f"P-03 (DL1): window ended {end}\nP-05 (DL1): window ended {end} as planned; record the "
        "infusion first (/infuse P-05)")
    assert [data for row in listed.buttons for _, data in row] == [
        "evaluate:P-01", "evaluate:P-02", "evaluate:P-03"]
    [one] = await driver.send(INVESTIGATOR, "/evaluate p1")
    assert one.text.startswith(f"P-01 (DL1): infused {participant(db, 'P-01')['infused_on']}, "
                               f"DLT window until {end}; no toxicity reported.\nConfirm that")
    assert one.buttons == [[("✅ P-01: DLT window completed, no DLT", "evaluate:P-01")]]
    [open_] = await driver.send(INVESTIGATOR, "/evaluate P-04")
    assert open_.text.startswith("The DLT window of P-04 is open until ")
    [unrecorded] = await driver.send(INVESTIGATOR, "/evaluate P-05")
    assert unrecorded.text.startswith("The infusion of P-05 is not recorded: record it with "
                                      "/infuse P-05 first")
    [refused] = await driver.send(COORDINATOR, "/evaluate P-01")
    assert refused.text == "This needs the investigator role; your role is coordinator."
    [refused] = await driver.send(STRANGER, "/evaluate P-01")
    assert "registered trial staff only" in refused.text
    [timeline] = await driver.send(COORDINATOR, "/participant P-02")
    assert "The DLT window has ended: an investigator confirms the evaluation." in timeline.text
    assert timeline.buttons == [[("✅ P-02: DLT window completed, no DLT", "evaluate:P-02")]]
    assert not any(p["evaluated"] for p in participants(db))


async def test_a_forged_evaluate_button_is_answered_and_saves_nothing(app, driver, db):
    closed_cohort(app)
    [_chart, status] = await driver.send(INVESTIGATOR, "/status")
    for forged in ("evaluate:P-99", "evaluate:", "evaluate:P-01x"):
        query = {"id": "77", "from": {"id": INVESTIGATOR, "is_bot": False, "first_name": "T"},
                 "chat_instance": "1", "data": forged,
                 "message": driver.fake.messages[INVESTIGATOR][status.message_id]}
        sent = await driver.process({"callback_query": query})
        assert last_answer(driver)["callback_query_id"] == "77", forged
        assert sent == [], forged  # no edit of a message that does not change
    assert list(db["dlt_evaluations"].rows) == []


async def test_the_icans_hint_follows_the_five_astct_domains(app, driver):
    enrol_directly(app, days_ago=OPEN)
    await driver.send(INVESTIGATOR, "/dlt P-01")
    *_, ask_grade = await driver.press(INVESTIGATOR, "ICANS")
    for domain in ("ICE score", "level of consciousness", "seizure", "motor findings",
                   "raised intracranial pressure"):
        assert domain in ask_grade.text
    assert "3 ICE 0-2; awakens only to touch;" in ask_grade.text
    assert "e.g. ICE 8 but awakens only to touch: grade 3." in ask_grade.text
