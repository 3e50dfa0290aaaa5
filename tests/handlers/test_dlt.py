"""/dlt end to end: the report, the suggestion, the investigator's judgement and the alerts."""

from __future__ import annotations

from datetime import timedelta

from storage.outbox import alerts
from storage.participants import dlt_reports, escalation_decisions
from tests.handlers.conftest import COORDINATOR, INVESTIGATOR, alert_texts, no_form_open
from tests.handlers.helpers_enrollment import CLOSED, OPEN, enrol_directly, trial_of


def days(app, n: int):
    return trial_of(app).today() + timedelta(days=n)


def first_dl1_cohort(app):
    """P-01 and P-02 done without a DLT, P-03 still in the window: 1NNP."""
    enrol_directly(app, days_ago=CLOSED)
    enrol_directly(app, days_ago=CLOSED)
    return enrol_directly(app, days_ago=OPEN)


async def up_to_onset(driver, participant: str, event: str, grade: int):
    await driver.send(INVESTIGATOR, "/dlt")
    await driver.send(INVESTIGATOR, participant)
    await driver.press(INVESTIGATOR, event)
    return await driver.press(INVESTIGATOR, f"Grade {grade}")


async def test_a_dlt_is_saved_with_its_alerts(app, driver, db):
    first_dl1_cohort(app)
    today = days(app, 0)
    [choose] = await driver.send(INVESTIGATOR, "/dlt")
    assert choose.labels == [f"P-03 · DL1 · until {days(app, 28 - OPEN)}"]  # only in-window
    *_, ask_event = await driver.press(INVESTIGATOR, choose.labels[0])
    assert ask_event.text.startswith(f"P-03: DL1, infused {days(app, -OPEN)}")
    assert ask_event.labels == ["CRS", "ICANS", "Cytopenia", "Infection", "Other"]
    *_, ask_grade = await driver.press(INVESTIGATOR, "CRS")
    assert ask_grade.text.startswith("CRS is graded with ASTCT. Grade?")
    assert ask_grade.labels == [f"Grade {g}" for g in range(1, 6)]
    *_, ask_onset = await driver.press(INVESTIGATOR, "Grade 4")
    *_, ask_attribution = await driver.press(INVESTIGATOR, f"Today ({today})")
    assert ask_attribution.labels == ["Unrelated", "Unlikely", "Possible", "Probable", "Definite"]
    *_, ask_judgement = await driver.press(INVESTIGATOR, "Probable")
    assert ask_judgement.text.startswith("Suggested: DLT — Grade 4 CRS (ASTCT)")
    assert ask_judgement.labels == ["It is a DLT", "Not a DLT"]
    *_, summary = await driver.press(INVESTIGATOR, "It is a DLT")
    assert "Event: CRS grade 4 (ASTCT)" in summary.text and f"Onset: {today}" in summary.text
    assert "Investigator's judgement: DLT" in summary.text and "differs" not in summary.text
    assert dlt_reports(db) == [] and alerts(db) == []

    *_, saved = await driver.press(INVESTIGATOR, "✅ Save")
    assert saved.text.startswith(
        f"Saved: P-03 CRS grade 4 (ASTCT), onset {today}, probably related. Judgement: DLT.")
    assert "3+3 now: DL1: 1 DLT in 3 evaluable participants: expand DL1 to 6" in saved.text
    assert "An investigator must confirm the next step: expand DL1." in saved.text
    [report] = dlt_reports(db)
    assert (report["participant"], report["event"], report["grading"], report["grade"]) == (
        "P-03", "crs", "ASTCT", 4)
    assert (report["onset_date"], report["attribution"]) == (today, "probable")
    assert report["is_dlt"] and report["suggested_dlt"]
    assert report["reported_by"] == str(INVESTIGATOR)
    assert [(a["kind"], a["recipients"]) for a in alerts(db)] == [
        ("dlt", "investigator"), ("cohort-must-expand", "investigator")]
    assert alert_texts(app)[0].startswith(
        f"DLT reported: P-03 DL1, CRS grade 4 (ASTCT), onset {today}, probably related")
    assert "Expand DL1 to 6" in alert_texts(app)[1]

    await driver.press(INVESTIGATOR, "✅ Confirm: expand DL1")  # the button in the reply
    assert [(r["action"], r["dose_level"]) for r in escalation_decisions(db)] == [("expand", 1)]


async def test_a_late_report_outside_the_window(app, driver, db):
    """P-01's window is over; an event whose onset was in the window is reported late."""
    first_dl1_cohort(app)
    await driver.send(INVESTIGATOR, "/dlt")
    [ask_event] = await driver.send(INVESTIGATOR, "p1")  # P-01's window is over
    assert ask_event.text.startswith("P-01: DL1")
    await driver.press(INVESTIGATOR, "ICANS")
    await driver.press(INVESTIGATOR, "Grade 3")
    onset = days(app, -CLOSED + 28)  # the last day of P-01's window
    await driver.send(INVESTIGATOR, str(onset))
    *_, ask_judgement = await driver.press(INVESTIGATOR, "Unlikely")
    assert ask_judgement.text.startswith("Suggested: not a DLT — unlikely to the study treatment")
    await driver.press(INVESTIGATOR, "Not a DLT")
    *_, saved = await driver.press(INVESTIGATOR, "✅ Save")
    assert "Saved: P-01 ICANS grade 3 (ASTCT)" in saved.text
    assert "unlikely to be related. Judgement: not a DLT." in saved.text
    assert saved.buttons == []
    [report] = dlt_reports(db)
    assert not report["is_dlt"] and not report["suggested_dlt"]
    assert alerts(db) == []


async def test_the_investigator_may_overrule_the_suggestion(app, driver, db):
    first_dl1_cohort(app)
    await up_to_onset(driver, "P-03", "Infection", 2)
    await driver.press(INVESTIGATOR, f"Today ({days(app, 0)})")
    *_, ask_judgement = await driver.press(INVESTIGATOR, "Definite")
    assert "Suggested: not a DLT — grade 2 infection is below the DLT definition" in (
        ask_judgement.text)
    *_, summary = await driver.press(INVESTIGATOR, "It is a DLT")
    assert "Investigator's judgement: DLT (differs from the suggestion)" in summary.text
    await driver.press(INVESTIGATOR, "✅ Save")
    [report] = dlt_reports(db)
    assert report["is_dlt"] and not report["suggested_dlt"]
    assert [a["kind"] for a in alerts(db)] == ["dlt", "cohort-must-expand"]


async def test_a_rule_with_a_duration_asks_to_check_it(app, driver, db):
    first_dl1_cohort(app)
    await up_to_onset(driver, "P-03", "CRS", 3)
    await driver.press(INVESTIGATOR, f"Today ({days(app, 0)})")
    *_, ask_judgement = await driver.press(INVESTIGATOR, "Probable")
    assert ask_judgement.text.startswith(
        "Suggested: DLT — check: Grade 3 CRS not improving to grade 2 or less within 72 h")


async def test_onset_date_is_checked(app, driver, db):
    first_dl1_cohort(app)
    *_, ask_onset = await up_to_onset(driver, "P-03", "Cytopenia", 4)
    assert "Onset date?" in ask_onset.text
    infusion = days(app, -OPEN)
    for typed, problem in [
        ("last week", "YYYY-MM-DD"),
        (str(infusion - timedelta(days=1)),
         f"is before the infusion of P-03 ({infusion})"),
        (str(days(app, 1)), "is in the future"),
    ]:
        [again] = await driver.send(INVESTIGATOR, typed)
        assert problem in again.text and "Onset date?" in again.text
    [ask_attribution] = await driver.send(INVESTIGATOR, str(infusion))
    assert "Relation to the study treatment" in ask_attribution.text


async def test_participant_number_is_checked(app, driver, db):
    first_dl1_cohort(app)
    await driver.send(INVESTIGATOR, "/dlt")
    [again] = await driver.send(INVESTIGATOR, "P-09")
    assert again.text.startswith("⚠ There is no participant P-09.")
    [again] = await driver.send(INVESTIGATOR, "the third one")
    assert "Please type a participant number like P-03." in again.text
    assert again.labels == [f"P-03 · DL1 · until {days(app, 28 - OPEN)}"]


async def test_buttons_are_expected_where_shown(app, driver, db):
    first_dl1_cohort(app)
    await driver.send(INVESTIGATOR, "/dlt P-03")
    [hint] = await driver.send(INVESTIGATOR, "CRS")
    assert hint.text == "Please answer with the buttons above, or /cancel."
    [stopped] = await driver.send(INVESTIGATOR, "/cancel")
    assert stopped.text == "Stopped: nothing was saved."
    assert dlt_reports(db) == []


async def test_nobody_in_a_window(app, driver, db):
    enrol_directly(app, days_ago=CLOSED)
    [choose] = await driver.send(INVESTIGATOR, "/dlt")
    assert choose.text.startswith("Nobody is in a DLT window now.") and choose.buttons == []


async def test_a_coordinator_cannot_report(app, driver, db):
    first_dl1_cohort(app)
    [refused] = await driver.send(COORDINATOR, "/dlt")
    assert refused.text == "This needs the investigator role; your role is coordinator."
    assert no_form_open(await driver.send(COORDINATOR, "P-03"))
