"""The 3+3 steps an investigator confirms, and what an event (an enrolment, a DLT, a
withdrawal, a revision) newly raises for the escalation."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from domain.escalation import Alert, Decision, HistoryError, new_alerts
from domain.reasons import Reason, Refused, jsonable
from storage.database import transaction
from storage.outbox import AlertDraft
from storage.participants import add_escalation_decision, escalation_decisions, history_rows
from storage.staff import ROLES, active_staff
from storage.usecases.trial import Trial

# Each 3+3 step an investigator confirms: the first three before anyone is enrolled in them,
# the end states so that the end of dose escalation is on record with who confirmed it.
CONFIRMED_STEPS = ("expand", "escalate", "de-escalate", "mtd", "top-dose-cleared",
                   "no-tolerated-dose", "cap-reached")


def require_role(trial: Trial, actor: Any, role: str) -> dict:
    """The acting staff member, if active and at least `role` at this very moment."""
    staff = active_staff(trial.db, int(actor)) if str(actor).isdigit() else None
    if staff is None:
        raise Refused("not_staff")
    if ROLES.index(staff["role"]) < ROLES.index(role):
        raise Refused("needs_role", role=role, have=staff["role"])
    return staff


def current_decision(trial: Trial, rows: list[dict] | None = None) -> Decision:
    """The 3+3 answer now, or Refused when the recorded history no longer fits the design."""
    try:
        return trial.decision(rows)
    except HistoryError as error:
        raise Refused("history_unreadable", error=error.reason) from None


def step_level(decision: Decision) -> int:
    """The dose level a step is about (0 when none, e.g. no tolerated dose)."""
    return decision.next_dose or decision.mtd or decision.recommended_dose or 0


def is_step_to_confirm(decision: Decision) -> bool:
    return decision.action in CONFIRMED_STEPS


def confirmation_of(trial: Trial, decision: Decision) -> dict | None:
    """The investigator's confirmation of the step in progress, if there is one."""
    return next((row for row in reversed(escalation_decisions(trial.db))
                 if row["action"] == decision.action
                 and (row["dose_level"] or 0) == step_level(decision)), None)


def needs_confirmation(trial: Trial, decision: Decision) -> bool:
    """True when the step in progress is one an investigator confirms and none has yet."""
    return is_step_to_confirm(decision) and confirmation_of(trial, decision) is None


def alert_draft(alert: Alert, recipients: str = "investigator") -> AlertDraft:
    """The outbox entry of an alert the 3+3 engine raised."""
    return AlertDraft(alert.kind, recipients, {"dose_level": alert.dose_level,
                                               **alert_params(alert)})


def alert_params(alert: Alert) -> dict:
    """An engine alert's parameters as JSON (nested reasons as {"code", "params"})."""
    return jsonable(alert.params)


class After(BaseModel):
    """The 3+3 answer after an event, or the history conflict that prevents one."""

    decision: Decision | None
    conflict: Reason | None = None
    alerts: list[Any] = []


def after_event(trial: Trial, before: Decision | None, number: str, event: str,
                actor: Any = None) -> After:
    """Inside the event's transaction: the answer now, and the alerts it newly raises (or one
    history-conflict alert naming the participant of the event). Each names the participant
    of the event, so coordinators can be told the step without its clinical detail."""
    try:
        decision = trial.decision(history_rows(trial.db))
    except HistoryError as error:
        conflict = Reason(code="history_conflict", params={
            "number": number, "error": error.reason.as_json(), "event": event})
        draft = AlertDraft("history-conflict", "investigator", dict(conflict.params))
        trial.alert(draft, actor=actor)
        return After(decision=None, conflict=conflict, alerts=[draft])
    drafts = [alert_draft(alert) for alert in new_alerts(before, decision)]
    for draft in drafts:
        draft.params["number"] = number
        trial.alert(draft, actor=actor)
    return After(decision=decision, alerts=drafts)


class StepConfirmed(BaseModel):
    decision: Decision
    confirmed_by: str


def confirm_step(trial: Trial, *, action: str, level: int, actor: Any) -> StepConfirmed:
    """An investigator confirms the step in progress, named by the button they pressed."""
    with transaction(trial.db):
        staff = require_role(trial, actor, "investigator")
        try:
            decision = trial.decision()
        except HistoryError as error:
            raise Refused("history_unreadable", error=error.reason) from None
        if (action, level) != (decision.action, step_level(decision)):
            raise Refused("step_stale", now=decision.reason)
        if not needs_confirmation(trial, decision):
            raise Refused("step_already_confirmed", action=decision.action,
                          level=step_level(decision))
        add_escalation_decision(
            trial.db, history=trial.history_text(), recommendation=decision.as_json_summary(),
            action=decision.action, dose_level=step_level(decision) or None, actor=actor)
        trial.alert(AlertDraft("step-confirmed", "all", {
            "who": staff["name"], "action": decision.action, "level": step_level(decision)}),
            actor=actor)
    return StepConfirmed(decision=decision, confirmed_by=staff["name"])
