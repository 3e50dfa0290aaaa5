"""The trial's escalation state as text: what /status shows and `trialbot status` prints.

No Telegram here, so the offline command can print it without loading python-telegram-bot.
"""

from __future__ import annotations

from handlers.texts import EXPANSION
from handlers.texts import STATUS as T
from handlers.wording import cells, day, level_label, listed, moment, say
from storage.usecases.status import Snapshot, snapshot
from storage.usecases.trial import Trial


def label(trial: Trial, level: int | None) -> str:
    return level_label(trial.protocol, level, none=T["none"])


def level_lines(trial: Trial, decision) -> list[str]:
    """One line per level, of its DLT-evaluated participants (case expansion is apart)."""
    return [
        T["level"].format(label=label(trial, s.level),
                          dose=cells(trial.protocol.dose_level(s.level).cells_per_kg),
                          enrolled=s.enrolled - s.expansion, evaluable=s.evaluable, dlts=s.dlts,
                          pending=s.pending, not_evaluable=s.not_evaluable,
                          status=T["level_statuses"][s.status])
        for s in decision.per_level
    ]


def expansion_lines(trial: Trial, snap: Snapshot) -> list[str]:
    """The case expansion open, and its participants per level (not DLT-evaluated)."""
    lines = []
    if snap.expansion:
        lines.append(EXPANSION["status_open"].format(
            label=snap.expansion.label, who=snap.expansion.opened_by,
            when=moment(snap.expansion.opened_at)))
    for dose in trial.protocol.dose_levels:
        who = [row["number"] for row in snap.rows
               if row["expansion"] and row["dose_level"] == dose.level]
        if who:
            lines.append(EXPANSION["status_level"].format(label=dose.label, who=listed(who)))
    return lines


def cap_lines(decision) -> list[str]:
    """The warning that the cap will stop the step in progress."""
    return [T["warning"].format(text=say(alert.reason)) for alert in decision.alerts
            if alert.kind == "cap-stops-step"]


def window_line(trial: Trial, snap: Snapshot) -> str:
    if not snap.in_window:
        return T["nobody_in_window"]
    items = [T["window_item"].format(number=r["number"], label=label(trial, r["dose_level"]),
                                     end=day(r["dlt_window_end"])) for r in snap.in_window]
    return T["in_window"].format(who=listed(items))


def awaiting_line(trial: Trial, snap: Snapshot) -> list[str]:
    """Who awaits the confirmation of their evaluation (the engine counts them as pending)."""
    if not snap.awaiting_evaluation:
        return []
    items = [T["awaiting_item" if r["infused_on"] else "awaiting_not_infused"].format(
        number=r["number"], label=label(trial, r["dose_level"]), end=day(r["dlt_window_end"]))
        for r in snap.awaiting_evaluation]
    return [T["awaiting_evaluation"].format(who=listed(items)), T["evaluate_hint"]]


def spacing_line(trial: Trial, snap: Snapshot) -> list[str]:
    if snap.next_infusion is None:
        return []
    return [T["next_infusion"].format(date=day(snap.next_infusion),
                                      days=trial.protocol.escalation.days_between_infusions)]


def status_text(trial: Trial, snap: Snapshot | None = None) -> str:
    """The trial's escalation state in a few lines (also printed by `trialbot status`)."""
    snap = snap or snapshot(trial)
    decision = snap.decision
    if decision is None:
        return T["unreadable"].format(error=say(snap.error))
    cap = trial.protocol.escalation.max_participants
    lines = [T["title"].format(trial=trial.protocol.name, enrolled=len(snap.rows),
                               left=decision.places_under_cap, cap=cap)]
    lines += level_lines(trial, decision)
    lines += expansion_lines(trial, snap)
    lines.append(window_line(trial, snap))
    lines += awaiting_line(trial, snap) + spacing_line(trial, snap)
    lines.append(T["next"].format(action=T["actions"][decision.action],
                                  reason=say(decision.reason)))
    lines += cap_lines(decision)
    if decision.next_dose:
        lines.append(T["next_dose"].format(label=label(trial, decision.next_dose),
                                           places=decision.open_places))
    if snap.confirmation:
        lines.append(T["confirmed"].format(who=snap.confirmation.who,
                                           when=moment(snap.confirmation.when)))
    return "\n".join(lines)
