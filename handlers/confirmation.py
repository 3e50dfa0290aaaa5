"""The investigator's confirmation of a 3+3 step.

The engine recommends; a step takes effect only when an investigator confirms it with a button.
The button can be pressed by any investigator, anywhere (in /status, under a DLT report, in a
group), so it is a standalone callback that checks who pressed it and whether the step is still
the current one before recording it.
"""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from domain.escalation import Decision, HistoryError, new_alerts
from handlers.access import has_role, staff_of
from handlers.common import Trial, trial_of, whole_number
from handlers.status_text import step_level
from handlers.texts import CONFIRMATION as T
from storage.outbox import AlertDraft
from storage.participants import escalation_decisions, record_escalation_decision

# Each 3+3 step an investigator confirms: the first three before anyone is enrolled in them,
# the end states so that the end of dose escalation is on record with who confirmed it.
CONFIRMED_STEPS = ("expand", "escalate", "de-escalate", "mtd", "top-dose-cleared",
                   "no-tolerated-dose")


def label_of(decision: Decision, level: int) -> str:
    return next((s.label for s in decision.per_level if s.level == level), f"DL{level}")


def step_text(decision: Decision) -> str:
    return T["step"][decision.action].format(label=label_of(decision, step_level(decision)))


def is_step_to_confirm(decision: Decision) -> bool:
    return decision.action in CONFIRMED_STEPS


def needs_confirmation(trial: Trial, decision: Decision) -> bool:
    """True when the step in progress is one an investigator confirms and none has yet."""
    if not is_step_to_confirm(decision):
        return False
    return not any(
        row["action"] == decision.action and (row["dose_level"] or 0) == step_level(decision)
        for row in escalation_decisions(trial.db)
    )


def confirm_button(decision: Decision) -> tuple[str, str] | None:
    """(label, callback data) of the button that confirms the step in progress, if any."""
    if not is_step_to_confirm(decision):
        return None
    return (T["confirm_button"].format(step=step_text(decision)),
            f"confirm:{decision.action}:{step_level(decision)}")


def pressed_step(data: str) -> tuple[str, int] | None:
    parts = data.split(":")
    level = whole_number(parts[2], digits=3) if len(parts) == 3 else None
    return None if level is None else (parts[1], level)


async def confirm_step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A confirm:<action>:<level> button, pressed by anyone anywhere: check, then record."""
    query, trial = update.callback_query, trial_of(context)
    staff = staff_of(update, context)
    if not has_role(staff, "investigator"):
        await query.answer(T["confirm_role"], show_alert=True)
        return
    shown = getattr(query.message, "text", None) or ""
    try:
        decision = trial.decision()
    except HistoryError as error:
        await query.answer(T["history_error"].format(error=error)[:200], show_alert=True)
        return
    if pressed_step(query.data) != (decision.action, step_level(decision)):
        await query.answer(T["confirm_stale"].format(reason=decision.reason)[:200],
                           show_alert=True)
        await query.edit_message_text(T["confirmed_stale"].format(text=shown))
        return
    if not needs_confirmation(trial, decision):
        await query.answer(T["confirm_done_already"].format(step=step_text(decision)))
        await query.edit_message_reply_markup(None)
        return
    record_escalation_decision(
        trial.db, history=trial.history_text(), recommendation=decision.model_dump(mode="json"),
        action=decision.action, dose_level=step_level(decision) or None,
        actor=update.effective_user.id,
        alerts=[AlertDraft("step-confirmed", T["step_confirmed_alert"].format(
            who=staff["name"], step=step_text(decision)), "all")])
    await query.answer()
    await query.edit_message_text(
        T["confirmed"].format(text=shown, who=staff["name"], step=step_text(decision)))


def step_alerts(trial: Trial, rows: list[dict], before: Decision | None, outcome: dict,
                conflict: Callable[..., str]) -> list[AlertDraft]:
    """The 3+3 alerts an event newly raises (compared with `before`), computed inside the
    event's transaction from its rows; when the history no longer fits the design, one
    history-conflict alert whose text is `conflict(error=...)`. The answer after the event, or
    the error, is left in `outcome` for the reply."""
    try:
        after = trial.decision(rows)
    except HistoryError as error:
        outcome["error"] = conflict(error=error)
        return [AlertDraft("history-conflict", outcome["error"], "investigator")]
    outcome["after"] = after
    return [AlertDraft(a.kind, a.message, "investigator") for a in new_alerts(before, after)]


def handlers() -> list:
    return [CallbackQueryHandler(confirm_step, pattern=r"^confirm:")]
