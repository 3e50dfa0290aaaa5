"""What everyone asks (storage.usecases.status), on the site's days as the Trial's clock says."""

import re
from datetime import UTC, datetime, time, timedelta

from storage.participants import escalation_decisions
from storage.usecases.escalation import confirm_step
from storage.usecases.events import report_dlt, withdraw
from storage.usecases.screening import screening_log
from storage.usecases.status import (
    participant_record,
    snapshot,
    what_if,
    windows_ended_without_dlt,
    windows_ending,
)
from tests.storage.conftest import (
    INVESTIGATOR,
    SITE,
    START,
    enrol,
    first_cohort_cleared,
    place_directly,
)

DAY_0 = START.astimezone(SITE).date()


def at_site(clock, day, hour=10, minute=0):
    """Set the clock to a local time of the site on `day` (DAY_0 + day)."""
    local = datetime.combine(DAY_0 + timedelta(days=day), time(hour, minute), SITE)
    clock.at = local.astimezone(UTC)


def numbers(rows):
    return [row["number"] for row in rows]


def test_the_snapshot_of_an_empty_trial(trial):
    shown = snapshot(trial)

    assert (shown.decision.action, shown.decision.next_dose) == ("enroll", 1)
    assert (shown.rows, shown.in_window, shown.error) == ([], [], None)
    assert (shown.to_confirm, shown.confirmation, shown.today) == (False, None, DAY_0)


def test_the_snapshot_follows_the_escalation_and_who_confirmed_it(trial, clock):
    first_cohort_cleared(trial, clock)
    clock.advance(-29)
    assert numbers(snapshot(trial).in_window) == ["P-01", "P-02", "P-03"]
    clock.advance(29)

    waiting = snapshot(trial)
    confirm_step(trial, action="escalate", level=2, actor=INVESTIGATOR)
    confirmed = snapshot(trial)

    assert (waiting.decision.action, waiting.to_confirm, waiting.in_window) == (
        "escalate", True, [])
    assert waiting.confirmation is None
    assert numbers(confirmed.rows) == ["P-01", "P-02", "P-03"] and not confirmed.to_confirm
    assert confirmed.confirmation.who == "Dr Mei"
    stored = escalation_decisions(trial.db)[0]["confirmed_at"]
    assert confirmed.confirmation.when == trial.local_time(stored)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", confirmed.confirmation.when)


def test_a_history_the_design_forbids_is_shown_with_its_error(trial):
    place_directly(trial.db, dose_level=2, infusion=trial.today())

    shown = snapshot(trial)

    assert shown.decision is None and shown.error.code == "history.starts_at"
    assert shown.error.params["level"] == "DL2"
    assert numbers(shown.rows) == ["P-01"] and numbers(shown.in_window) == ["P-01"]


def test_a_participant_record_names_who_enrolled_them(trial):
    screening = enrol(trial).place.screening

    record = participant_record(trial, "P-01")

    assert (record["screening"], record["enrolled_by_name"]) == (screening, "Coordinator Li")
    assert record["enrolled_at_local"] == trial.local_time(record["enrolled_at"])
    assert participant_record(trial, "P-09") is None
    assert [(s.number, s.participant) for s in screening_log(trial)] == [(screening,
                                                                                "P-01")]
    assert what_if(trial, "1NNN").action == "escalate"


def four_windows(trial):
    """P-01 and P-04 infused on day 0 (P-04 with a DLT), P-02 on day 2, P-03 withdrawn: DLT
    windows end on day 28 (P-01, P-04) and day 30 (P-02)."""
    enrol(trial)
    enrol(trial, infusion=DAY_0 + timedelta(days=2))
    enrol(trial)
    withdraw(trial, number="P-03", on=DAY_0, reason="consent withdrawn", actor=INVESTIGATOR)
    enrol(trial)
    report_dlt(trial, number="P-04", event="icans", grade=3, onset=DAY_0,
               attribution="possible", is_dlt=True, actor=INVESTIGATOR)


def test_the_reminders_name_the_windows_ending_and_ended_on_the_right_days(trial, clock):
    four_windows(trial)
    expected = {  # day: (ending today or tomorrow, ended without a DLT)
        26: ([], []),
        27: (["P-01", "P-04"], []),
        28: (["P-01", "P-04"], []),
        29: (["P-02"], ["P-01"]),
        30: (["P-02"], ["P-01"]),
        31: ([], ["P-01", "P-02"]),
    }
    for day, (ending, ended) in expected.items():
        at_site(clock, day)
        assert (numbers(windows_ending(trial)), numbers(windows_ended_without_dlt(trial))) == (
            ending, ended), f"day {day}"
    at_site(clock, 25)
    assert numbers(windows_ending(trial, within_days=3)) == ["P-01", "P-04"]


def test_the_day_turns_at_the_sites_midnight_not_utcs(trial, clock):
    enrol(trial)  # window ends on day 28

    at_site(clock, 28, 23, 59)  # 15:59 UTC
    assert windows_ended_without_dlt(trial) == [] and trial.today() == DAY_0 + timedelta(28)
    at_site(clock, 29, 0, 0)  # 16:00 UTC, still day 28 in UTC
    assert clock().date() == DAY_0 + timedelta(days=28)
    assert numbers(windows_ended_without_dlt(trial)) == ["P-01"]
