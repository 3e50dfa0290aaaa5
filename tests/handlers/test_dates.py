"""Dates checked against what is plausible for the record (/enroll, /dlt, /withdraw), and
/reschedule, which moves a planned infusion date with a reason until it matters."""

from __future__ import annotations

from datetime import timedelta

from handlers.texts import ACCESS
from storage.audit import audit_trail
from storage.outbox import alerts
from storage.participants import participant, participants, set_withdrawal
from storage.staff import add_staff
from tests.handlers.conftest import (
    COORDINATOR,
    GROUP,
    INVESTIGATOR,
    STRANGER,
    no_form_open,
    worded,
)
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


# --- /reschedule --------------------------------------------------------------------------------

async def reschedule(driver, number: str, new, reason: str = "cell product release delayed",
                     user: int = COORDINATOR):
    """Run /reschedule NUMBER up to the summary."""
    await driver.send(user, f"/reschedule {number}")
    await driver.send(user, str(new))
    [summary] = await driver.send(user, reason)
    return summary


async def test_reschedule_moves_the_date_with_its_audit_and_alert(app, driver, db):
    row = planned(app, 5)
    old, old_end = days(app, 5), days(app, 33)
    assert (row["infusion_date"], row["dlt_window_end"]) == (old, old_end)
    new, new_end = days(app, 12), days(app, 40)

    [ask_date] = await driver.send(COORDINATOR, "/reschedule p1")
    assert ask_date.text.startswith(
        f"Moving the infusion of P-01: DL1, planned for {old}, DLT window until {old_end}.")
    assert "New planned infusion date?" in ask_date.text
    assert ask_date.labels == [f"Today ({days(app, 0)})", f"Tomorrow ({days(app, 1)})"]
    [ask_reason] = await driver.send(COORDINATOR, str(new))
    assert ask_reason.text.startswith("Why does the infusion of P-01 move?")
    [again] = await driver.send(COORDINATOR, " late ")
    assert "at least 5 characters" in again.text and "Why does the infusion" in again.text
    [summary] = await driver.send(COORDINATOR, "cell product release delayed")
    assert summary.text == (f"Move the infusion of P-01 (DL1)?\n"
                            f"Planned infusion: {old} → {new}\n"
                            f"DLT window until: {old_end} → {new_end}\n"
                            "Reason: cell product release delayed")
    assert summary.labels == ["✅ Confirm", "✖ Cancel"]
    assert participant(db, "P-01")["infusion_date"] == old and alerts(db) == []

    *_, saved = await driver.press(COORDINATOR, "✅ Confirm")
    assert saved.text == (f"Saved: the infusion of P-01 moved from {old} to {new} (cell product "
                          f"release delayed). DLT window until {new_end}.")
    row = participant(db, "P-01")
    assert (row["infusion_date"], row["dlt_window_end"]) == (new, new_end)
    changes = [(c["field"], c["old_value"], c["new_value"], c["reason"], c["actor"])
               for c in audit_trail(db, "participants", "P-01") if c["old_value"] is not None]
    reason = "cell product release delayed"
    assert changes == [
        ("infusion_date", str(old), str(new), reason, str(COORDINATOR)),
        ("dlt_window_end", str(old_end), str(new_end), reason, str(COORDINATOR)),
    ]
    [alert] = alerts(db)
    assert (alert["kind"], alert["recipients"]) == ("infusion-moved", "investigator")
    assert worded(app, alert) == (
        f"Infusion moved: P-01 (DL1) from {old} to {new}, DLT window until "
        f"{new_end}. Reason: {reason}. Recorded by Coordinator Li.")
    [_chart, status] = await driver.send(COORDINATOR, "/status")
    assert f"P-01 (DL1) until {new_end}" in status.text


async def test_reschedule_on_the_planned_day_itself(app, driver, db):
    planned(app, 0)  # planned for today: not yet passed
    await reschedule(driver, "P-01", days(app, 1), "patient has a fever today")
    await driver.press(COORDINATOR, "✅ Confirm")
    assert participant(db, "P-01")["infusion_date"] == days(app, 1)


async def test_a_bad_new_date_is_asked_again(app, driver, db):
    planned(app, 5)
    await driver.send(COORDINATOR, "/reschedule P-01")
    latest = days(app, MAX)
    for typed, problem in [
        ("9999-12-31", BAD_DATE),
        ("next friday", BAD_DATE),
        ("2062-11-27", f"is too far ahead: the protocol plans infusions at most {MAX} days"),
        (str(latest + timedelta(days=1)), f"(by {latest})"),
        (str(days(app, -1)), "is in the past: the infusion date is today or later"),
        (str(days(app, 5)), f"{days(app, 5)} is already the planned date."),
    ]:
        [again] = await driver.send(COORDINATOR, typed)
        assert again.text.startswith("⚠ ") and problem in again.text, typed
        assert "New planned infusion date?" in again.text and len(again.labels) == 2
    [ask_reason] = await driver.send(COORDINATOR, str(latest))
    assert ask_reason.text.startswith("Why does the infusion of P-01 move?")
    assert participant(db, "P-01")["infusion_date"] == days(app, 5)


async def test_reschedule_is_refused_once_the_infusion_is_recorded(app, driver, db):
    enrol_directly(app, days_ago=1)  # infused yesterday, recorded
    [refused] = await driver.send(COORDINATOR, "/reschedule P-01")
    assert refused.text == (f"P-01 was infused on {days(app, -1)} (recorded): the planned date "
                            f"({days(app, -1)}) can no longer be changed.")
    assert no_form_open(await driver.send(COORDINATOR, str(days(app, 3))))  # no form is open


async def test_a_planned_day_passed_without_an_infusion_may_still_move(app, driver, db):
    enrol_directly(app, days_ago=1, infused=False)  # the product was not released in time
    await reschedule(driver, "P-01", days(app, 2))
    *_, saved = await driver.press(COORDINATOR, "✅ Confirm")
    assert saved.text.startswith(f"Saved: the infusion of P-01 moved from {days(app, -1)} to "
                                 f"{days(app, 2)}")
    assert participant(db, "P-01")["dlt_window_end"] == days(app, 30)


async def test_reschedule_is_refused_after_a_dlt_report(app, driver, db):
    planned(app, 0)
    dlt_directly(app, "P-01", days(app, 0))
    [refused] = await driver.send(COORDINATOR, "/reschedule P-01")
    assert refused.text == (f"P-01 already has a DLT report: the infusion date ({days(app, 0)}) "
                            "can no longer be changed.")
    assert no_form_open(await driver.send(COORDINATOR, str(days(app, 3))))


async def test_reschedule_is_refused_for_a_withdrawn_participant(app, driver, db):
    planned(app, 0)
    set_withdrawal(db, "P-01", on=days(app, 0), reason="consent withdrawn", actor="test")
    [refused] = await driver.send(COORDINATOR, "/reschedule P-01")
    assert refused.text == (f"P-01 was withdrawn on {days(app, 0)}: the infusion date can no "
                            "longer be changed.")
    assert no_form_open(await driver.send(COORDINATOR, str(days(app, 3))))


async def test_a_report_saved_meanwhile_refuses_the_move(app, driver, db):
    planned(app, 0)
    await reschedule(driver, "P-01", days(app, 2))
    dlt_directly(app, "P-01", days(app, 0))  # an investigator reports meanwhile
    *_, refused = await driver.press(COORDINATOR, "✅ Confirm")
    assert refused.text == "Not moved: P-01 already has a DLT report\nNothing was saved."
    assert participant(db, "P-01")["infusion_date"] == days(app, 0)
    assert [a["kind"] for a in alerts(db)] == []


async def test_two_coordinators_moving_the_same_date(app, driver, db):
    planned(app, 5)
    add_staff(db, user_id=1005, name="Coordinator Wu", role="coordinator", actor="test")
    await reschedule(driver, "P-01", days(app, 8))
    await reschedule(driver, "P-01", days(app, 9), user=1005)  # both at the summary
    await driver.press(COORDINATOR, "✅ Confirm")
    *_, refused = await driver.press(1005, "✅ Confirm")
    assert refused.text == (f"Not moved: the planned date of P-01 changed meanwhile to "
                            f"{days(app, 8)}\nNothing was saved.")
    assert participant(db, "P-01")["infusion_date"] == days(app, 8)
    assert [a["kind"] for a in alerts(db)] == ["infusion-moved"]


async def test_reschedule_keeps_the_protocols_stagger(tmp_path):
    """With infusions spaced 14 days, the moved infusion is not closer than that to the
    infusion of the participant enrolled before."""
    old = "days_between_infusions = 0"
    async with amended_app(tmp_path, old, "days_between_infusions = 14") as app:
        driver = ChatDriver(app)
        enrol_directly(app, days_ago=10)  # P-01, infused 10 days ago
        planned(app, 5)  # P-02: the earliest was 4 days ahead
        earliest = days(app, 4)
        await driver.send(COORDINATOR, "/reschedule P-02")
        [again] = await driver.send(COORDINATOR, str(days(app, 3)))
        assert again.text.startswith(f"⚠ {days(app, 3)} is too early: the protocol spaces "
                                     f"infusions, the earliest date is {earliest}.")
        [ask_reason] = await driver.send(COORDINATOR, str(earliest))
        assert ask_reason.text.startswith("Why does the infusion of P-02 move?")


async def test_reschedule_usage_roles_and_chats(app, driver, db):
    enrol_directly(app, days_ago=CLOSED)  # P-01: infused long ago
    planned(app, 5)  # P-02
    [usage] = await driver.send(COORDINATOR, "/reschedule")
    assert usage.text == ("Whose planned infusion? e.g. /reschedule P-03\n"
                          "Infusions that can still be moved: P-02")
    [reply] = await driver.send(COORDINATOR, "/reschedule P-09")
    assert reply.text == "There is no participant P-09."
    [reply] = await driver.send(STRANGER, "/reschedule P-02")
    assert "registered trial staff only" in reply.text
    [reply] = await driver.send(COORDINATOR, "/reschedule P-02", chat_id=GROUP,
                                chat_type="group")
    assert reply.text == ACCESS["private_only"]
    [ask_date] = await driver.send(INVESTIGATOR, "/reschedule P-02")  # a higher role may
    assert "New planned infusion date?" in ask_date.text
    [help_] = await driver.send(COORDINATOR, "/help")
    assert ("/reschedule — Move a planned infusion date, with a reason: /reschedule P-03"
            in help_.text)


async def test_reschedule_cancel_and_stale_buttons(app, driver, db):
    planned(app, 5)
    [ask_date] = await driver.send(COORDINATOR, "/reschedule P-01")
    [ask_reason] = await driver.send(COORDINATOR, str(days(app, 1)))  # typed: buttons stay
    assert ask_reason.text.startswith("Why does the infusion of P-01 move?")
    await driver.press(COORDINATOR, f"Today ({days(app, 0)})", message=ask_date)
    answer = driver.fake.calls_of("answerCallbackQuery")[-1].params
    assert answer["text"] == "That button is no longer current."
    [summary] = await driver.send(COORDINATOR, "pharmacy schedule")
    [hint] = await driver.send(COORDINATOR, "ok")
    assert hint.text == "Please answer with the buttons above, or /cancel."
    *_, stopped = await driver.press(COORDINATOR, "✖ Cancel", message=summary)
    assert stopped.text == "Stopped: nothing was saved."
    await driver.send(COORDINATOR, "/reschedule P-01")
    [stopped] = await driver.send(COORDINATOR, "/cancel")
    assert stopped.text == "Stopped: nothing was saved."
    assert participant(db, "P-01")["infusion_date"] == days(app, 5) and alerts(db) == []
