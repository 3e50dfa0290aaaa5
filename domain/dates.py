"""Which dates are plausible for a participant's record. Each check returns None, or the code of
what is wrong: a plain key, because each conversation words it its own way (the texts of
/enroll, /reschedule, /dlt and /withdraw in handlers/texts.py, one text per key).

- a planned infusion: from today to today + the protocol's `max_days_to_infusion`, and not before
  the engine's earliest next infusion when the protocol staggers infusions;
- something that happened after the infusion (a DLT onset, a withdrawal): from the infusion to
  today; a DLT onset also no later than the last day of the DLT window;
- moving a planned infusion: only while it may still change (see `reschedule_refusal`): until
  the infusion is recorded;
- the infusion as given (/infuse): a date and time from the enrolment day to now, not after a
  withdrawal or the onset of an event already reported, and spaced from the other infusions as
  the protocol says (`spacing_earliest`); the lymphodepletion before it (`lymphodepletion_problem`).

Dates outside FIRST_YEAR..LAST_YEAR are not read at all, so no arithmetic on a date read from a
user can leave the calendar.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal, get_args

FIRST_YEAR, LAST_YEAR = 2000, 2099
LYMPHODEPLETION_MAX_DAYS = 30  # lymphodepletion starting longer before the infusion: a typo?

InfusionProblem = Literal["bad_date", "past_date", "too_far", "too_early"]
NewInfusionProblem = InfusionProblem | Literal["unchanged"]
EventProblem = Literal["bad_date", "before_infusion", "future", "after_window"]
RescheduleRefusal = Literal["withdrawn", "has_reports", "infused"]
InfusedProblem = Literal["bad_time", "infused_future", "before_enrolment", "after_withdrawal",
                         "after_onset"]
LymphodepletionProblem = Literal["bad_dates", "end_before_start", "after_infusion",
                                 "too_long_before"]
INFUSION_PROBLEMS = frozenset(get_args(InfusionProblem))
NEW_INFUSION_PROBLEMS = INFUSION_PROBLEMS | {"unchanged"}
EVENT_PROBLEMS = frozenset(get_args(EventProblem))
RESCHEDULE_REFUSALS = frozenset(get_args(RescheduleRefusal))
INFUSED_PROBLEMS = frozenset(get_args(InfusedProblem)) | {"too_early"}  # too_early: spacing
LYMPHODEPLETION_PROBLEMS = frozenset(get_args(LymphodepletionProblem))
CODES = (NEW_INFUSION_PROBLEMS | EVENT_PROBLEMS | RESCHEDULE_REFUSALS | INFUSED_PROBLEMS
         | LYMPHODEPLETION_PROBLEMS)


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


def reschedule_refusal(*, withdrawn: bool, reports: int,
                       infused: bool) -> RescheduleRefusal | None:
    """Why a planned infusion date may no longer change: "withdrawn", "has_reports", "infused"
    (the infusion is recorded: the DLT window runs from it), or None while it may. A planned
    day that has passed without a recorded infusion may still move (the infusion was delayed)."""
    if withdrawn:
        return "withdrawn"
    if reports:
        return "has_reports"
    if infused:
        return "infused"
    return None


def new_infusion_problem(day: date | None, *, planned: date, today: date, max_days: int,
                         earliest: date | None = None) -> NewInfusionProblem | None:
    """A new planned infusion date: as `infusion_problem`, or "unchanged" (the date planned)."""
    problem = infusion_problem(day, today=today, max_days=max_days, earliest=earliest)
    return problem or ("unchanged" if day == planned else None)


def infused_problem(at: datetime | None, *, now: datetime, enrolled_on: date,
                    withdrawn_on: date | None = None,
                    first_onset: date | None = None) -> InfusedProblem | None:
    """When an infusion was given (aware date and time, the site's): "bad_time",
    "infused_future" (a later minute than `now`), "before_enrolment", "after_withdrawal",
    "after_onset" (after an event already reported for the participant) or None."""
    if at is None or not within_years(at.date()):
        return "bad_time"
    if at > now.replace(second=0, microsecond=0):  # to the minute: the minute now is not ahead
        return "infused_future"
    day = at.date()
    if day < enrolled_on:
        return "before_enrolment"
    if withdrawn_on and day > withdrawn_on:
        return "after_withdrawal"
    if first_onset and day > first_onset:
        return "after_onset"
    return None


def spacing_earliest(day: date, others: list[date], days: int) -> date | None:
    """The protocol's spacing between infusions (`days_between_infusions`): None when `day` is
    at least `days` days from every other infusion, else the earliest date it allows."""
    close = [other for other in others if abs((day - other).days) < days]
    return max(close) + timedelta(days=days) if close else None


def lymphodepletion_problem(start: date | None, end: date | None, *,
                            infused_on: date) -> LymphodepletionProblem | None:
    """A lymphodepleting drug's first and last day before the infusion: "bad_dates",
    "end_before_start", "after_infusion", "too_long_before" (LYMPHODEPLETION_MAX_DAYS) or None."""
    if start is None or end is None:
        return "bad_dates"
    if end < start:
        return "end_before_start"
    if end > infused_on:
        return "after_infusion"
    if start < infused_on - timedelta(days=LYMPHODEPLETION_MAX_DAYS):
        return "too_long_before"
    return None
