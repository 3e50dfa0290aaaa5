"""/withdraw end to end: participants (investigators) and screenings (coordinators), what a
withdrawal means for the 3+3, the alerts it raises, and the refusals."""

from __future__ import annotations

from datetime import timedelta

from handlers.texts import ACCESS
from handlers.wording import say
from storage.audit import audit_trail
from storage.outbox import alerts
from storage.participants import participant
from storage.screenings import get_screening, start_screening
from storage.staff import add_staff
from tests.handlers.conftest import (
    ADMIN,
    COORDINATOR,
    GROUP,
    INVESTIGATOR,
    STRANGER,
    alert_texts,
    no_form_open,
    worded,
)
from tests.handlers.helpers_enrollment import (
    CLOSED,
    OPEN,
    dlt_directly,
    eligible,
    enrol_directly,
    trial_of,
)

NOT_EVALUABLE = ("Withdrawn before the end of the DLT window without a DLT: not evaluable, the "
                 "place will be refilled.")
STAYS_EVALUABLE = ("Withdrawn on or after the last day of the DLT window without a DLT: stays "
                   "evaluable.")
DLT_COUNTS = "Had a DLT in the DLT window: the DLT still counts."


def days(app, n: int):
    return trial_of(app).today() + timedelta(days=n)


def first_dl1_cohort(app):
    """P-01 and P-02 done without a DLT, P-03 still in the window: 1NNP."""
    enrol_directly(app, days_ago=CLOSED)
    enrol_directly(app, days_ago=CLOSED)
    return enrol_directly(app, days_ago=OPEN)


async def withdraw(driver, user, number, reason="moved away", *, on: str | None = None):
    """Run /withdraw NUMBER up to the summary; `on` typed, else the Today button."""
    await driver.send(user, f"/withdraw {number}")
    if on is None:
        await driver.press(user, driver.last(user).labels[0])
    else:
        await driver.send(user, on)
    [summary] = await driver.send(user, reason)
    return summary


async def test_withdrawn_inside_the_window_is_not_evaluable_and_the_place_reopens(
        app, driver, db):
    first_dl1_cohort(app)
    trial = trial_of(app)
    assert trial.decision().action == "wait"
    today = days(app, 0)

    [ask_date] = await driver.send(INVESTIGATOR, "/withdraw p3")
    assert ask_date.text.startswith(
        f"Withdrawing P-03: DL1 (1×10^5 CAR+ T cells/kg), infused {days(app, -OPEN)}, "
        f"DLT window until {days(app, 28 - OPEN)}, no DLT report.")
    assert "Date of the withdrawal?" in ask_date.text
    assert ask_date.labels == [f"Today ({today})"]
    *_, ask_reason = await driver.press(INVESTIGATOR, f"Today ({today})")
    assert ask_reason.text.startswith("Why is P-03 withdrawn?") and "No names" in ask_reason.text
    [summary] = await driver.send(INVESTIGATOR, "consent withdrawn")
    assert summary.text.startswith("Withdraw P-03?")
    assert f"Withdrawn on: {today}" in summary.text and "Reason: consent withdrawn" in summary.text
    assert NOT_EVALUABLE in summary.text
    assert "For the 3+3: in the DLT window → not evaluable." in summary.text
    assert "3+3 then: " in summary.text and "enrol the next participant at DL1" in summary.text
    assert summary.labels == ["✅ Confirm", "✖ Cancel"]
    assert participant(db, "P-03")["withdrawn_on"] is None and alerts(db) == []

    *_, saved = await driver.press(INVESTIGATOR, "✅ Confirm")
    decision = trial.decision()
    assert saved.text.startswith(f"Saved: P-03 withdrawn on {today} (consent withdrawn).")
    assert NOT_EVALUABLE in saved.text and f"3+3 now: {say(decision.reason)}" in saved.text
    row = participant(db, "P-03")
    assert (row["withdrawn_on"], row["withdrawal_reason"]) == (today, "consent withdrawn")
    change = audit_trail(db, "participants", "P-03")[-1]
    assert (change["field"], change["reason"], change["actor"]) == (
        "withdrawn_on", "consent withdrawn", str(INVESTIGATOR))

    # the place reopens: a 4th participant can be enrolled at DL1
    assert (decision.action, decision.next_dose, decision.open_places) == ("enroll", 1, 1)
    [_chart, status] = await driver.send(COORDINATOR, "/status")
    assert ("DL1 (1×10^5/kg): 3 enrolled, 2 evaluable, 0 DLT, "
            "0 awaiting the end of their window, 1 not evaluable") in status.text
    assert "Next participant: DL1, 1 place(s) open" in status.text
    assert "Nobody is in a DLT window." in status.text
    fourth = enrol_directly(app, days_ago=0)
    assert fourth["number"] == "P-04"
    assert trial.history_text() == "1NNX 1P"


async def test_withdrawal_alerts_go_to_the_outbox(app, driver, db):
    first_dl1_cohort(app)
    await withdraw(driver, INVESTIGATOR, "P-03", "moved away.")
    await driver.press(INVESTIGATOR, "✅ Confirm")
    [alert] = alerts(db)
    assert (alert["kind"], alert["recipients"]) == ("withdrawn", "investigator")
    assert worded(app, alert) == (
        f"Withdrawal: P-03 (DL1) on {days(app, 0)}, reason: moved away. {NOT_EVALUABLE} "
        "Recorded by Dr Mei.")


async def test_3_3_alerts_already_raised_are_not_repeated(app, driver, db):
    third = first_dl1_cohort(app)
    dlt_directly(app, third["number"], days(app, -2))  # 1NNT: DL1 must expand, already raised
    assert [a.kind for a in trial_of(app).decision().alerts] == ["cohort-must-expand"]
    await withdraw(driver, INVESTIGATOR, "P-03", "consent withdrawn")
    await driver.press(INVESTIGATOR, "✅ Confirm")
    assert [(a["kind"], a["recipients"]) for a in alerts(db)] == [("withdrawn", "investigator")]
    assert DLT_COUNTS in alert_texts(app)[0]


async def test_withdrawn_after_the_window_stays_evaluable(app, driver, db):
    for _ in range(3):
        enrol_directly(app, days_ago=CLOSED)
    trial = trial_of(app)
    assert trial.history_text() == "1NNN"
    on = days(app, -CLOSED + 30)  # two days after P-02's window ended
    summary = await withdraw(driver, INVESTIGATOR, "P-02", "lost to follow-up", on=str(on))
    assert STAYS_EVALUABLE in summary.text
    assert "For the 3+3: evaluable, no DLT → evaluable, no DLT." in summary.text
    *_, saved = await driver.press(INVESTIGATOR, "✅ Confirm")
    assert STAYS_EVALUABLE in saved.text
    assert participant(db, "P-02")["withdrawn_on"] == on
    assert trial.history_text() == "1NNN"
    assert trial.decision().action == "escalate"
    [_chart, status] = await driver.send(COORDINATOR, "/status")
    assert ("DL1 (1×10^5/kg): 3 enrolled, 3 evaluable, 0 DLT, "
            "0 awaiting the end of their window, 0 not evaluable") in status.text


async def test_withdrawn_on_the_last_day_of_the_window(app, driver, db):
    enrol_directly(app, days_ago=CLOSED)
    enrol_directly(app, days_ago=CLOSED)
    last = enrol_directly(app, days_ago=28)
    assert last["dlt_window_end"] == days(app, 0)  # still observed today
    summary = await withdraw(driver, INVESTIGATOR, "P-03", "consent withdrawn")
    assert "the DLT window is still open today" in summary.text
    assert "For the 3+3: in the DLT window → in the DLT window." in summary.text
    await driver.press(INVESTIGATOR, "✅ Confirm")
    assert trial_of(app).history_text() == "1NNP"  # not replaced: evaluable once it ends


async def test_a_dlt_before_the_withdrawal_still_counts(app, driver, db):
    third = first_dl1_cohort(app)
    dlt_directly(app, third["number"], days(app, -2))
    trial = trial_of(app)
    assert trial.history_text() == "1NNT"
    [ask_date] = await driver.send(INVESTIGATOR, "/withdraw P-03")
    assert "1 DLT report (1 judged a DLT)" in ask_date.text
    await driver.press(INVESTIGATOR, f"Today ({days(app, 0)})")
    [summary] = await driver.send(INVESTIGATOR, "consent withdrawn")
    assert DLT_COUNTS in summary.text and "For the 3+3: DLT → DLT." in summary.text
    assert "expand DL1 to 6" in summary.text
    *_, saved = await driver.press(INVESTIGATOR, "✅ Confirm")
    assert DLT_COUNTS in saved.text
    assert "An investigator must confirm the next step: expand DL1." in saved.text
    assert saved.labels == ["✅ Confirm: expand DL1"]
    assert trial.history_text() == "1NNT"
    assert trial.decision().action == "expand"
    [_chart, status] = await driver.send(COORDINATOR, "/status")
    assert ("DL1 (1×10^5/kg): 3 enrolled, 3 evaluable, 1 DLT, "
            "0 awaiting the end of their window, 0 not evaluable") in status.text


async def test_the_date_is_checked(app, driver, db):
    first_dl1_cohort(app)
    await driver.send(INVESTIGATOR, "/withdraw P-03")
    infusion = days(app, -OPEN)
    for typed, problem in [
        ("yesterday", "YYYY-MM-DD"),
        ("2025-02-30", "YYYY-MM-DD"),
        (str(infusion - timedelta(days=1)), f"is before the infusion of P-03 ({infusion})"),
        (str(days(app, 1)), "is in the future"),
    ]:
        [again] = await driver.send(INVESTIGATOR, typed)
        assert again.text.startswith("⚠ ") and problem in again.text
        assert "Date of the withdrawal?" in again.text
        assert again.labels == [f"Today ({days(app, 0)})"]
    [ask_reason] = await driver.send(INVESTIGATOR, str(infusion))  # the infusion day itself
    assert ask_reason.text.startswith("Why is P-03 withdrawn?")
    [again] = await driver.send(INVESTIGATOR, "  no ")
    assert "at least 5 characters" in again.text and "Why is P-03 withdrawn?" in again.text
    [summary] = await driver.send(INVESTIGATOR, "pregnancy")
    assert f"Withdrawn on: {infusion}" in summary.text
    assert participant(db, "P-03")["withdrawn_on"] is None


async def test_a_coordinator_cannot_withdraw_a_participant(app, driver, db):
    first_dl1_cohort(app)
    [refused] = await driver.send(COORDINATOR, "/withdraw P-03")
    assert refused.text == "This needs the investigator role; your role is coordinator."
    assert no_form_open(await driver.send(COORDINATOR, "2026-01-01"))
    assert participant(db, "P-03")["withdrawn_on"] is None


async def test_a_coordinator_withdraws_a_screening(app, driver, db):
    number = eligible(db)
    [ask_reason] = await driver.send(COORDINATOR, f"/withdraw {number.lower()}")
    assert ask_reason.text.startswith(
        f"Withdrawing screening {number} (eligible, not enrolled).")
    assert f"Why is {number} withdrawn?" in ask_reason.text
    [summary] = await driver.send(COORDINATOR, "declined CAR-T after all")
    assert summary.text.startswith(f"Withdraw screening {number}?")
    assert summary.labels == ["✅ Confirm", "✖ Cancel"]
    assert get_screening(db, number)["status"] == "eligible"
    *_, saved = await driver.press(COORDINATOR, "✅ Confirm")
    assert saved.text == f"Saved: screening {number} withdrawn (declined CAR-T after all)."
    assert get_screening(db, number)["status"] == "withdrawn"
    change = audit_trail(db, "screenings", number)[-1]
    assert (change["field"], change["old_value"], change["new_value"]) == (
        "status", "eligible", "withdrawn")
    assert (change["reason"], change["actor"]) == ("declined CAR-T after all", str(COORDINATOR))
    assert alerts(db) == []
    [again] = await driver.send(COORDINATOR, f"/withdraw {number}")
    assert again.text == f"Screening {number} is already withdrawn: there is nothing to withdraw."
    [enrol] = await driver.send(COORDINATOR, f"/enroll {number}")
    assert "withdrawn" in enrol.text and "cannot be enrolled" in enrol.text


async def test_a_screening_in_progress_can_be_withdrawn(app, driver, db):
    number = start_screening(db, actor=COORDINATOR)
    [ask_reason] = await driver.send(COORDINATOR, f"/withdraw {number}")
    assert f"Withdrawing screening {number} (in progress)." in ask_reason.text
    await driver.send(COORDINATOR, "candidate moved abroad")
    await driver.press(COORDINATOR, "✅ Confirm")
    assert get_screening(db, number)["status"] == "withdrawn"


async def test_an_enrolled_screening_points_to_the_participant(app, driver, db):
    row = enrol_directly(app, days_ago=OPEN)
    [reply] = await driver.send(COORDINATOR, f"/withdraw {row['screening']}")
    assert reply.text == (f"Screening {row['screening']} is enrolled as P-01: withdraw the "
                          "participant with /withdraw P-01 (investigators).")


async def test_unknown_numbers_and_usage(app, driver, db):
    first_dl1_cohort(app)
    eligible(db)  # S-004
    [usage] = await driver.send(INVESTIGATOR, "/withdraw")
    assert usage.text.startswith("Whom to withdraw? e.g. /withdraw P-03")
    assert "Participants not withdrawn: P-01, P-02, P-03" in usage.text
    assert "Screenings open or eligible: S-004" in usage.text
    [usage] = await driver.send(INVESTIGATOR, "/withdraw the third one")
    assert usage.text.startswith("Whom to withdraw?")
    [reply] = await driver.send(INVESTIGATOR, "/withdraw P-09")
    assert reply.text == "There is no participant P-09."
    [reply] = await driver.send(COORDINATOR, "/withdraw S-099")
    assert reply.text == "There is no screening S-099."
    assert no_form_open(await driver.send(INVESTIGATOR, "moved away"))  # no form is open


async def test_strangers_and_groups_are_refused(app, driver, db):
    first_dl1_cohort(app)
    [reply] = await driver.send(STRANGER, "/withdraw P-03")
    assert "registered trial staff only" in reply.text
    [reply] = await driver.send(INVESTIGATOR, "/withdraw P-03", chat_id=GROUP, chat_type="group")
    assert reply.text == ACCESS["private_only"]
    assert participant(db, "P-03")["withdrawn_on"] is None


async def test_withdrawing_twice_is_refused(app, driver, db):
    first_dl1_cohort(app)
    add_staff(db, user_id=1004, name="Dr Zhao", role="investigator", actor="test")
    await withdraw(driver, INVESTIGATOR, "P-03", "moved away")
    await withdraw(driver, 1004, "P-03", "consent withdrawn")  # both at the summary
    await driver.press(INVESTIGATOR, "✅ Confirm")
    *_, refused = await driver.press(1004, "✅ Confirm")
    assert refused.text.startswith(
        f"Not withdrawn: P-03 was already withdrawn on {days(app, 0)}")
    assert "Nothing was saved." in refused.text
    assert participant(db, "P-03")["withdrawal_reason"] == "moved away"
    assert [a["kind"] for a in alerts(db)] == ["withdrawn"]
    [again] = await driver.send(ADMIN, "/withdraw P-03")
    assert again.text == (f"P-03 was already withdrawn on {days(app, 0)} (moved away): "
                          "nothing to do.")


async def test_cancel_and_stale_buttons(app, driver, db):
    first_dl1_cohort(app)
    [ask_date] = await driver.send(INVESTIGATOR, "/withdraw P-03")
    await driver.send(INVESTIGATOR, str(days(app, 0)))  # typed: the Today button stays
    await driver.press(INVESTIGATOR, f"Today ({days(app, 0)})", message=ask_date)
    answer = driver.fake.calls_of("answerCallbackQuery")[-1].params
    assert answer["text"] == "That button is no longer current."
    [summary] = await driver.send(INVESTIGATOR, "moved away")
    [hint] = await driver.send(INVESTIGATOR, "yes")
    assert hint.text == "Please answer with the buttons above, or /cancel."
    *_, stopped = await driver.press(INVESTIGATOR, "✖ Cancel", message=summary)
    assert stopped.text == "Stopped: nothing was saved."
    assert participant(db, "P-03")["withdrawn_on"] is None and alerts(db) == []
    # /cancel in the middle, and a button of the ended form
    [ask_date] = await driver.send(INVESTIGATOR, "/withdraw P-03")
    [stopped] = await driver.send(INVESTIGATOR, "/cancel")
    assert stopped.text == "Stopped: nothing was saved."
    await driver.press(INVESTIGATOR, f"Today ({days(app, 0)})", message=ask_date)
    answer = driver.fake.calls_of("answerCallbackQuery")[-1].params
    assert answer["text"] == "That button is no longer current."
    assert participant(db, "P-03")["withdrawn_on"] is None


async def test_help_lists_withdraw_for_coordinators(driver):
    [reply] = await driver.send(COORDINATOR, "/help")
    assert "/withdraw — Withdraw a participant or a screening: /withdraw P-03" in reply.text
