"""Quick questions anyone on the staff may ask: /status, /participant, /screenlog, /whatif, /help.

These work in private chats and in groups; they only read.
"""

from __future__ import annotations

from collections import Counter

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from domain.dosing import LYMPHODEPLETION, dose_fraction
from domain.escalation import HistoryError
from domain.units import format_number
from handlers.access import ROLE_ORDER, requires, staff_of
from handlers.common import (
    Trial,
    cells,
    command_argument,
    keyboard,
    participant_number,
    reply,
    trial_of,
)
from handlers.confirmation import confirm_button
from handlers.evaluation import awaiting_buttons
from handlers.infusion import days_text
from handlers.status_text import label, status_text
from handlers.texts import COMMANDS, CRITERION_TITLES, DLT, HELP
from handlers.texts import STATUS as T
from handlers.wording import percent, say
from storage.usecases.screening import screening_log
from storage.usecases.status import (
    participant_record,
    snapshot,
    what_if,
    windows_awaiting_evaluation,
)

EVENTS = DLT["events"]


@requires("coordinator")
async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    trial = trial_of(context)
    snap = snapshot(trial)
    text, buttons = status_text(trial, snap), []
    if snap.to_confirm:
        text += "\n" + T["unconfirmed"]
        button = confirm_button(snap.decision)
        buttons += [[button]] if button else []
    buttons += awaiting_buttons(snap.awaiting_evaluation)
    await reply(update, text, keyboard(buttons) if buttons else None)


def participant_text(trial: Trial, row: dict) -> str:
    level = trial.protocol.dose_level(row["dose_level"])
    lines = [T["participant"].format(
        number=row["number"], screening=row["screening"], label=level.label,
        cohort=row["cohort"], expansion=T["expansion"] if row["expansion"] else "",
        weight=format_number(row["weight_kg"]), total=cells(row["total_cells"]),
        dose=cells(row["cells_per_kg"]), infusion=infusion_lines(trial, row),
        enrolled_at=row["enrolled_at_local"], enrolled_by=row["enrolled_by_name"])]
    if row.get("withdrawn_on"):
        lines.append(T["withdrawn"].format(on=row["withdrawn_on"],
                                           reason=row.get("withdrawal_reason") or ""))
    reports = row.get("dlt_reports") or []
    lines += [T["report"].format(onset=r["onset_date"], event=EVENTS.get(r["event"], r["event"]),
                                 grade=r["grade"],
                                 grading=r["grading"], attribution=r["attribution"],
                                 judgement=T["dlt_yes"] if r["is_dlt"] else T["dlt_no"])
              for r in reports] or [T["no_reports"]]
    if row["evaluated"]:
        lines.append(T["evaluated"].format(who=trial.staff_name(row["evaluated_by"]),
                                           when=trial.local_time(row["evaluated_at"])))
    return "\n".join(lines)


def infusion_lines(trial: Trial, row: dict) -> str:
    """The infusion as planned, or as given with its lymphodepletion and dose."""
    infusion = row["infusion"]
    if infusion is None:
        return T["planned"].format(number=row["number"], planned=row["infusion_date"],
                                   window_end=row["dlt_window_end"])
    minimum = trial.protocol.escalation.min_dose_fraction
    below = (T["below_minimum"].format(minimum=percent(minimum))
             if trial.underdosed(row) else "")
    given = T["infused"].format(
        at=infusion["infused_at"].strftime("%Y-%m-%d %H:%M"), planned=row["infusion_date"],
        cells=cells(infusion["infused_cells"]),
        percent=percent(dose_fraction(infusion["infused_cells"], row["total_cells"])),
        below=below, window_end=row["dlt_window_end"])
    days = {drug: days_text(infusion[drug]) for drug in LYMPHODEPLETION}
    return f"{given}\n{T['lymphodepletion'].format(**days)}"


@requires("coordinator")
async def show_participant(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    trial, typed = trial_of(context), command_argument(context)
    number = participant_number(typed)
    if number is None:
        await reply(update, T["participant_usage"])
        return
    row = participant_record(trial, number)
    if row is None:
        await reply(update, T["no_participant"].format(number=number))
        return
    awaiting = [r for r in windows_awaiting_evaluation(trial) if r["number"] == number]
    text = participant_text(trial, row)
    if awaiting:
        text += "\n" + T["to_evaluate"]
    buttons = awaiting_buttons(awaiting)
    await reply(update, text, keyboard(buttons) if buttons else None)


def screenlog_text(trial: Trial) -> str:
    rows = screening_log(trial)
    statuses = Counter(r.status for r in rows)
    failures = Counter(
        f"{c['number']}. {CRITERION_TITLES.get(c['id'], c['id'])}"
        for r in rows if r.status == "screen_failure" and r.verdict
        for c in r.verdict["criteria"] if c["status"] == "not_met")
    lines = [T["screenlog"].format(
        screened=len(rows), in_progress=statuses["in_progress"], eligible=statuses["eligible"],
        failed=statuses["screen_failure"], withdrawn=statuses["withdrawn"],
        enrolled=sum(1 for r in rows if r.participant))]
    if failures:
        lines.append(T["fail_reasons"])
        lines += [T["fail_reason"].format(criterion=k, count=n) for k, n in failures.most_common()]
    return "\n".join(lines)


@requires("coordinator")
async def screenlog(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, screenlog_text(trial_of(context)))


@requires("coordinator")
async def whatif(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    history = command_argument(context)
    if not history:
        await reply(update, T["whatif_usage"])
        return
    trial = trial_of(context)
    try:
        d = what_if(trial, history)
    except HistoryError as error:
        await reply(update, T["not_allowed"].format(error=say(error.reason)))
        return
    await reply(update, T["whatif"].format(
        history=history, reason=say(d.reason), action=d.action, next_dose=label(trial, d.next_dose),
        mtd=label(trial, d.mtd), recommended=label(trial, d.recommended_dose),
        complete=d.complete))


async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    staff = staff_of(update, context)
    allowed = ROLE_ORDER[: ROLE_ORDER.index(staff["role"]) + 1]
    names = [n for role in allowed for n in HELP["roles"][role]]
    lines = [HELP["title"].format(name=staff["name"], role=staff["role"])]
    lines += [f"/{name} — {COMMANDS[name]}" for name in names]
    lines += ["", HELP["footer"]]
    await reply(update, "\n".join(lines))


def handlers() -> list:
    return [
        CommandHandler("status", status),
        CommandHandler("participant", show_participant),
        CommandHandler("screenlog", screenlog),
        CommandHandler("whatif", whatif),
        CommandHandler(["help", "start"], show_help),
    ]
