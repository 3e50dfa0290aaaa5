"""Which dates are plausible for a participant's record. Each check returns None, or the code of
what is wrong: a plain key, because each conversation words it its own way (the texts of
/enroll, /reschedule, /dlt and /withdraw in handlers/texts.py, one text per key).

- a planned infusion: from today to today + the protocol's `max_days_to_infusion`, and not before
  the engine's earliest next infusion when the protocol staggers infusions;
- something that happened after the infusion (a DLT onset, a withdrawal): from the infusion to
  today; a DLT onset also no later than the last day of the DLT window;
- moving a planned infusion: only while it may still change (see `reschedule_refusal`).

Dates outside FIRST_YEAR..LAST_YEAR are not read at all, so no arithmetic on a date read from a
user can leave the calendar.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal, get_args

FIRST_YEAR, LAST_YEAR = 2000, 2099

InfusionProblem = Literal["bad_date", "past_date", "too_far", "too_early"]
NewInfusionProblem = InfusionProblem | Literal["unchanged"]
EventProblem = Literal["bad_date", "before_infusion", "future", "after_window"]
RescheduleRefusal = Literal["withdrawn", "has_reports", "infusion_passed"]
INFUSION_PROBLEMS = frozenset(get_args(InfusionProblem))
NEW_INFUSION_PROBLEMS = INFUSION_PROBLEMS | {"unchanged"}
EVENT_PROBLEMS = frozenset(get_args(EventProblem))
RESCHEDULE_REFUSALS = frozenset(get_args(RescheduleRefusal))
CODES = NEW_INFUSION_PROBLEMS | EVENT_PROBLEMS | RESCHEDULE_REFUSALS


def within_years(day: date) -> bool:
    """True for a date a trial record may hold (FIRST_YEAR to LAST_YEAR)."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def latest_infusion(today: date, max_days: int) -> date:
    """The last day an infusion may be planned for."""
    return today + timedelta(days=max_days)


def infusion_problem(day: date | None, *, today: date, max_days: int,
                     earliest: date | None = None) -> InfusionProblem | None:
    """A planned infusion date: "bad_date", "past_date", "too_far", "too_early" or None."""
    if day is None:
        return "bad_date"
    if day < today:
        return "past_date"
    if day > latest_infusion(today, max_days):
        return "too_far"
    if earliest and day < earliest:  # the protocol staggers infusions
        return "too_early"
    return None


def event_problem(day: date | None, *, infusion: date, today: date,
                  last_day: date | None = None) -> EventProblem | None:
    """The date of something that happened to a participant after the infusion (a withdrawal;
    a DLT onset, whose `last_day` is the DLT window's): "bad_date", "before_infusion", "future",
    "after_window" or None."""
    if day is None:
        return "bad_date"
    if day < infusion:
        return "before_infusion"
    if day > today:
        return "future"
    if last_day and day > last_day:
        return "after_window"
    return None


def reschedule_refusal(*, infusion: date, today: date, withdrawn: bool,
                       reports: int) -> RescheduleRefusal | None:
    """Why a planned infusion date may no longer change: "withdrawn", "has_reports",
    "infusion_passed", or None while it may."""
    if withdrawn:
        return "withdrawn"
    if reports:
        return "has_reports"
    if today > infusion:
        return "infusion_passed"
    return None


def new_infusion_problem(day: date | None, *, planned: date, today: date, max_days: int,
                         earliest: date | None = None) -> NewInfusionProblem | None:
    """A new planned infusion date: as `infusion_problem`, or "unchanged" (the date planned)."""
    problem = infusion_problem(day, today=today, max_days=max_days, earliest=earliest)
    return problem or ("unchanged" if day == planned else None)
