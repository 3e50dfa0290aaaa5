"""/revise end to end: an investigator revises a DLT judgement with a reason; what the revision
means for the 3+3, the audit trail, the alerts it raises, and the refusals."""

from __future__ import annotations

from datetime import timedelta

from handlers.texts import ACCESS
from handlers.wording import say
from storage.audit import audit_trail
from storage.outbox import alerts
from storage.participants import add_dlt_report, dlt_reports
from storage.staff import add_staff
from tests.handlers.conftest import (
    COORDINATOR,
    GROUP,
    INVESTIGATOR,
    STRANGER,
    alert_texts,
    no_form_open,
)
from tests.handlers.helpers_enrollment import CLOSED, OPEN, enrol_directly, trial_of

REASON = "CRS improved within 72 h on tocilizumab"
STALE = "That button is no longer current."


def days(app, n: int):
    return trial_of(app).today() + timedelta(days=n)


def report_directly(app, number: str, *, is_dlt: bool, days_ago: int = CLOSED - 2) -> dict:
    """A grade 3 CRS of `number`, onset `days_ago` days before today, judged as `is_dlt`."""
    return add_dlt_report(
        trial_of(app).db, participant=number, event="crs", grading="ASTCT", grade=3,
        onset_date=days(app, -days_ago), attribution="probable", is_dlt=is_dlt,
        suggested_dlt=True, actor="test")


def dl1_cohort(app, *, third_is_dlt: bool) -> dict:
    """Three DL1 participants past their window; P-03 had a grade 3 CRS judged as given."""
    for _ in range(3):
        enrol_directly(app, days_ago=CLOSED)
    return report_directly(app, "P-03", is_dlt=third_is_dlt)


def button(app, report: dict, was: str, to: str) -> str:
    return f"{report['onset_date']}: CRS grade 3 — {was} → change to {to}"


async def revise(driver, user, report_button: str, reason: str = REASON):
    """Run /revise P-03 up to the summary."""
    await driver.send(user, "/revise P-03")
    await driver.press(user, report_button)
    [summary] = await driver.send(user, reason)
    return summary


async def test_a_dlt_revised_to_not_a_dlt_turns_expand_back_into_escalate(app, driver, db):
    report = dl1_cohort(app, third_is_dlt=True)
    trial = trial_of(app)
    assert trial.history_text() == "1NNT" and trial.decision().action == "expand"
    [_chart, status] = await driver.send(COORDINATOR, "/status")
    assert "Not yet confirmed by an investigator." in status.text

    [choose] = await driver.send(INVESTIGATOR, "/revise p3")
    assert choose.text.startswith(
        f"P-03: DL1, infused {days(app, -CLOSED)}, DLT window until {days(app, 28 - CLOSED)}.")
    assert "Which judgement do you revise?" in choose.text
    label = button(app, report, "DLT", "not a DLT")
    assert choose.labels == [label]
    *_, ask_reason = await driver.press(INVESTIGATOR, label)
    assert ask_reason.text.startswith(
        f"Why is the CRS grade 3 of P-03 (onset {report['onset_date']}) now not a DLT?")
    [summary] = await driver.send(INVESTIGATOR, REASON)
    assert summary.text.startswith("Revise this judgement?")
    assert "Judgement: DLT → not a DLT" in summary.text and f"Reason: {REASON}" in summary.text
    assert "For the 3+3: DLT → evaluable, no DLT." in summary.text
    assert "3+3 then: DL1 cleared" in summary.text and "escalate to DL2" in summary.text
    assert summary.labels == ["✅ Confirm", "✖ Cancel"]
    assert dlt_reports(db, "P-03")[0]["is_dlt"] is True and alerts(db) == []

    *_, saved = await driver.press(INVESTIGATOR, "✅ Confirm")
    decision = trial.decision()
    assert (trial.history_text(), decision.action) == ("1NNN", "escalate")
    assert saved.text.startswith(
        f"Saved: P-03 CRS grade 3, onset {report['onset_date']}: DLT → not a DLT ({REASON}).")
    assert f"3+3 now: {say(decision.reason)}" in saved.text
    assert "An investigator must confirm the next step: escalate to DL2." in saved.text
    assert saved.labels == ["✅ Confirm: escalate to DL2"]

    change = audit_trail(db, "dlt_reports", report["id"])[-1]
    assert (change["field"], change["old_value"], change["new_value"]) == ("is_dlt", True, False)
    assert (change["reason"], change["actor"]) == (REASON, str(INVESTIGATOR))
    assert [(a["kind"], a["recipients"]) for a in alerts(db)] == [
        ("dlt-revised", "investigator"), ("escalation-allowed", "investigator")]
    assert alert_texts(app)[0] == (
        f"DLT judgement revised: P-03 (DL1) CRS grade 3 (ASTCT), onset {report['onset_date']}: "
        f"DLT → not a DLT. Reason: {REASON}. Revised by Dr Mei.")

    [_chart, status] = await driver.send(COORDINATOR, "/status")
    assert ("DL1 (1×10^5/kg): 3 enrolled, 3 evaluable, 0 DLT, "
            "0 awaiting the end of their window, 0 not evaluable") in status.text
    [timeline] = await driver.send(COORDINATOR, "/participant P-03")
    assert "CRS grade 3 (ASTCT), probable, not a DLT" in timeline.text
    *_, confirmed = await driver.press(INVESTIGATOR, "✅ Confirm: escalate to DL2")
    assert "Confirmed by Dr Mei: escalate to DL2." in confirmed.text


async def test_not_a_dlt_revised_to_a_dlt_raises_cohort_must_expand(app, driver, db):
    report = dl1_cohort(app, third_is_dlt=False)
    trial = trial_of(app)
    assert trial.history_text() == "1NNN"
    summary = await revise(driver, INVESTIGATOR, button(app, report, "not a DLT", "DLT"),
                           "persisted beyond 72 h on re-review")
    assert "Judgement: not a DLT → DLT" in summary.text
    assert "For the 3+3: evaluable, no DLT → DLT." in summary.text
    assert "expand DL1 to 6" in summary.text
    *_, saved = await driver.press(INVESTIGATOR, "✅ Confirm")
    assert trial.history_text() == "1NNT" and trial.decision().action == "expand"
    assert "An investigator must confirm the next step: expand DL1." in saved.text
    assert saved.labels == ["✅ Confirm: expand DL1"]
    assert [a["kind"] for a in alerts(db)] == ["dlt-revised", "cohort-must-expand"]


async def test_a_revision_the_history_no_longer_fits_raises_a_history_conflict(app, driver, db):
    report = dl1_cohort(app, third_is_dlt=False)
    enrol_directly(app, days_ago=OPEN, level=2)  # escalated after 1NNN
    trial = trial_of(app)
    assert trial.history_text() == "1NNN 2P"
    summary = await revise(driver, INVESTIGATOR, button(app, report, "not a DLT", "DLT"))
    assert "⚠ After this revision the 3+3 history would no longer fit the design" in summary.text
    *_, saved = await driver.press(INVESTIGATOR, "✅ Confirm")
    assert "3+3 now: After the revision for P-03, the 3+3 history no longer fits" in saved.text
    assert saved.labels == []
    assert dlt_reports(db, "P-03")[0]["is_dlt"] is True  # saved all the same: it is the truth
    assert [a["kind"] for a in alerts(db)] == ["dlt-revised", "history-conflict"]
    [_chart, status] = await driver.send(COORDINATOR, "/status")
    assert "The 3+3 rules cannot read the recorded history" in status.text


async def test_a_report_after_the_window_does_not_count_either_way(app, driver, db):
    enrol_directly(app, days_ago=CLOSED)
    report = report_directly(app, "P-01", is_dlt=True, days_ago=2)  # after the window ended
    assert trial_of(app).history_text() == "1N"
    await driver.send(INVESTIGATOR, "/revise P-01")
    await driver.press(INVESTIGATOR, button(app, report, "DLT", "not a DLT"))
    [summary] = await driver.send(INVESTIGATOR, "onset after the window, re-read")
    assert ("The onset is after the DLT window (ended "
            f"{days(app, 28 - CLOSED)}): the report does not count") in summary.text
    await driver.press(INVESTIGATOR, "✅ Confirm")
    assert dlt_reports(db, "P-01")[0]["is_dlt"] is False
    assert [a["kind"] for a in alerts(db)] == ["dlt-revised"]


async def test_a_short_reason_is_asked_again(app, driver, db):
    report = dl1_cohort(app, third_is_dlt=True)
    await driver.send(INVESTIGATOR, "/revise P-03")
    await driver.press(INVESTIGATOR, button(app, report, "DLT", "not a DLT"))
    [again] = await driver.send(INVESTIGATOR, "  no ")
    assert again.text.startswith("⚠ ") and "at least 5 characters" in again.text
    assert "Why is the CRS grade 3 of P-03" in again.text
    [summary] = await driver.send(INVESTIGATOR, "resolved")
    assert "Reason: resolved" in summary.text
    assert dlt_reports(db, "P-03")[0]["is_dlt"] is True


async def test_a_coordinator_cannot_revise(app, driver, db):
    dl1_cohort(app, third_is_dlt=True)
    [refused] = await driver.send(COORDINATOR, "/revise P-03")
    assert refused.text == "This needs the investigator role; your role is coordinator."
    assert no_form_open(await driver.send(COORDINATOR, REASON))
    assert dlt_reports(db, "P-03")[0]["is_dlt"] is True


async def test_strangers_and_groups_are_refused(app, driver, db):
    dl1_cohort(app, third_is_dlt=True)
    [reply] = await driver.send(STRANGER, "/revise P-03")
    assert "registered trial staff only" in reply.text
    [reply] = await driver.send(INVESTIGATOR, "/revise P-03", chat_id=GROUP, chat_type="group")
    assert reply.text == ACCESS["private_only"]


async def test_unknown_participant_no_reports_and_usage(app, driver, db):
    dl1_cohort(app, third_is_dlt=True)
    [reply] = await driver.send(INVESTIGATOR, "/revise P-09")
    assert reply.text == "There is no participant P-09."
    [reply] = await driver.send(INVESTIGATOR, "/revise P-01")
    assert reply.text.startswith("P-01 has no DLT report: there is no judgement to revise.")
    for command in ("/revise", "/revise the third one"):
        [usage] = await driver.send(INVESTIGATOR, command)
        assert usage.text == ("Whose DLT judgement? e.g. /revise P-03\n"
                              "Participants with DLT reports: P-03")
    assert no_form_open(await driver.send(INVESTIGATOR, REASON))  # no form is open


async def test_stale_buttons_after_the_revision_was_made(app, driver, db):
    report = dl1_cohort(app, third_is_dlt=True)
    add_staff(db, user_id=1004, name="Dr Zhao", role="investigator", actor="test")
    label = button(app, report, "DLT", "not a DLT")
    [mine] = await driver.send(INVESTIGATOR, "/revise P-03")
    await revise(driver, 1004, label)
    await driver.press(1004, "✅ Confirm")
    assert dlt_reports(db, "P-03")[0]["is_dlt"] is False

    assert await driver.press(INVESTIGATOR, label, message=mine) == []
    answer = driver.fake.calls_of("answerCallbackQuery")[-1].params
    assert answer["text"] == STALE
    [listed] = await driver.send(INVESTIGATOR, "/revise P-03")  # the list as it is now
    assert listed.labels == [button(app, report, "not a DLT", "DLT")]
    [stopped] = await driver.send(INVESTIGATOR, "/cancel")
    assert stopped.text == "Stopped: nothing was saved."
    await driver.press(INVESTIGATOR, label, message=mine)  # the form has ended
    assert driver.fake.calls_of("answerCallbackQuery")[-1].params["text"] == STALE
    assert [a["kind"] for a in alerts(db)].count("dlt-revised") == 1


async def test_the_same_revision_confirmed_twice_is_saved_once(app, driver, db):
    report = dl1_cohort(app, third_is_dlt=True)
    add_staff(db, user_id=1004, name="Dr Zhao", role="investigator", actor="test")
    label = button(app, report, "DLT", "not a DLT")
    await revise(driver, INVESTIGATOR, label)
    await revise(driver, 1004, label, "re-reviewed, improved within 72 h")  # both at the summary
    await driver.press(INVESTIGATOR, "✅ Confirm")
    *_, refused = await driver.press(1004, "✅ Confirm")
    assert refused.text == ("Not saved: this report was revised meanwhile and is already judged "
                            "not a DLT. See /participant P-03.")
    changes = [row for row in audit_trail(db, "dlt_reports", report["id"]) if row["reason"]]
    assert [c["reason"] for c in changes] == [REASON]
    assert [a["kind"] for a in alerts(db)] == ["dlt-revised", "escalation-allowed"]


async def test_cancel_and_buttons_expected(app, driver, db):
    report = dl1_cohort(app, third_is_dlt=True)
    await driver.send(INVESTIGATOR, "/revise P-03")
    [hint] = await driver.send(INVESTIGATOR, "the CRS one")
    assert hint.text == "Please answer with the buttons above, or /cancel."
    summary = await revise(driver, INVESTIGATOR, button(app, report, "DLT", "not a DLT"))
    *_, stopped = await driver.press(INVESTIGATOR, "✖ Cancel", message=summary)
    assert stopped.text == "Stopped: nothing was saved."
    assert no_form_open(await driver.send(INVESTIGATOR, "/cancel"))  # nothing is open
    assert dlt_reports(db, "P-03")[0]["is_dlt"] is True and alerts(db) == []


async def test_help_lists_revise_for_investigators(driver):
    [investigator] = await driver.send(INVESTIGATOR, "/help")
    assert "/revise — Revise a DLT judgement, with a reason: /revise P-03" in investigator.text
    [coordinator] = await driver.send(COORDINATOR, "/help")
    assert "/revise" not in coordinator.text
