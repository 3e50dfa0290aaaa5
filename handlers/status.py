"""Quick questions anyone on the staff may ask: /status, /participant, /screenlog, /whatif, /help;
and /export, the trial's records as a workbook (investigators and admins).

They only read (an export is audited). /status and /whatif send the escalation chart with
their text (drawn by handlers/chart.py in a worker thread, so the bot keeps answering).
"""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from domain.dosing import LYMPHODEPLETION, dose_fraction
from domain.escalation import HistoryError
from domain.reasons import Refused
from domain.units import format_number
from handlers.access import ROLE_ORDER, requires, staff_of
from handlers.chart import chart_png
from handlers.common import (
    Trial,
    cells,
    command_argument,
    keyboard,
    participant_number,
    read_date,
    reply,
    trial_of,
)
from handlers.confirmation import confirm_button
from handlers.evaluation import awaiting_buttons
from handlers.export import file_name, workbook
from handlers.infusion import days_text
from handlers.status_text import label, status_text
from handlers.texts import COMMANDS, CRITERION_TITLES, DLT, HELP, ROLE_NAMES
from handlers.texts import STATUS as T
from handlers.wording import day, level_label, listed, moment, percent, say
from storage.usecases.reports import (
    Picture,
    ScreeningCounts,
    escalation_picture,
    export_records,
    record_export,
    screening_counts,
    what_if_picture,
)
from storage.usecases.status import (
    participant_record,
    snapshot,
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
    await send_chart(update, escalation_picture(trial, snap))
    await reply(update, text, keyboard(buttons) if buttons else None)


async def send_chart(update: Update, picture: Picture) -> None:
    """The escalation chart, drawn off the event loop, before the text it goes with."""
    png = await asyncio.to_thread(chart_png, picture)
    await update.effective_chat.send_photo(png, filename="escalation.png")


def participant_text(trial: Trial, row: dict) -> str:
    level = trial.protocol.dose_level(row["dose_level"])
    lines = [T["participant"].format(
        number=row["number"], screening=row["screening"], label=level.label,
        cohort=row["cohort"], expansion=T["expansion"] if row["expansion"] else "",
        weight=format_number(row["weight_kg"]), total=cells(row["total_cells"]),
        dose=cells(row["cells_per_kg"]), infusion=infusion_lines(trial, row),
        enrolled_at=moment(row["enrolled_at_local"]), enrolled_by=row["enrolled_by_name"])]
    if row.get("withdrawn_on"):
        lines.append(T["withdrawn"].format(on=day(row["withdrawn_on"]),
                                           reason=row.get("withdrawal_reason") or ""))
    reports = row.get("dlt_reports") or []
    lines += [T["report"].format(onset=day(r["onset_date"]),
                                 event=EVENTS.get(r["event"], r["event"]), grade=r["grade"],
                                 grading=r["grading"], attribution=r["attribution"],
                                 judgement=T["dlt_yes"] if r["is_dlt"] else T["dlt_no"])
              for r in reports] or [T["no_reports"]]
    if row["evaluated"]:
        lines.append(T["evaluated"].format(who=trial.staff_name(row["evaluated_by"]),
                                           when=moment(trial.local_time(row["evaluated_at"]))))
    return "\n".join(lines)


def infusion_lines(trial: Trial, row: dict) -> str:
    """The infusion as planned, or as given with its lymphodepletion and dose."""
    infusion = row["infusion"]
    if infusion is None:
        return T["planned"].format(number=row["number"], planned=day(row["infusion_date"]),
                                   window_end=day(row["dlt_window_end"]))
    minimum = trial.protocol.escalation.min_dose_fraction
    below = (T["below_minimum"].format(minimum=percent(minimum))
             if trial.underdosed(row) else "")
    given = T["infused"].format(
        at=moment(infusion["infused_at"]), planned=day(row["infusion_date"]),
        cells=cells(infusion["infused_cells"]),
        percent=percent(dose_fraction(infusion["infused_cells"], row["total_cells"])),
        below=below, window_end=day(row["dlt_window_end"]))
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


def screenlog_text(trial: Trial, counts: ScreeningCounts) -> str:
    """The counts a CONSORT-style flow needs: screened, its outcomes, failures by criterion
    (a candidate failing several criteria counts under each), enrolled by dose level."""
    lines = []
    if counts.since and counts.until:
        lines.append(T["screenlog_between"].format(since=day(counts.since),
                                                      until=day(counts.until)))
    elif counts.since:
        lines.append(T["screenlog_since"].format(since=day(counts.since)))
    lines.append(T["screenlog"].format(
        screened=counts.screened, in_progress=counts.in_progress, eligible=counts.eligible,
        failed=counts.screen_failures, withdrawn=counts.withdrawn, enrolled=counts.enrolled))
    if counts.failures_by_criterion:
        lines.append(T["fail_reasons"])
        lines += [T["fail_reason"].format(
            criterion=f"{c.number}. {CRITERION_TITLES.get(c.id, c.id)}", count=c.count)
            for c in counts.failures_by_criterion]
    lines.append(T["by_level"].format(levels=listed(
        T["by_level_item"].format(label=level_label(trial.protocol, item.level), count=item.count)
        for item in counts.enrolled_by_level)))
    return "\n".join(lines)


def date_range(typed: list[str]) -> tuple | None:
    """(since, until) from none, one or two dates typed as YYYY-MM-DD; None if unreadable."""
    days = [read_date(text) for text in typed]
    if len(days) > 2 or None in days:
        return None
    return (*days, None, None)[:2]


@requires("coordinator")
async def screenlog(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    days = date_range(context.args or [])
    if days is None:
        await reply(update, T["screenlog_usage"])
        return
    since, until = days
    if since and until and since > until:
        await reply(update, T["screenlog_reversed"].format(since=day(since), until=day(until)))
        return
    trial = trial_of(context)
    await reply(update, screenlog_text(trial, screening_counts(trial, since, until)))


@requires("coordinator")
async def whatif(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    history = command_argument(context)
    if not history:
        await reply(update, T["whatif_usage"])
        return
    trial = trial_of(context)
    try:
        picture = what_if_picture(trial, history)
    except HistoryError as error:
        await reply(update, T["not_allowed"].format(error=say(error.reason)))
        return
    d = picture.decision
    await send_chart(update, picture)
    await reply(update, T["whatif"].format(
        history=history, reason=say(d.reason), action=d.action, next_dose=label(trial, d.next_dose),
        mtd=label(trial, d.mtd), recommended=label(trial, d.recommended_dose),
        complete=d.complete))


@requires("investigator")
async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The trial's records as an XLSX workbook, sent as a document; the export is audited."""
    trial, actor = trial_of(context), update.effective_user.id
    try:
        records = export_records(trial, actor=actor)
    except Refused as refused:
        await reply(update, say(refused.reason))
        return
    name = file_name(records)
    data = await asyncio.to_thread(workbook, records)
    caption = T["export_caption"].format(study=records.study, at=records.exported_at,
                                         zone=records.time_zone)
    await update.effective_chat.send_document(data, filename=name, caption=caption)
    record_export(trial, records, actor=actor, files=[name])


async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    staff = staff_of(update, context)
    allowed = ROLE_ORDER[: ROLE_ORDER.index(staff["role"]) + 1]
    names = [n for role in allowed for n in HELP["roles"][role]]
    lines = [HELP["title"].format(name=staff["name"], role=ROLE_NAMES[staff["role"]])]
    lines += [f"/{name} — {COMMANDS[name]}" for name in names]
    lines += ["", HELP["footer"]]
    await reply(update, "\n".join(lines))


def handlers() -> list:
    return [
        CommandHandler("status", status),
        CommandHandler("participant", show_participant),
        CommandHandler("screenlog", screenlog),
        CommandHandler("whatif", whatif),
        CommandHandler("export", export),
        CommandHandler(["help", "start"], show_help),
    ]
