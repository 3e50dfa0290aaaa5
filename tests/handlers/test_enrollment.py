"""/enroll end to end, and the investigator's confirmation of a 3+3 step."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from storage.outbox import alerts
from storage.participants import escalation_decisions, participant, participants
from storage.screenings import finish_screening, start_screening
from tests.handlers.conftest import COORDINATOR, INVESTIGATOR, alert_texts, no_form_open, worded
from tests.handlers.helpers_enrollment import (
    CLOSED,
    OPEN,
    amended_app,
    dlt_directly,
    eligible,
    enrol_directly,
    trial_of,
)
from tests.telegram_fake import ChatDriver


def days(app, n: int):
    return trial_of(app).today() + timedelta(days=n)


async def test_enrolment_shows_the_dose_and_the_dlt_window(app, driver, db):
    eligible(db)
    tomorrow = days(app, 1)
    window_end = tomorrow + timedelta(days=28)

    [place] = await driver.send(COORDINATOR, "/enroll S-001")
    assert ("DL1 (1×10^5 CAR+ T cells/kg), cohort 1 place 1 of 3, 12 places left under the "
            "cap of 12") in place.text
    assert "Body weight in kg" in place.text
    [ask_date] = await driver.send(COORDINATOR, "62")
    assert ask_date.labels == [f"Today ({days(app, 0)})", f"Tomorrow ({tomorrow})"]
    *_, review = await driver.press(COORDINATOR, f"Tomorrow ({tomorrow})")
    assert "Dose to prepare: 1×10^5/kg × 62 kg = 6.2×10^6 CAR+ T cells" in review.text
    assert f"Infusion {tomorrow}, DLT window until {window_end}" in review.text
    assert participants(db) == []

    *_, done = await driver.press(COORDINATOR, "✅ Confirm")
    assert "Enrolled P-01 at DL1 (1×10^5 CAR+ T cells/kg), cohort 1 place 1 of 3" in done.text
    assert "Prepare 6.2×10^6 CAR+ T cells (62 kg)" in done.text
    assert f"Infusion {tomorrow}, DLT window until {window_end}" in done.text
    enrolled = participant(db, "P-01")
    assert (enrolled["screening"], enrolled["dose_level"], enrolled["cohort"]) == ("S-001", 1, 1)
    assert enrolled["weight_kg"] == 62 and enrolled["total_cells"] == 6.2e6
    assert (enrolled["infusion_date"], enrolled["dlt_window_end"]) == (tomorrow, window_end)
    assert enrolled["enrolled_by"] == str(COORDINATOR)
    [alert] = alerts(db)
    assert (alert["kind"], alert["recipients"]) == ("enrolled", "investigator")
    assert worded(app, alert).startswith("P-01 enrolled at DL1 (cohort 1 place 1 of 3)")


async def test_the_next_place_in_the_cohort(app, driver, db):
    enrol_directly(app, days_ago=OPEN)
    eligible(db)
    [place] = await driver.send(COORDINATOR, "/enroll s-2")
    assert "Enrolling S-002" in place.text
    assert "cohort 1 place 2 of 3, 11 places left under the cap of 12" in place.text


async def test_bad_weight_and_date_are_asked_again(app, driver, db):
    eligible(db)
    await driver.send(COORDINATOR, "/enroll S-001")
    [again] = await driver.send(COORDINATOR, "sixty")
    assert "Please type a number" in again.text and "Body weight in kg" in again.text
    [again] = await driver.send(COORDINATOR, "500")
    assert "outside 20-300 kg" in again.text and "Body weight in kg" in again.text
    [ask_date] = await driver.send(COORDINATOR, "62.5 kg")
    assert "Planned infusion date" in ask_date.text

    for typed, problem in [(str(days(app, -1)), "is in the past"),
                           ("01/12/2026", "YYYY-MM-DD"), ("2026-02-30", "YYYY-MM-DD")]:
        [again] = await driver.send(COORDINATOR, typed)
        assert problem in again.text and "Planned infusion date" in again.text
        assert len(again.labels) == 2
    in_a_week = days(app, 7)
    [review] = await driver.send(COORDINATOR, f" {in_a_week} ")
    assert "1×10^5/kg × 62.5 kg = 6.25×10^6 CAR+ T cells" in review.text
    assert f"Infusion {in_a_week}, DLT window until {in_a_week + timedelta(days=28)}" in review.text

    *_, cancelled = await driver.press(COORDINATOR, "✖ Cancel")
    assert cancelled.text == "Not enrolled. Start again with /enroll S-001."
    assert participants(db) == [] and alerts(db) == []


async def test_cancel_leaves_without_enrolling(app, driver, db):
    eligible(db)
    await driver.send(COORDINATOR, "/enroll S-001")
    await driver.send(COORDINATOR, "62")
    [stopped] = await driver.send(COORDINATOR, "/cancel")
    assert stopped.text == "Not enrolled. Start again with /enroll S-001."
    assert no_form_open(await driver.send(COORDINATOR, "2030-01-01"))
    assert participants(db) == []


async def test_only_an_eligible_free_screening_is_enrolled(app, driver, db):
    enrol_directly(app, days_ago=OPEN)  # S-001 -> P-01
    in_progress = start_screening(db, actor=COORDINATOR)  # S-002
    failed = start_screening(db, actor=COORDINATOR)  # S-003
    finish_screening(db, failed, status="screen_failure", verdict={}, actor=COORDINATOR)
    eligible(db)  # S-004

    async def answer(text):
        [message] = await driver.send(COORDINATOR, text)
        return message.text

    assert await answer("/enroll S-099") == "There is no screening S-099."
    assert "S-002 is still in progress, not eligible" in await answer(f"/enroll {in_progress}")
    assert "S-003 is a screen failure, not eligible" in await answer(f"/enroll {failed}")
    assert await answer("/enroll S-001") == "Screening S-001 is already enrolled as P-01."
    assert "Eligible and not yet enrolled: S-004" in await answer("/enroll")
    assert [p["number"] for p in participants(db)] == ["P-01"]


async def test_investigator_role_is_enough_but_a_group_is_not(app, driver, db):
    eligible(db)
    [place] = await driver.send(INVESTIGATOR, "/enroll S-001")
    assert "cohort 1 place 1 of 3" in place.text
    [refused] = await driver.send(COORDINATOR, "/enroll S-001", chat_id=-100500,
                                  chat_type="group")
    assert "private chat" in refused.text


async def test_wait_while_the_cohort_is_in_its_windows(app, driver, db):
    for _ in range(3):
        enrol_directly(app, days_ago=OPEN)
    eligible(db)
    end = days(app, 28 - OPEN)
    [refused] = await driver.send(COORDINATOR, "/enroll S-004")
    assert "Wait: every place at DL1 is taken and DLT windows are open" in refused.text
    assert f"P-01 until {end}, P-02 until {end}, P-03 until {end}" in refused.text
    assert len(participants(db)) == 3


async def test_cap_reached(tmp_path):
    async with amended_app(tmp_path, "max_participants = 12", "max_participants = 2") as app:
        enrol_directly(app, days_ago=OPEN)
        enrol_directly(app, days_ago=OPEN)
        eligible(trial_of(app).db)
        [refused] = await ChatDriver(app).send(COORDINATOR, "/enroll S-003")
        assert "The cap of 2 participants is reached: no further enrolment." in refused.text


async def test_the_enrolment_that_fills_the_cap_raises_an_alert(tmp_path):
    async with amended_app(tmp_path, "max_participants = 12", "max_participants = 2") as app:
        db, driver = trial_of(app).db, ChatDriver(app)
        enrol_directly(app, days_ago=OPEN)
        eligible(db)
        [place] = await driver.send(COORDINATOR, "/enroll S-002")
        assert "cohort 1 place 2 of 3, 1 place left under the cap of 2" in place.text
        await driver.send(COORDINATOR, "70")
        await driver.press(COORDINATOR, f"Today ({days(app, 0)})")
        *_, done = await driver.press(COORDINATOR, "✅ Confirm")
        assert "Enrolled P-02 at DL1" in done.text
        assert [a["kind"] for a in alerts(db)] == ["enrolled", "cap-reached"]
        assert "the cap of 2" in alert_texts(app)[1]


async def escalation_pending(app):
    """DL1 cleared (1NNN, windows over): the next step, escalate to DL2, needs confirming."""
    for _ in range(3):
        enrol_directly(app, days_ago=CLOSED)
    eligible(trial_of(app).db)


async def test_a_step_is_confirmed_by_an_investigator_before_enrolling(app, driver, db):
    await escalation_pending(app)
    [refused] = await driver.send(COORDINATOR, "/enroll S-004")
    assert "Waiting for an investigator to confirm: escalate to DL2" in refused.text

    [_chart, status] = await driver.send(INVESTIGATOR, "/status")
    assert status.labels == ["✅ Confirm: escalate to DL2"]
    [confirmed] = await driver.press(INVESTIGATOR, "✅ Confirm: escalate to DL2")
    assert confirmed.text.endswith("✅ Confirmed by Dr Mei: escalate to DL2.")
    assert confirmed.buttons == []
    [row] = escalation_decisions(db)
    assert (row["action"], row["dose_level"], row["history"]) == ("escalate", 2, "1NNN")
    assert row["recommendation"]["next_dose"] == 2 and row["confirmed_by"] == str(INVESTIGATOR)

    [place] = await driver.send(COORDINATOR, "/enroll S-004")
    assert ("DL2 (5×10^5 CAR+ T cells/kg), cohort 1 place 1 of 3, 9 places left under the cap "
            "of 12") in place.text
    await driver.send(COORDINATOR, "62")
    *_, review = await driver.press(COORDINATOR, f"Today ({days(app, 0)})")
    assert "5×10^5/kg × 62 kg = 3.1×10^7 CAR+ T cells" in review.text
    await driver.press(COORDINATOR, "✅ Confirm")
    assert participant(db, "P-04")["dose_level"] == 2


async def test_a_coordinator_cannot_confirm(app, driver, db):
    await escalation_pending(app)
    await driver.send(COORDINATOR, "/status")
    assert await driver.press(COORDINATOR, "✅ Confirm: escalate to DL2") == []
    answer = driver.fake.calls_of("answerCallbackQuery")[-1].params
    assert answer["text"] == "Only an investigator can confirm a 3+3 step."
    assert answer["show_alert"] is True
    assert escalation_decisions(db) == []


async def test_a_stale_confirmation_is_refused(app, driver, db):
    await escalation_pending(app)
    [_chart, old] = await driver.send(INVESTIGATOR, "/status")
    dlt_directly(app, "P-03", onset=days(app, -CLOSED + 3))  # 1NNT: expand DL1 instead

    [edited] = await driver.press(INVESTIGATOR, "✅ Confirm: escalate to DL2", message=old)
    assert edited.text.endswith("(No longer current.)") and edited.buttons == []
    answer = driver.fake.calls_of("answerCallbackQuery")[-1].params
    assert answer["text"].startswith("That step is no longer current. Now: DL1: 1 DLT")
    assert escalation_decisions(db) == []

    [_chart, status] = await driver.send(INVESTIGATOR, "/status")
    assert status.labels == ["✅ Confirm: expand DL1"]
    await driver.press(INVESTIGATOR, "✅ Confirm: expand DL1")
    assert [(r["action"], r["dose_level"]) for r in escalation_decisions(db)] == [("expand", 1)]
    [_chart, status] = await driver.send(INVESTIGATOR, "/status")
    assert status.labels == []  # confirmed: no button any more


async def test_someone_else_takes_the_last_place_meanwhile(app, driver, db):
    enrol_directly(app, days_ago=OPEN)
    enrol_directly(app, days_ago=OPEN)
    eligible(db)  # S-003
    [place] = await driver.send(COORDINATOR, "/enroll S-003")
    assert "place 3 of 3" in place.text
    await driver.send(COORDINATOR, "62")
    await driver.press(COORDINATOR, f"Today ({days(app, 0)})")
    enrol_directly(app, days_ago=0)  # another coordinator enrols P-03 first

    *_, refused = await driver.press(COORDINATOR, "✅ Confirm")
    assert refused.text.startswith("Not enrolled: the 3+3 step changed while you were entering")
    assert "Nothing was saved." in refused.text
    assert participant(db, "P-04") is None
    assert all(p["screening"] != "S-003" for p in participants(db))


async def test_infusions_spaced_by_the_protocol(app, driver, db):
    """When the engine names an earliest next infusion (days_between_infusions), an earlier
    date is asked again."""
    trial = trial_of(app)
    earliest = days(app, 3)
    decide_now = trial.decision
    trial.decision = lambda rows=None: replace(decide_now(rows), earliest_next_infusion=earliest)
    eligible(db)
    await driver.send(COORDINATOR, "/enroll S-001")
    await driver.send(COORDINATOR, "62")
    [again] = await driver.send(COORDINATOR, str(days(app, 1)))
    assert f"the earliest date is {earliest}" in again.text
    [review] = await driver.send(COORDINATOR, str(earliest))
    assert f"Infusion {earliest}" in review.text
