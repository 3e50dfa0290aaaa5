"""The trial's escalation state as text: what /status shows and `trialbot status` prints.

No Telegram here, so the offline command can print it without loading python-telegram-bot.
"""

from __future__ import annotations

from domain.escalation import Decision, HistoryError
from handlers.texts import STATUS as T
from handlers.trial import Trial
from storage.participants import escalation_decisions, history_rows


def cells(value: float) -> str:
    """6200000 -> '6.2×10^6' (how cell doses are written on the ward)."""
    mantissa, exponent = f"{value:.2e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}×10^{int(exponent)}"


def step_level(decision: Decision) -> int:
    """The dose level a step is about (0 when none, e.g. no tolerated dose)."""
    return decision.next_dose or decision.mtd or decision.recommended_dose or 0


def label(trial: Trial, level: int | None) -> str:
    return trial.protocol.dose_level(level).label if level else T["none"]


def level_lines(trial: Trial, decision) -> list[str]:
    return [
        T["level"].format(label=label(trial, s.level),
                          dose=cells(trial.protocol.dose_level(s.level).cells_per_kg),
                          enrolled=s.enrolled, evaluable=s.evaluable, dlts=s.dlts,
                          pending=s.pending, not_evaluable=s.not_evaluable, status=s.status)
        for s in decision.per_level
    ]


def window_line(trial: Trial, rows: list[dict]) -> str:
    today = trial.today()
    open_now = [r for r in rows if r["dlt_window_end"] >= today and not r["withdrawn_on"]
                and not r["expansion"]]
    if not open_now:
        return T["nobody_in_window"]
    items = [T["window_item"].format(number=r["number"], label=label(trial, r["dose_level"]),
                                     end=r["dlt_window_end"].isoformat()) for r in open_now]
    return T["in_window"].format(who=", ".join(items))


def confirmation_line(trial: Trial, decision) -> str | None:
    """Who confirmed the step in progress, if an investigator has."""
    for row in reversed(escalation_decisions(trial.db)):
        if row["action"] == decision.action and (row["dose_level"] or 0) == step_level(decision):
            return T["confirmed"].format(who=trial.staff_name(row["confirmed_by"]),
                                         when=trial.local_time(row["confirmed_at"]))
    return None


def status_text(trial: Trial) -> str:
    """The trial's escalation state in a few lines (also printed by `trialbot status`)."""
    rows = history_rows(trial.db)
    try:
        decision = trial.decision(rows)
    except HistoryError as error:
        return T["unreadable"].format(error=error)
    cap = trial.protocol.escalation.max_participants
    lines = [T["title"].format(trial=trial.protocol.name, enrolled=len(rows),
                               left=decision.places_under_cap, cap=cap)]
    lines += level_lines(trial, decision)
    lines.append(window_line(trial, rows))
    lines.append(T["next"].format(action=T["actions"][decision.action], reason=decision.reason))
    if decision.next_dose:
        lines.append(T["next_dose"].format(label=label(trial, decision.next_dose),
                                           places=decision.open_places))
    confirmed = confirmation_line(trial, decision)
    if confirmed:
        lines.append(confirmed)
    return "\n".join(lines)
