"""Case expansion in the chat (/expansion, then /enroll) and the 3+3 engine at the cap, shown in
/status: the real Application against the in-memory Bot API."""

from __future__ import annotations

from storage.outbox import alerts
from storage.participants import escalation_decisions, participant
from tests.handlers.conftest import (
    ADMIN,
    COORDINATOR,
    INVESTIGATOR,
    STRANGER,
    alert_texts,
    no_form_open,
)
from tests.handlers.helpers_enrollment import (
    CLOSED,
    amended_app,
    eligible,
    enrol_directly,
    trial_of,
)
from tests.telegram_fake import ChatDriver

TOP_CLEARED = "✅ Confirm: DL2, the top dose, is cleared"


async def top_dose_cleared(app, driver) -> None:
    """1NNN 2NNN, windows over, and the end confirmed by the investigator from /status."""
    for level in (1, 1, 1, 2, 2, 2):
        enrol_directly(app, days_ago=CLOSED, level=level)
    [_chart, status] = await driver.send(INVESTIGATOR, "/status")
    assert status.labels == [TOP_CLEARED]
    await driver.press(INVESTIGATOR, TOP_CLEARED)


async def test_an_investigator_opens_expansion_with_a_confirmation(app, driver, db):
    await top_dose_cleared(app, driver)
    [usage] = await driver.send(INVESTIGATOR, "/expansion")
    assert "Case expansion may be opened at: DL1, DL2." in usage.text

    [question] = await driver.send(INVESTIGATOR, "/expansion dl2")
    assert question.text.startswith("Open case expansion at DL2 (5×10^5 CAR+ T cells/kg)?")
    assert "not DLT-evaluated" in question.text and "6 places left under the cap of 12" in (
        question.text)
    assert question.labels == ["✅ Confirm", "✖ Cancel"]
    assert [row["action"] for row in escalation_decisions(db)] == ["top-dose-cleared"]

    *_, opened = await driver.press(INVESTIGATOR, "✅ Confirm")
    assert opened.text.startswith("Case expansion is open at DL2.")
    assert [(r["action"], r["dose_level"]) for r in escalation_decisions(db)][-1] == (
        "expansion", 2)
    assert alerts(db)[-1]["kind"] == "expansion-opened"
    assert alert_texts(app)[-1].startswith("Dr Mei opened case expansion at DL2")


async def test_coordinators_enrol_into_it_and_status_shows_it_apart(app, driver, db):
    await top_dose_cleared(app, driver)
    await driver.send(INVESTIGATOR, "/expansion DL1")
    await driver.press(INVESTIGATOR, "✅ Confirm")
    eligible(db)  # S-007

    [place] = await driver.send(COORDINATOR, "/enroll S-007")
    assert place.text.startswith("Enrolling S-007 in case expansion at DL1 (1×10^5 CAR+ T "
                                 "cells/kg), expansion participant 1, not DLT-evaluated")
    await driver.send(COORDINATOR, "64")
    today = trial_of(app).today()
    *_, review = await driver.press(COORDINATOR, f"Today ({today})")
    assert review.text.startswith("Enrol S-007 in case expansion (not DLT-evaluated)?")
    assert "1×10^5/kg × 64 kg = 6.4×10^6 CAR+ T cells" in review.text
    *_, done = await driver.press(COORDINATOR, "✅ Confirm")
    assert done.text.startswith("Enrolled P-07 in case expansion at DL1")
    row = participant(db, "P-07")
    assert (row["dose_level"], row["expansion"]) == (1, True)
    assert alert_texts(app)[-1].startswith("P-07 enrolled in case expansion at DL1")

    [_chart, status] = await driver.send(COORDINATOR, "/status")
    assert "RD06-04: 7 enrolled, 5 of 12 places left." in status.text
    assert "DL1 (1×10^5/kg): 3 enrolled, 3 evaluable, 0 DLT" in status.text
    assert "Case expansion open at DL1 (opened by Dr Mei on " in status.text
    assert "Case expansion at DL1, not DLT-evaluated: P-07." in status.text
    assert "Nobody is in a DLT window." in status.text  # expansion is not DLT-evaluated
    assert "Next step: top dose cleared." in status.text


async def test_only_investigators_open_it(app, driver, db):
    await top_dose_cleared(app, driver)
    [refused] = await driver.send(COORDINATOR, "/expansion DL2")
    assert refused.text == "This needs the investigator role; your role is coordinator."
    [stranger] = await driver.send(STRANGER, "/expansion DL2")
    assert "registered trial staff only" in stranger.text
    assert [row["action"] for row in escalation_decisions(db)] == ["top-dose-cleared"]


async def test_refusals_say_why_and_save_nothing(app, driver, db):
    [early] = await driver.send(INVESTIGATOR, "/expansion DL1")
    assert "Case expansion opens only once dose escalation is over." in early.text
    [usage] = await driver.send(INVESTIGATOR, "/expansion")
    assert usage.text.startswith("Case expansion cannot be opened now: Case expansion opens "
                                 "only once")
    for level in (1, 1, 1, 2, 2, 2):
        enrol_directly(app, days_ago=CLOSED, level=level)
    [unconfirmed] = await driver.send(INVESTIGATOR, "/expansion DL1")
    assert "needs an investigator's confirmation first" in unconfirmed.text
    [unknown] = await driver.send(INVESTIGATOR, "/expansion DL3")
    assert unknown.text == "There is no dose level DL3 in RD06-04 (dose levels DL1, DL2)."
    assert escalation_decisions(db) == []


async def test_cancel_opens_nothing(app, driver, db):
    await top_dose_cleared(app, driver)
    await driver.send(INVESTIGATOR, "/expansion 1")
    [again] = await driver.send(INVESTIGATOR, "yes please")
    assert again.text == "Please answer with the buttons above, or /cancel."
    *_, cancelled = await driver.press(INVESTIGATOR, "✖ Cancel")
    assert cancelled.text == "Case expansion not opened. Start again with /expansion DL1."
    assert [row["action"] for row in escalation_decisions(db)] == ["top-dose-cleared"]
    assert no_form_open(await driver.send(INVESTIGATOR, "hello"))


async def test_the_opening_is_checked_again_when_confirm_is_pressed(app, driver, db):
    await top_dose_cleared(app, driver)
    await driver.send(INVESTIGATOR, "/expansion DL2")
    await driver.send(ADMIN, "/expansion DL2")
    *_, first = await driver.press(ADMIN, "✅ Confirm")
    assert first.text.startswith("Case expansion is open at DL2.")

    *_, late = await driver.press(INVESTIGATOR, "✅ Confirm")

    assert late.text.startswith("Case expansion not opened: Case expansion is already open at "
                                "DL2 (opened by Admin Xie on ")
    assert late.text.endswith("Nothing was saved.")
    assert [r["action"] for r in escalation_decisions(db)].count("expansion") == 1
    [moved] = await driver.send(INVESTIGATOR, "/expansion DL1")
    assert "Case expansion is open at DL2 now (opened by Admin Xie on " in moved.text
    assert "moves it, for the next participants, to DL1" in moved.text


# --- the engine at the cap, in /status ------------------------------------------------------


async def test_status_warns_before_the_cap_stops_a_step(tmp_path):
    async with amended_app(tmp_path, "max_participants = 12", "max_participants = 5") as app:
        for _ in range(3):
            enrol_directly(app, days_ago=CLOSED)
        [_chart, status] = await ChatDriver(app).send(INVESTIGATOR, "/status")
        assert "RD06-04: 3 enrolled, 2 of 5 places left." in status.text
        assert ("⚠ DL2 (no evaluable participant yet) still needs 3 more participants for the "
                "step in progress, but 2 places are left under the cap of 5") in status.text


async def test_status_at_the_end_of_escalation_at_the_cap(tmp_path):
    async with amended_app(tmp_path, "max_participants = 12", "max_participants = 4") as app:
        driver = ChatDriver(app)
        for level in (1, 1, 1, 2):
            enrol_directly(app, days_ago=CLOSED, level=level)
        [_chart, status] = await driver.send(INVESTIGATOR, "/status")
        assert "Next step: dose escalation ended at the cap. All 4 places are taken" in status.text
        assert "DL1, the highest dose level cleared" in status.text
        assert "DL2 (5×10^5/kg): 1 enrolled, 1 evaluable, 0 DLT" in status.text
        assert "undecided, stopped by the cap" in status.text
        assert status.labels == ["✅ Confirm: dose escalation ends at the cap"]
        *_, confirmed = await driver.press(INVESTIGATOR, status.labels[0])
        assert confirmed.text.endswith("✅ Confirmed by Dr Mei: dose escalation ends at the cap.")
        eligible(trial_of(app).db)
        [refused] = await driver.send(COORDINATOR, "/enroll S-005")
        assert "The cap of 4 participants is reached" in refused.text
        [_chart, whatif] = await driver.send(COORDINATOR, "/whatif 1XNNN")
        assert "action cap-reached" in whatif.text and "recommended DL1" in whatif.text
