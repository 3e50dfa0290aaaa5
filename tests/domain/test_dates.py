"""Which dates are plausible for a participant's record (domain.dates), at each boundary."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.dates import (
    FIRST_YEAR,
    LAST_YEAR,
    event_problem,
    infused_problem,
    infusion_problem,
    latest_infusion,
    lymphodepletion_problem,
    new_infusion_problem,
    reschedule_refusal,
    spacing_earliest,
    within_years,
)

TODAY = date(2026, 11, 27)
MAX = 60
INFUSION = date(2026, 11, 1)
WINDOW_END = date(2026, 11, 29)  # 28 days after the infusion


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.mark.parametrize(("planned", "problem"), [
    (None, "bad_date"),
    (day(-1), "past_date"),
    (day(0), None),  # today
    (day(MAX), None),  # today + max_days_to_infusion
    (day(MAX + 1), "too_far"),
    (date(2062, 11, 27), "too_far"),
])
def test_a_planned_infusion_is_between_today_and_the_protocols_horizon(planned, problem):
    assert infusion_problem(planned, today=TODAY, max_days=MAX) == problem


def test_the_horizon_is_the_protocols_setting():
    assert latest_infusion(TODAY, MAX) == date(2027, 1, 26)
    assert infusion_problem(day(10), today=TODAY, max_days=9) == "too_far"
    assert infusion_problem(day(9), today=TODAY, max_days=9) is None


def test_a_staggered_infusion_is_not_before_the_engines_earliest_date():
    earliest = day(14)
    assert infusion_problem(day(13), today=TODAY, max_days=MAX, earliest=earliest) == "too_early"
    assert infusion_problem(earliest, today=TODAY, max_days=MAX, earliest=earliest) is None
    # too far ahead wins over a stagger that would push the infusion past the horizon
    assert infusion_problem(day(MAX + 1), today=TODAY, max_days=MAX,
                            earliest=day(MAX + 5)) == "too_far"


@pytest.mark.parametrize(("onset", "problem"), [
    (None, "bad_date"),
    (INFUSION - timedelta(days=1), "before_infusion"),
    (INFUSION, None),
    (WINDOW_END, None),  # the window's last day, before today
    (WINDOW_END + timedelta(days=1), "after_window"),
])
def test_an_onset_is_between_the_infusion_and_the_windows_last_day(onset, problem):
    today = WINDOW_END + timedelta(days=5)  # the window ended before today
    assert event_problem(onset, infusion=INFUSION, today=today, last_day=WINDOW_END) == problem


@pytest.mark.parametrize(("onset", "problem"), [
    (TODAY, None),  # today, inside the window
    (day(1), "future"),  # tomorrow is still inside the window, but not yet happened
])
def test_an_onset_in_an_open_window_is_not_after_today(onset, problem):
    assert event_problem(onset, infusion=INFUSION, today=TODAY, last_day=WINDOW_END) == problem


@pytest.mark.parametrize(("withdrawn", "problem"), [
    (None, "bad_date"),
    (INFUSION - timedelta(days=1), "before_infusion"),
    (INFUSION, None),
    (TODAY, None),
    (day(1), "future"),
    (WINDOW_END + timedelta(days=100), "future"),
])
def test_a_withdrawal_is_between_the_infusion_and_today(withdrawn, problem):
    today = TODAY
    assert event_problem(withdrawn, infusion=INFUSION, today=today) == problem


def test_an_event_after_the_window_but_before_today_is_allowed_without_a_last_day():
    late = WINDOW_END + timedelta(days=10)
    assert event_problem(late, infusion=INFUSION, today=late) is None


@pytest.mark.parametrize(("changes", "refusal"), [
    ({}, None),  # also once the planned day has passed: the infusion was delayed
    ({"infused": True}, "infused"),  # the infusion is recorded: the window runs from it
    ({"reports": 1}, "has_reports"),
    ({"withdrawn": True}, "withdrawn"),
])
def test_a_planned_infusion_may_move_until_it_matters(changes, refusal):
    facts = {"withdrawn": False, "reports": 0, "infused": False, **changes}
    assert reschedule_refusal(**facts) == refusal


@pytest.mark.parametrize(("new", "problem"), [
    (day(5), "unchanged"),
    (day(6), None),
    (day(-1), "past_date"),
    (day(MAX + 1), "too_far"),
    (None, "bad_date"),
])
def test_a_new_planned_date_follows_the_enrolment_rules_and_differs(new, problem):
    assert new_infusion_problem(new, planned=day(5), today=TODAY, max_days=MAX) == problem


def test_years_a_record_may_hold():
    assert (FIRST_YEAR, LAST_YEAR) == (2000, 2099)
    assert within_years(date(2000, 1, 1)) and within_years(date(2099, 12, 31))
    assert not within_years(date(1999, 12, 31)) and not within_years(date(2100, 1, 1))
    assert not within_years(date(9999, 12, 31)) and not within_years(date(1, 1, 1))


# --- the infusion as given ------------------------------------------------------------------

SITE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 10, 30, 20, tzinfo=SITE)


def at(n: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day(n), datetime.min.time(), SITE).replace(hour=hour, minute=minute)


@pytest.mark.parametrize(("given", "facts", "problem"), [
    (None, {}, "bad_time"),
    (datetime(9999, 1, 1, tzinfo=SITE), {}, "bad_time"),
    (at(0, 10, 30), {}, None),  # the minute now
    (at(0, 10, 31), {}, "infused_future"),
    (at(1), {}, "infused_future"),
    (at(-3), {"enrolled_on": day(-3)}, None),  # the day of the enrolment
    (at(-4), {"enrolled_on": day(-3)}, "before_enrolment"),
    (at(-2), {"withdrawn_on": day(-2)}, None),
    (at(-1), {"withdrawn_on": day(-2)}, "after_withdrawal"),
    (at(-2), {"first_onset": day(-2)}, None),
    (at(-1), {"first_onset": day(-2)}, "after_onset"),
])
def test_an_infusion_is_recorded_from_the_enrolment_to_now(given, facts, problem):
    facts = {"enrolled_on": day(-10), **facts}
    assert infused_problem(given, now=NOW, **facts) == problem


@pytest.mark.parametrize(("others", "earliest"), [
    ([], None),
    ([day(-14)], None),  # exactly 14 days apart
    ([day(-13)], day(1)),
    ([day(-20), day(-5)], day(9)),
    ([day(13)], day(27)),  # an infusion recorded later that is too close counts too
    ([day(14)], None),
])
def test_infusions_are_spaced_as_the_protocol_says(others, earliest):
    assert spacing_earliest(day(0), others, 14) == earliest
    assert spacing_earliest(day(0), others, 0) is None  # the shipped protocol: no spacing


@pytest.mark.parametrize(("start", "end", "problem"), [
    (day(-5), day(-3), None),
    (day(-3), day(-3), None),  # a single day
    (day(-1), day(0), None),  # up to the day of the infusion
    (None, day(-3), "bad_dates"),
    (day(-3), day(-5), "end_before_start"),
    (day(-3), day(1), "after_infusion"),
    (day(-30), day(-28), None),
    (day(-31), day(-28), "too_long_before"),
])
def test_lymphodepletion_comes_in_the_days_before_the_infusion(start, end, problem):
    assert lymphodepletion_problem(start, end, infused_on=day(0)) == problem
