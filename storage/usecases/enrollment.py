"""Enrolment: where the 3+3 design places the next participant (or, once escalation is over,
the case expansion an investigator opened), the dose to prepare, and the enrolment itself,
re-checked inside its transaction (someone may have taken the place)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from domain.dates import infusion_problem
from domain.dlt import dlt_window_end
from domain.dosing import USUAL_WEIGHT_KG, total_cells, weight_unusual
from domain.escalation import Decision, Outcome
from domain.reasons import Refused
from storage.database import transaction
from storage.outbox import AlertDraft
from storage.participants import Placement, add_participant, check_enrollable, history_rows
from storage.screenings import list_screenings
from storage.usecases.escalation import (
    after_event,
    current_decision,
    needs_confirmation,
    require_role,
    step_level,
)
from storage.usecases.expansion import EXPANSION, current_opening
from storage.usecases.screening import screened_on, valid_until
from storage.usecases.trial import Trial


class Place(BaseModel):
    """The place offered to a candidate: dose level, cohort and place in it, under the cap. A
    case-expansion place (not DLT-evaluated) has action "expansion" and `place` its number among
    the expansion participants at the level."""

    screening: str
    dose_level: int
    label: str
    cells_per_kg: float
    action: str
    cohort: int
    place: int
    size: int
    places_left: int
    cap: int
    expansion: bool = False


class Dose(BaseModel):
    """What to prepare for a participant, and their DLT window."""

    weight_kg: float
    total_cells: float
    infusion: date
    window_end: date


class Enrolled(BaseModel):
    participant: str
    place: Place
    dose: Dose
    alerts: list[Any]


def eligible_screenings(trial: Trial) -> list[str]:
    """Eligible screenings not enrolled yet (what /enroll offers)."""
    return [s["number"] for s in list_screenings(trial.db)
            if s["status"] == "eligible" and not s["participant"]]


def check_screening_current(trial: Trial, screening: str) -> None:
    """Refused when the screening is older than the protocol's screening_valid_days: the
    candidate is screened again (a new screening) before enrolment."""
    until = valid_until(trial, screening)
    if trial.today() > until:
        raise Refused("screening_expired", number=screening,
                      screened_on=screened_on(trial, screening), valid_until=until,
                      days=trial.protocol.eligibility.screening_valid_days)


def cohort_place(trial: Trial, decision: Decision) -> tuple[int, int, int]:
    """(cohort, place, cohort size) of the next participant at decision.next_dose: cohorts of
    `cohort_size` numbered from 1 per level, counting the places already taken there."""
    size = trial.protocol.escalation.cohort_size
    summary = next(s for s in decision.per_level if s.level == decision.next_dose)
    taken = summary.evaluable + summary.pending
    return taken // size + 1, taken % size + 1, size


def why_closed(trial: Trial, decision: Decision, rows: list[dict]) -> Refused:
    """Why no place is open (decision.next_dose is None)."""
    if decision.places_under_cap == 0:
        return Refused("cap_reached", cap=trial.protocol.escalation.max_participants,
                       now=decision.reason)
    if decision.complete:
        return Refused("escalation_complete", action=decision.action,
                       level=decision.mtd or decision.recommended_dose, now=decision.reason)
    waiting = [{"number": row["number"], "end": row["dlt_window_end"].isoformat()}
               for row, e in zip(rows, trial.enrolments(rows), strict=True)
               if e.outcome is Outcome.PENDING]
    return Refused("waiting_for_windows", level=decision.current_dose, who=waiting,
                   now=decision.reason)


def offered(trial: Trial, decision: Decision) -> tuple[int | None, str]:
    """(dose level, action) of the place open now: the engine's next DLT-evaluation place, or
    once escalation is over a place in the case expansion an investigator opened."""
    if decision.next_dose is None and decision.places_under_cap:
        opening = current_opening(trial, decision)
        if opening:
            return opening.dose_level, EXPANSION
    return decision.next_dose, decision.action


def expansion_place(trial: Trial, screening: str, decision: Decision, level: int) -> Place:
    dose = trial.protocol.dose_level(level)
    summary = next(s for s in decision.per_level if s.level == level)
    return Place(screening=screening, dose_level=level, label=dose.label,
                 cells_per_kg=dose.cells_per_kg, action=EXPANSION, cohort=1,
                 place=summary.expansion + 1, size=summary.expansion + decision.places_under_cap,
                 places_left=decision.places_under_cap,
                 cap=trial.protocol.escalation.max_participants, expansion=True)


def place_for(trial: Trial, screening: str, decision: Decision, rows: list[dict]) -> Place:
    """The place open now, or Refused saying why none is."""
    level, action = offered(trial, decision)
    if action == EXPANSION:
        return expansion_place(trial, screening, decision, level)
    if decision.next_dose is None:
        raise why_closed(trial, decision, rows)
    if needs_confirmation(trial, decision):
        raise Refused("step_unconfirmed", action=decision.action, level=step_level(decision))
    level = trial.protocol.dose_level(decision.next_dose)
    cohort, place, size = cohort_place(trial, decision)
    return Place(screening=screening, dose_level=level.level, label=level.label,
                 cells_per_kg=level.cells_per_kg, action=decision.action, cohort=cohort,
                 place=place, size=size, places_left=decision.places_under_cap,
                 cap=trial.protocol.escalation.max_participants)


def offer_place(trial: Trial, screening: str, shown: Place | None = None) -> Place:
    """/enroll S-004: the place for this candidate now, or why there is none; with `shown`,
    also refused when the engine no longer offers the place shown earlier."""
    check_enrollable(trial.db, screening)
    check_screening_current(trial, screening)
    rows = history_rows(trial.db)
    decision = current_decision(trial, rows)
    place = place_for(trial, screening, decision, rows)
    if shown and (place.dose_level, place.action) != (shown.dose_level, shown.action):
        raise Refused("step_changed", now=decision.reason)
    return place


def earliest_infusion(trial: Trial) -> date | None:
    decision = trial.decision_if_readable()
    return decision.earliest_next_infusion if decision else None


def check_infusion(trial: Trial, day: date | None, earliest: date | None) -> date:
    """A planned infusion date, or Refused with the date problem (domain.dates)."""
    problem = infusion_problem(day, today=trial.today(),
                               max_days=trial.protocol.escalation.max_days_to_infusion,
                               earliest=earliest)
    if problem:
        raise Refused(f"infusion_{problem}", date=day, earliest=earliest, today=trial.today(),
                      max_days=trial.protocol.escalation.max_days_to_infusion)
    return day


def dose_for(trial: Trial, place: Place, weight_kg: float, infusion: date) -> Dose:
    return Dose(weight_kg=weight_kg, total_cells=total_cells(weight_kg, place.cells_per_kg),
                infusion=infusion, window_end=dlt_window_end(trial.protocol, infusion))


def check_weight(weight_kg: float, confirmed: bool) -> float:
    """A weight outside the usual adult range (domain.dosing) is taken only when confirmed."""
    if weight_unusual(weight_kg) and not confirmed:
        low, high = USUAL_WEIGHT_KG
        raise Refused("weight_unconfirmed", weight=weight_kg, low=low, high=high)
    return weight_kg


def enroll(trial: Trial, *, place: Place, weight_kg: float, infusion: date, actor: Any,
           weight_confirmed: bool = False) -> Enrolled:
    """Enrol the candidate at the place shown, if the engine still offers it: all in one
    transaction, with the investigators' alert and whatever 3+3 step it newly raises. A weight
    outside the usual range needs `weight_confirmed` (the coordinator pressed the button)."""
    with transaction(trial.db):
        require_role(trial, actor, "coordinator")
        check_weight(weight_kg, weight_confirmed)
        check_enrollable(trial.db, place.screening)
        check_screening_current(trial, place.screening)
        rows = history_rows(trial.db)
        before = current_decision(trial, rows)
        if offered(trial, before) != (place.dose_level, place.action):
            raise Refused("step_changed", now=before.reason)
        now = place_for(trial, place.screening, before, rows)
        check_infusion(trial, infusion, before.earliest_next_infusion)
        dose = dose_for(trial, now, weight_kg, infusion)
        participant = add_participant(
            trial.db, screening=place.screening, weight_kg=weight_kg, infusion_date=infusion,
            actor=actor, placement=Placement(
                dose_level=now.dose_level, cohort=now.cohort, expansion=now.expansion,
                cells_per_kg=now.cells_per_kg, total_cells=dose.total_cells,
                dlt_window_end=dose.window_end))
        enrolled = AlertDraft("enrolled", "investigator", {
            "participant": participant["number"], "level": now.dose_level,
            "cohort": now.cohort, "place": now.place, "size": now.size,
            "weight": weight_kg, "total": dose.total_cells, "infusion": infusion.isoformat(),
            "window_end": dose.window_end.isoformat(),
            **({"weight_confirmed": True} if weight_unusual(weight_kg) else {}),
            **({"expansion": True} if now.expansion else {})})
        trial.alert(enrolled, actor=actor)
        after = after_event(trial, before, participant["number"], "enrolment", actor)
        places = places_warning(trial, after.decision, participant["number"], actor)
    return Enrolled(participant=participant["number"], place=now, dose=dose,
                    alerts=[enrolled, *after.alerts, *places])


PLACES_WARNING = 2  # everyone is told when an enrolment leaves this many places under the cap


def places_warning(trial: Trial, decision: Decision | None, number: str,
                   actor: Any) -> list[AlertDraft]:
    """Inside the enrolment's transaction: the warning that few places are left, once."""
    if decision is None or decision.places_under_cap != PLACES_WARNING:
        return []
    draft = AlertDraft("places-left", "all", {
        "left": PLACES_WARNING, "cap": trial.protocol.escalation.max_participants,
        "participant": number})
    trial.alert(draft, actor=actor)
    return [draft]
