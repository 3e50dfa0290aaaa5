"""Dates checked against what is plausible for the record (/enroll, /dlt, /withdraw)."""

from __future__ import annotations

from datetime import timedelta

from storage.participants import participants
from tests.handlers.conftest import COORDINATOR, INVESTIGATOR
from tests.handlers.helpers_enrollment import (
    CLOSED,
    OPEN,
    eligible,
    enrol_directly,
    trial_of,
)

MAX = 60  # the shipped protocol's max_days_to_infusion
BAD_DATE = "Please type the date as YYYY-MM-DD (years 2000 to 2099)"


def days(app, n: int):
    return trial_of(app).today() + timedelta(days=n)


def planned(app, in_days: int = 5) -> dict:
    """A participant enrolled for an infusion `in_days` days ahead."""
    return enrol_directly(app, days_ago=-in_days)


# --- /enroll: the planned infusion date -------------------------------------------------------

async def test_enroll_refuses_an_infusion_decades_ahead(app, driver, db):
    eligible(db)
    await driver.send(COORDINATOR, "/enroll S-001")
    await driver.send(COORDINATOR, "62")
    latest = days(app, MAX)
    for typed in ("2062-11-27", str(latest + timedelta(days=1))):
        [again] = await driver.send(COORDINATOR, typed)
        assert again.text.startswith(
            f"⚠ {typed} is too far ahead: the protocol plans infusions at most {MAX} days ahead "
            f"(by {latest}).")
        assert "Planned infusion date" in again.text and len(again.labels) == 2
    [review] = await driver.send(COORDINATOR, str(latest))  # the last day allowed
    assert f"Infusion {latest}, DLT window until {latest + timedelta(days=28)}" in review.text
    assert participants(db) == []


async def test_enroll_reads_no_date_outside_the_years_of_a_record(app, driver, db):
    """9999-12-31 crashed the review (OverflowError computing the DLT window end)."""
    eligible(db)
    await driver.send(COORDINATOR, "/enroll S-001")
    await driver.send(COORDINATOR, "62")
    for typed in ("9999-12-31", "2100-01-01", "0001-01-01"):
        [again] = await driver.send(COORDINATOR, typed)
        assert again.text.startswith(f"⚠ {BAD_DATE}, e.g. {days(app, 1)}.")
        assert "Planned infusion date" in again.text
    [review] = await driver.send(COORDINATOR, str(days(app, 1)))
    assert review.text.startswith("Enrol S-001 as the next participant?")
    assert participants(db) == []


async def test_enroll_rechecks_the_horizon_at_confirm(app, driver, db):
    """The enrolment transaction itself refuses a date beyond the protocol's horizon."""
    eligible(db)
    await driver.send(COORDINATOR, "/enroll S-001")
    await driver.send(COORDINATOR, "62")
    await driver.send(COORDINATOR, str(days(app, 3)))
    trial_of(app).protocol = trial_of(app).protocol.model_copy(update={
        "escalation": trial_of(app).protocol.escalation.model_copy(
            update={"max_days_to_infusion": 2})})  # an amendment meanwhile
    *_, refused = await driver.press(COORDINATOR, "✅ Confirm")
    assert refused.text.startswith(f"Not enrolled: {days(app, 3)} is too far ahead")
    assert participants(db) == []


# --- /dlt and /withdraw: a date after the infusion ----------------------------------------------

async def test_dlt_onset_outside_the_years_of_a_record_is_asked_again(app, driver, db):
    enrol_directly(app, days_ago=OPEN)
    await driver.send(INVESTIGATOR, "/dlt P-01")
    await driver.press(INVESTIGATOR, "CRS")
    await driver.press(INVESTIGATOR, "Grade 4")
    [again] = await driver.send(INVESTIGATOR, "9999-12-31")
    assert again.text.startswith(f"⚠ {BAD_DATE}, e.g. {days(app, 0)}.")
    assert "Onset date?" in again.text
    [ask_attribution] = await driver.send(INVESTIGATOR, str(days(app, 0)))
    assert "Relation to the study treatment" in ask_attribution.text


async def test_dlt_onset_after_the_window_is_refused(app, driver, db):
    enrol_directly(app, days_ago=CLOSED)  # the window ended 12 days ago
    end = days(app, 28 - CLOSED)
    await driver.send(INVESTIGATOR, "/dlt P-01")
    await driver.press(INVESTIGATOR, "CRS")
    await driver.press(INVESTIGATOR, "Grade 4")
    for onset in (end + timedelta(days=1), days(app, 0)):
        [again] = await driver.send(INVESTIGATOR, str(onset))
        assert again.text.startswith(
            f"⚠ {onset} is after the DLT window of P-01 (ended {end}): under the protocol it "
            "cannot be a DLT.")
        assert "Onset date?" in again.text
    [again] = await driver.send(INVESTIGATOR, "last week")
    assert f"e.g. {end}." in again.text  # the example is a date that would be accepted
    [ask_attribution] = await driver.send(INVESTIGATOR, str(end))  # the window's last day
    assert "Relation to the study treatment" in ask_attribution.text


async def test_withdrawal_date_outside_the_years_of_a_record_is_asked_again(app, driver, db):
    enrol_directly(app, days_ago=OPEN)
    await driver.send(INVESTIGATOR, "/withdraw P-01")
    [again] = await driver.send(INVESTIGATOR, "9999-12-31")
    assert again.text.startswith(f"⚠ {BAD_DATE}, e.g. {days(app, -1)}.")
    assert "Date of the withdrawal?" in again.text
    [ask_reason] = await driver.send(INVESTIGATOR, str(days(app, 0)))
    assert ask_reason.text.startswith("Why is P-01 withdrawn?")
