"""Case expansion: once dose escalation is over, an investigator opens expansion at a cleared
dose level; coordinators then enrol into it with /enroll (storage.usecases.enrollment). Its
participants are not DLT-evaluated and do not change the 3+3 decisions; the cap holds for all.

An opening is an investigator's decision, stored with the confirmed 3+3 steps (action
"expansion", audited) and announced to everyone. The latest opening stands while its level is
one expansion may be at: escalation over and confirmed, the level cleared, at most the dose
recommended (a revised DLT judgement may take that away).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from domain.escalation import Decision
from domain.reasons import Refused
from storage.database import transaction
from storage.outbox import AlertDraft
from storage.participants import add_escalation_decision, escalation_decisions
from storage.usecases.escalation import (
    current_decision,
    needs_confirmation,
    require_role,
    step_level,
)
from storage.usecases.trial import Trial

EXPANSION = "expansion"  # the action of an opening among the escalation decisions


class Opening(BaseModel):
    """Case expansion open at a dose level: who opened it and when (the site's local time)."""

    dose_level: int
    label: str
    opened_by: str
    opened_at: str


class Offer(BaseModel):
    """What opening expansion at a level means now: the dose, the places left under the cap,
    and the opening it replaces, if any."""

    dose_level: int
    label: str
    cells_per_kg: float
    places_left: int
    cap: int
    replaces: Opening | None = None


def expansion_levels(decision: Decision) -> list[int]:
    """The levels case expansion may be at: cleared by the rules, at most the dose recommended,
    once dose escalation is over."""
    if not decision.complete or decision.recommended_dose is None:
        return []
    return [s.level for s in decision.per_level
            if s.status in ("cleared", "mtd") and s.level <= decision.recommended_dose]


def current_opening(trial: Trial, decision: Decision) -> Opening | None:
    """The expansion open now: the latest opening, while its level may still be expanded."""
    row = next((row for row in reversed(escalation_decisions(trial.db))
                if row["action"] == EXPANSION), None)
    if row is None or row["dose_level"] not in expansion_levels(decision):
        return None
    return Opening(dose_level=row["dose_level"],
                   label=trial.protocol.dose_level(row["dose_level"]).label,
                   opened_by=trial.staff_name(row["confirmed_by"]),
                   opened_at=trial.local_time(row["confirmed_at"]))


def open_levels(trial: Trial, decision: Decision) -> list[int]:
    """The levels expansion may be opened at now (Refused when at none, saying why)."""
    if not decision.complete:
        raise Refused("expansion_too_early", now=decision.reason)
    if decision.places_under_cap == 0:
        raise Refused("cap_reached", cap=trial.protocol.escalation.max_participants,
                      now=decision.reason)
    if needs_confirmation(trial, decision):
        raise Refused("step_unconfirmed", action=decision.action, level=step_level(decision))
    allowed = expansion_levels(decision)
    if not allowed:
        raise Refused("expansion_no_dose", now=decision.reason)
    return allowed


def check_opening(trial: Trial, decision: Decision, level: int) -> Offer:
    """Whether expansion may open at `level` now (Refused saying why not)."""
    labels = {d.level: d.label for d in trial.protocol.dose_levels}
    allowed = open_levels(trial, decision)
    if level not in allowed:
        raise Refused("expansion_level", level=labels.get(level, f"DL{level}"),
                      levels=[labels[n] for n in allowed])
    opening = current_opening(trial, decision)
    if opening and opening.dose_level == level:
        raise Refused("expansion_already_open", level=opening.label, who=opening.opened_by,
                      when=opening.opened_at)
    return Offer(dose_level=level, label=labels[level],
                 cells_per_kg=trial.protocol.dose_level(level).cells_per_kg,
                 places_left=decision.places_under_cap,
                 cap=trial.protocol.escalation.max_participants, replaces=opening)


def possible_levels(trial: Trial) -> list[int]:
    """/expansion without a level: where it may be opened now (Refused when nowhere)."""
    return open_levels(trial, current_decision(trial))


def offer_expansion(trial: Trial, level: int) -> Offer:
    """/expansion DL1: what opening it means, before the investigator confirms."""
    return check_opening(trial, current_decision(trial), level)


class Opened(BaseModel):
    offer: Offer
    opened_by: str


def open_expansion(trial: Trial, *, level: int, actor: Any) -> Opened:
    """An investigator opens case expansion at `level`: checked again at the write, audited,
    announced to everyone."""
    with transaction(trial.db):
        staff = require_role(trial, actor, "investigator")
        decision = current_decision(trial)
        offer = check_opening(trial, decision, level)
        add_escalation_decision(
            trial.db, history=trial.history_text(), recommendation=decision.as_json_summary(),
            action=EXPANSION, dose_level=level, actor=actor)
        trial.alert(AlertDraft("expansion-opened", "all", {
            "who": staff["name"], "level": level, "places": offer.places_left,
            "cap": offer.cap}), actor=actor)
    return Opened(offer=offer, opened_by=staff["name"])
