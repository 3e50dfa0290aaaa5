"""/infuse in the chat: the infusion as given, the DLT window recomputed from it, the protocol's
spacing and minimum dose; and the weight and dose at /enroll."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.audit import audit_trail
from storage.outbox import alerts
from storage.participants import participant, participants
from tests.handlers.conftest import COORDINATOR, INVESTIGATOR, STRANGER, no_form_open, worded
from tests.handlers.helpers_enrollment import (
    amended_app,
    eligible,
    enrol_directly,
    infuse_directly,
    trial_of,
)
from tests.telegram_fake import ChatDriver


def days(app, n: int):
    return trial_of(app).today() + timedelta(days=n)


def earlier_today(app, minutes: int = 30) -> str:
    """A time earlier today at the site, as typed ('2026-03-02 09:30'); the day itself if the
    site's day is too young."""
    now = trial_of(app).now()
    then = max(now - timedelta(minutes=minutes), now.replace(hour=0, minute=0))
    return then.strftime("%Y-%m-%d %H:%M")


async def up_to_the_cells(driver, app, number="P-01", at: str | None = None):
    """/infuse NUMBER, a time, fludarabine days -5 to -3, cyclophosphamide the same days."""
    await driver.send(COORDINATOR, f"/infuse {number}")
    at = at or earlier_today(app)
    day = datetime.strptime(at, "%Y-%m-%d %H:%M").date()
    [ask_flu] = await driver.send(COORDINATOR, at)
    assert "Fludarabine (lymphodepletion): first and last day?" in ask_flu.text
    [ask_cy] = await driver.send(
        COORDINATOR, f"{day - timedelta(days=5)} to {day - timedelta(days=3)}")
    assert "Cyclophosphamide (lymphodepletion)" in ask_cy.text
    assert ask_cy.labels == ["Same days as fludarabine", "Not given"]
    *_, ask_cells = await driver.press(COORDINATOR, "Same days as fludarabine")
    return ask_cells


async def test_the_infusion_is_recorded_and_the_window_runs_from_it(app, driver, db):
    enrol_directly(app, days_ago=2, infused=False)  # P-01, planned 2 days ago, not given then
    at = earlier_today(app)
    flu = f"{days(app, -5)} to {days(app, -3)}"

    [start] = await driver.send(COORDINATOR, "/infuse p1")
    assert start.text.startswith(f"Recording the infusion of P-01: DL1, planned for "
                                 f"{days(app, -2)}.\nDose: 1×10^5/kg × 60 kg = 6×10^6 CAR+ T "
                                 "cells.")
    assert "When was it infused?" in start.text and start.labels == ["Now", "✖ Cancel"]
    ask_cells = await up_to_the_cells(driver, app, at=at)
    assert "CAR+ T cells actually infused? Planned: 6×10^6." in ask_cells.text
    [summary] = await driver.send(COORDINATOR, "5.7×10^6")

    assert summary.text == (
        f"Record this infusion?\nP-01 (DL1)\nInfused: {at}\n"
        f"Fludarabine: {flu}\nCyclophosphamide: {flu}\n"
        "Cells infused: 5.7×10^6 of 6×10^6 planned (95%)\n"
        f"DLT window until: {days(app, 26)} → {days(app, 28)} (from the infusion)")
    assert participant(db, "P-01")["infusion"] is None  # nothing saved before the confirmation
    *_, saved = await driver.press(COORDINATOR, "✅ Confirm")

    assert saved.text.startswith(f"Saved: P-01 infused {at}, 5.7×10^6 CAR+ T cells (95% of the "
                                 f"target). DLT window until {days(app, 28)}.\n3+3 now: ")
    row = participant(db, "P-01")
    assert (row["infused_on"], row["dlt_window_end"]) == (days(app, 0), days(app, 28))
    assert row["infusion"]["infused_cells"] == 5.7e6
    assert row["infusion"]["fludarabine"] == (days(app, -5), days(app, -3))
    [moved] = [a for a in audit_trail(db, "participants", "P-01") if a["old_value"]]
    assert (moved["field"], moved["new_value"]) == ("dlt_window_end", str(days(app, 28)))
    [alert] = [a for a in alerts(db) if a["kind"] == "infused"]
    assert worded(app, alert) == (
        f"Infusion recorded: P-01 (DL1) on {at}, 5.7×10^6 CAR+ T cells (95% of 6×10^6 planned); "
        f"DLT window until {days(app, 28)}. Recorded by Coordinator Li.")
    [timeline] = await driver.send(COORDINATOR, "/participant P-01")
    assert (f"Infused {at} (planned {days(app, -2)}) · 5.7×10^6 CAR+ T cells, 95% of the target "
            f"· DLT window until {days(app, 28)}") in timeline.text
    assert (f"Lymphodepletion: fludarabine {flu} · cyclophosphamide {flu}") in timeline.text

    [refused] = await driver.send(COORDINATOR, "/reschedule P-01")
    assert refused.text == (f"P-01 was infused on {days(app, 0)} (recorded): the planned date "
                            f"({days(app, -2)}) can no longer be changed.")
    [again] = await driver.send(COORDINATOR, "/infuse P-01")
    assert again.text == f"The infusion of P-01 is already recorded ({at})."


async def test_a_time_that_cannot_be_is_asked_again(app, driver, db):
    enrol_directly(app, days_ago=0, infused=False)
    await driver.send(COORDINATOR, "/infuse P-01")
    tomorrow = f"{days(app, 1)} 09:00"
    for typed, problem in [
        ("yesterday", "Please type the date and time as YYYY-MM-DD HH:MM (years 2000 to 2099)"),
        (f"{days(app, 0)} 25:00", "Please type the date and time as YYYY-MM-DD HH:MM"),
        (tomorrow, f"{tomorrow} is in the future: record the infusion once it has been given."),
    ]:
        [again] = await driver.send(COORDINATOR, typed)
        assert again.text.startswith(f"⚠ {problem}"), typed
        assert "When was it infused?" in again.text and "Now" in again.labels
    *_, ask_flu = await driver.press(COORDINATOR, "Now")
    assert "Fludarabine" in ask_flu.text
    [again] = await driver.send(COORDINATOR, f"{days(app, -3)} {days(app, -5)}")
    assert again.text.startswith(f"⚠ The last day ({days(app, -5)}) comes before the first")
    [again] = await driver.send(COORDINATOR, f"{days(app, -40)} {days(app, -38)}")
    assert again.text.startswith(f"⚠ {days(app, -40)} is more than 30 days before the infusion")
    *_, ask_cy = await driver.press(COORDINATOR, "Not given")
    assert ask_cy.labels == ["Not given"]  # no fludarabine: no "same days"
    *_, ask_cells = await driver.press(COORDINATOR, "Not given")
    [again] = await driver.send(COORDINATOR, "about six million")
    assert again.text.startswith("⚠ Please type the number of cells as on the product label")
    *_, summary = await driver.press(COORDINATOR, "All of it: 6×10^6")
    assert "Fludarabine: Not given\nCyclophosphamide: Not given" in summary.text
    assert "Cells infused: 6×10^6 of 6×10^6 planned (100%)" in summary.text
    assert participant(db, "P-01")["infusion"] is None
    *_, stopped = await driver.press(COORDINATOR, "✖ Cancel")
    assert stopped.text == "Stopped: nothing was saved."
    assert participant(db, "P-01")["infusion"] is None


async def test_infuse_usage_roles_and_strangers(app, driver, db):
    enrol_directly(app, days_ago=40)  # P-01: infused and recorded
    enrol_directly(app, days_ago=-3)  # P-02: planned
    [usage] = await driver.send(COORDINATOR, "/infuse")
    assert usage.text == "Whose infusion? e.g. /infuse P-03\nInfusions to record: P-02"
    [reply] = await driver.send(COORDINATOR, "/infuse P-09")
    assert reply.text == "There is no participant P-09."
    [reply] = await driver.send(STRANGER, "/infuse P-02")
    assert "registered trial staff only" in reply.text
    [ask] = await driver.send(INVESTIGATOR, "/infuse P-02")  # a higher role may
    assert "When was it infused?" in ask.text
    [help_] = await driver.send(COORDINATOR, "/help")
    assert "/infuse — Record an infusion as given" in help_.text
    await driver.send(INVESTIGATOR, "/cancel")
    assert no_form_open(await driver.send(INVESTIGATOR, "2026-01-01 10:00"))


async def test_the_spacing_is_enforced_at_infuse_and_shown_in_status(tmp_path):
    old = "days_between_infusions = 0"
    async with amended_app(tmp_path, old, "days_between_infusions = 14") as app:
        driver = ChatDriver(app)
        enrol_directly(app, days_ago=-1, infused=False)  # P-01, planned for tomorrow
        enrol_directly(app, days_ago=-15, infused=False)  # P-02, planned 14 days after
        infuse_directly(app, "P-01", days(app, -10))  # P-01 was in fact infused 10 days ago...
        [_chart, status] = await driver.send(COORDINATOR, "/status")
        assert (f"Next infusion not before {days(app, 4)} (infusions 14 days apart)."
                in status.text)
        await driver.send(COORDINATOR, "/infuse P-02")
        [again] = await driver.send(COORDINATOR, earlier_today(app))  # ... so P-02 must wait
        assert again.text.startswith(f"⚠ {earlier_today(app)} is too early: the protocol spaces "
                                     f"infusions, the earliest date is {days(app, 4)}.")
        assert participant(trial_of(app).db, "P-02")["infusion"] is None


async def test_less_than_the_minimum_dose_is_not_evaluable(tmp_path):
    async with amended_app(tmp_path, "# min_dose_fraction = 0.8",
                           "min_dose_fraction = 0.8") as app:
        driver = ChatDriver(app)
        for _ in range(3):
            enrol_directly(app, days_ago=0, infused=False)
        await up_to_the_cells(driver, app, "P-02")
        [summary] = await driver.send(COORDINATOR, "4.7e6")
        assert "Cells infused: 4.7×10^6 of 6×10^6 planned (78.3%)" in summary.text
        assert ("⚠ Less than 80% of the target dose: not evaluable for DLT, the place will be "
                "refilled.") in summary.text
        assert "For the 3+3: in the DLT window → not evaluable." in summary.text
        *_, saved = await driver.press(COORDINATOR, "✅ Confirm")
        assert "For the 3+3: in the DLT window → not evaluable." in saved.text
        assert "1 place open: enrol the next participant at DL1" in saved.text
        [alert] = [a for a in alerts(trial_of(app).db) if a["kind"] == "infused"]
        assert worded(app, alert).endswith(
            " Less than 80% of the target dose: not evaluable for DLT, replaced.")
        [timeline] = await driver.send(COORDINATOR, "/participant P-02")
        assert ("78.3% of the target (below the protocol's minimum of 80%: not evaluable for "
                "DLT)") in timeline.text
        [_chart, status] = await driver.send(COORDINATOR, "/status")
        assert "1 not evaluable" in status.text


# --- the weight and the dose at /enroll -------------------------------------------------------

async def weight(driver, typed: str):
    [reply] = await driver.send(COORDINATOR, typed)
    return reply


async def test_an_unusual_weight_is_taken_only_with_the_button(app, driver, db):
    eligible(db)
    for typed in ("29", "201"):
        await driver.send(COORDINATOR, "/enroll S-001")
        asked = await weight(driver, typed)
        assert asked.text.startswith(f"⚠ {typed} kg is outside 30-200 kg, the usual range for "
                                     "this dose. If it is right, press the button; otherwise "
                                     "type the weight again.")
        assert asked.labels == [f"{typed} kg is right", "✖ Cancel"]
        await driver.send(COORDINATOR, "/cancel")
    for typed in ("30", "200"):
        await driver.send(COORDINATOR, "/enroll S-001")
        asked = await weight(driver, typed)
        assert asked.text.startswith("Planned infusion date?"), typed
        await driver.send(COORDINATOR, "/cancel")

    await driver.send(COORDINATOR, "/enroll S-001")
    await weight(driver, "201")
    asked = await weight(driver, "62")  # typed again instead: no question
    assert asked.text.startswith("Planned infusion date?")
    await driver.send(COORDINATOR, "/cancel")

    await driver.send(COORDINATOR, "/enroll S-001")
    await weight(driver, "29")
    *_, ask_date = await driver.press(COORDINATOR, "29 kg is right")
    assert ask_date.text.startswith("Planned infusion date?")
    *_, review = await driver.press(COORDINATOR, f"Tomorrow ({days(app, 1)})")
    assert "Dose to prepare: 1×10^5/kg × 29 kg = 2.9×10^6 CAR+ T cells" in review.text
    await driver.press(COORDINATOR, "✅ Confirm")
    assert participant(db, "P-01")["weight_kg"] == 29
    [alert] = alerts(db)
    assert worded(app, alert).endswith(
        "The weight is outside the usual range and was confirmed.")


async def test_the_total_is_shown_to_three_significant_figures(tmp_path):
    doses = ('cells_per_kg = 1.0e5\n\n[[dose_levels]]\nlevel = 2\nlabel = "DL2"\n'
             'cells_per_kg = 5.0e5')
    async with amended_app(tmp_path, doses, doses.replace("5.0e5", "1.0e6").replace(
            "1.0e5", "5.0e5", 1)) as app:  # DL1 at 5×10^5 cells/kg
        driver = ChatDriver(app)
        for typed, total in (("62.5", "3.13×10^7"), ("63.7", "3.19×10^7")):
            eligible(trial_of(app).db)
            await driver.send(COORDINATOR, f"/enroll S-00{len(participants(trial_of(app).db))+1}")
            await weight(driver, typed)
            *_, review = await driver.press(COORDINATOR, f"Tomorrow ({days(app, 1)})")
            assert f"Dose to prepare: 5×10^5/kg × {typed} kg = {total} CAR+ T cells" in review.text
            *_, done = await driver.press(COORDINATOR, "✅ Confirm")
            assert f"Prepare {total} CAR+ T cells ({typed} kg)." in done.text
