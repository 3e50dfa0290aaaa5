"""The infusion as given (/infuse P-03): when, after which lymphodepletion, how many cells.

Recording it moves the DLT window to the one that runs from the actual infusion, ends the time a
planned date may move (/reschedule), and, when the protocol sets a minimum fraction of the
target dose and less was infused, makes the participant not evaluable for DLT (the engine
replaces them). The protocol's spacing between infusions (`days_between_infusions`) is enforced
here, against the infusions already recorded.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from domain.dates import (
    LYMPHODEPLETION_MAX_DAYS,
    infused_problem,
    lymphodepletion_problem,
    spacing_earliest,
)
from domain.dlt import dlt_window_end
from domain.dosing import LYMPHODEPLETION, dose_fraction
from domain.reasons import Refused
from storage.database import transaction
from storage.outbox import AlertDraft
from storage.participants import (
    add_infusion,
    existing_participant,
    history_rows,
    participants,
)
from storage.usecases.escalation import after_event, require_role
from storage.usecases.events import Preview, Saved, preview
from storage.usecases.trial import Trial

Days = tuple[date, date] | None  # a lymphodepleting drug's first and last day, or not given


class Infusion(BaseModel):
    """What /infuse records, and what it means for the DLT window and the dose."""

    number: str
    infused_at: datetime
    lymphodepletion: dict[str, Days]
    infused_cells: float
    target_cells: float
    fraction: float
    underdosed: bool
    min_fraction: float | None
    window_end_before: date
    window_end: date


def may_infuse(trial: Trial, number: str) -> dict:
    """The participant, if their infusion is not recorded yet; else Refused."""
    row = existing_participant(trial.db, number)
    if row["infusion"] is not None:
        raise Refused("already_infused", number=number,
                      at=row["infusion"]["infused_at"].strftime("%Y-%m-%d %H:%M"))
    return row


def infusions_to_record(trial: Trial) -> list[str]:
    """Participants not withdrawn whose infusion is not recorded yet (what /infuse offers)."""
    return [row["number"] for row in participants(trial.db)
            if row["infused_on"] is None and row["withdrawn_on"] is None]


def earliest_infusion_for(trial: Trial, number: str, day: date) -> date | None:
    """The protocol's spacing: None when `day` is far enough from every other recorded
    infusion, else the earliest date it allows."""
    others = [row["infused_on"] for row in participants(trial.db)
              if row["infused_on"] and row["number"] != number]
    return spacing_earliest(day, others, trial.protocol.escalation.days_between_infusions)


def check_infused_at(trial: Trial, number: str, at: datetime | None) -> datetime:
    """When the infusion was given (aware, the site's time), or Refused with the problem
    ("infused_<problem>", a key of domain.dates)."""
    row = may_infuse(trial, number)
    onsets = [report["onset_date"] for report in row["dlt_reports"]]
    problem = infused_problem(at, now=trial.now(), enrolled_on=enrolled_on(trial, row),
                              withdrawn_on=row["withdrawn_on"],
                              first_onset=min(onsets, default=None))
    earliest = None if problem else earliest_infusion_for(trial, number, at.date())
    if problem or earliest:
        raise Refused(f"infused_{problem or 'too_early'}", number=number,
                      date=at.strftime("%Y-%m-%d %H:%M") if at else None, earliest=earliest,
                      on=problem_day(trial, row, problem, onsets))
    return at


def enrolled_on(trial: Trial, row: dict) -> date:
    """The day the participant was enrolled: the day the enrolment was recorded (the site's),
    or the planned infusion day if that is earlier (an enrolment recorded late)."""
    recorded = datetime.fromisoformat(row["enrolled_at"]).astimezone(trial.timezone).date()
    return min(recorded, row["infusion_date"])


def problem_day(trial: Trial, row: dict, problem: str | None, onsets: list[date]) -> date | None:
    """The day an infusion-time problem names (enrolment, withdrawal, first onset)."""
    days = {"before_enrolment": lambda: enrolled_on(trial, row),
            "after_withdrawal": lambda: row["withdrawn_on"],
            "after_onset": lambda: min(onsets)}
    return days[problem]() if problem in days else None


def check_lymphodepletion(trial: Trial, days: Days, infused_on: date) -> Days:
    """A lymphodepleting drug's (first, last) day, or None (not given); else Refused
    ("lymphodepletion_<problem>")."""
    if days is None:
        return None
    problem = lymphodepletion_problem(*days, infused_on=infused_on)
    if problem:
        named = {"too_long_before": days[0], "end_before_start": days[1],
                 "after_infusion": days[1]}
        raise Refused(f"lymphodepletion_{problem}", date=named.get(problem), infusion=infused_on,
                      max_days=LYMPHODEPLETION_MAX_DAYS)
    return days


def infusion_facts(trial: Trial, number: str, *, infused_at: datetime,
                   lymphodepletion: dict[str, Days], infused_cells: float) -> Infusion:
    row = existing_participant(trial.db, number)
    min_fraction = trial.protocol.escalation.min_dose_fraction
    return Infusion(
        number=number, infused_at=infused_at, lymphodepletion=lymphodepletion,
        infused_cells=infused_cells, target_cells=row["total_cells"],
        fraction=dose_fraction(infused_cells, row["total_cells"]),
        underdosed=trial.underdosed(dict(row, infused_cells=infused_cells)),
        min_fraction=min_fraction, window_end_before=row["dlt_window_end"],
        window_end=dlt_window_end(trial.protocol, infused_at.date()))


def infused_rows(trial: Trial, facts: Infusion) -> list[dict]:
    """history_rows as they will be once the infusion is recorded."""
    reports = existing_participant(trial.db, facts.number)["dlt_reports"]
    has_dlt = any(r["is_dlt"] and r["onset_date"] <= facts.window_end for r in reports)
    changed = {"infused_cells": facts.infused_cells, "infused_on": facts.infused_at.date(),
               "infusion_day": facts.infused_at.date(), "dlt_window_end": facts.window_end,
               "has_dlt": has_dlt}
    return [dict(row, **changed) if row["number"] == facts.number else row
            for row in history_rows(trial.db)]


def infusion_preview(trial: Trial, facts: Infusion) -> Preview:
    """What recording the infusion would change for the participant and the 3+3."""
    return preview(trial, facts.number, infused_rows(trial, facts))


def record_infusion(trial: Trial, *, number: str, infused_at: datetime,
                    lymphodepletion: dict[str, Days], infused_cells: float,
                    actor: Any) -> Saved:
    """Record the infusion as given (coordinators): audited, the DLT window moved to run from
    it, the investigators alerted, with whatever 3+3 step it newly raises."""
    with transaction(trial.db):
        staff = require_role(trial, actor, "coordinator")
        check_infused_at(trial, number, infused_at)
        for drug in LYMPHODEPLETION:
            check_lymphodepletion(trial, lymphodepletion.get(drug), infused_at.date())
        facts = infusion_facts(trial, number, infused_at=infused_at,
                               lymphodepletion=lymphodepletion, infused_cells=infused_cells)
        meaning = infusion_preview(trial, facts).meaning
        before = trial.decision_if_readable()
        record = add_infusion(trial.db, number, infused_at=infused_at,
                              infused_cells=infused_cells, lymphodepletion=lymphodepletion,
                              window_end=facts.window_end, actor=actor)
        draft = AlertDraft("infused", "investigator", {
            "number": number, "level": record["dose_level"],
            "at": infused_at.strftime("%Y-%m-%d %H:%M"), "cells": infused_cells,
            "target": facts.target_cells, "fraction": facts.fraction,
            "underdosed": facts.underdosed, "min_fraction": facts.min_fraction,
            "window_end": facts.window_end.isoformat(), "who": staff["name"]})
        trial.alert(draft, actor=actor)
        return Saved(record=record, meaning=meaning,
                     after=after_event(trial, before, number, "infusion", actor))
