"""The `trialbot` command line: run the bot, and the offline tools staff use from a shell."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from contextlib import closing
from pathlib import Path

from storage.roles import ROLES, read_user_id

# Each command imports what it uses when it runs: only argparse's needs are imported above. The
# 3+3 engine and the protocol (pydantic models) load only for the commands that read a protocol,
# the settings (pydantic-settings) and the database (sqlite-utils) only for those that use them,
# and none of the offline commands imports Telegram (tests/test_cli_offline.py checks).

NO_TOKEN = """\
No Telegram token is set, so the bot cannot go online.
To run it: talk to @BotFather in Telegram, create a bot, then
    export TELEGRAM_BOT_TOKEN=123456:ABC...   (or put it in a .env file)
    .venv/bin/trialbot staff add YOUR_TELEGRAM_ID --name "Your name" --role admin
    make run
Offline, right now, you can use:
    .venv/bin/trialbot status                        the trial as it stands in {db}
    .venv/bin/trialbot escalation "1NNT 1NNN 2NTT"   the 3+3 answer for a history
    .venv/bin/trialbot simulate --dlt-rates 0.05,0.25   what the design will likely do
    .venv/bin/trialbot staff list                    who may use the bot
"""


def with_settings(command):
    """Run `command(settings, args)`; a bad setting or an unusable database is one line."""

    @functools.wraps(command)
    def run_with_settings(args) -> int:
        from bot.config import SettingsError, load_settings

        try:
            return command(load_settings(), args)
        except SettingsError as error:
            return refuse(str(error))
        except RuntimeError as error:  # DatabaseUnusable is one
            return database_refusal(error)

    return run_with_settings


def database_refusal(error: RuntimeError) -> int:
    """One line for a database the command cannot use; any other error goes on. storage.database
    is imported here, not above, so that the commands that open no database (escalation and
    simulate with the settings read) never load sqlite-utils."""
    from storage.database import DatabaseMissing, DatabaseUnusable

    if isinstance(error, DatabaseMissing):
        return refuse(f"{error} (the TRIALBOT_DB setting names the database file)")
    if isinstance(error, DatabaseUnusable):
        return refuse(str(error))
    raise error


@with_settings
def run(settings, args) -> int:
    if settings.token is None and args.chat_if_no_token:  # `make run` on a fresh machine
        from bot.chat import GO_ONLINE, run_chat

        return run_chat(intro=GO_ONLINE)
    if settings.token is None:
        print(NO_TOKEN.format(db=settings.db))
        return show_status(settings, args)
    import logging

    from bot.lock import run_lock
    from storage.database import check_database

    check_database(settings.db, create=True)
    with run_lock(settings.db):  # before going online: one poller per database
        from bot.app import build_application  # imports telegram only when going online

        logging.basicConfig(format="%(asctime)s %(name)s %(levelname)s %(message)s",
                            level=logging.INFO)
        logging.getLogger("httpx").setLevel(logging.WARNING)
        build_application(settings).run_polling()
    return 0


def chat(args) -> int:
    from bot.chat import run_chat
    from storage.database import DatabaseUnusable

    try:
        return run_chat(args.db)
    except DatabaseUnusable as error:
        return refuse(str(error))


def show_status(settings, args) -> int:
    from bot.trial import make_trial
    from handlers.status_text import status_text  # the same text /status shows in the chat
    from storage.database import check_database

    check_database(settings.db, create=args.create)  # `run` may start a new database; status not
    print(status_text(make_trial(settings)))
    return 0


status = with_settings(show_status)


def protocol_may_be_set() -> bool:
    """Whether anything could set TRIALBOT_PROTOCOL: the environment (any case, as
    pydantic-settings reads it) or a .env file."""
    return os.path.exists(".env") or any(k.lower() == "trialbot_protocol" for k in os.environ)


def escalation(args) -> int:
    """With no TRIALBOT_PROTOCOL anywhere the shipped protocol is the one, and the settings
    (pydantic-settings) are not loaded; otherwise they are, as for every other command."""
    if protocol_may_be_set():
        return with_settings(decide_history)(args)
    return decide_history(None, args)


def decide_history(settings, args) -> int:
    from domain.escalation import HistoryError, decide, parse_history
    from handlers.wording import say  # the chat's words for the design's reasons
    from storage.protocol_file import load_design

    design = load_design(settings.protocol if settings else None)  # the shipped one: no pydantic
    try:
        decision = decide(design, parse_history(args.history))
    except HistoryError as error:
        print(f"trialbot escalation: {say(error.reason)}", file=sys.stderr)
        return 2
    summary = decision.as_json_summary()  # its keys are for the shell operator (English)
    summary["reason"] = say(decision.reason)
    for alert, shown in zip(decision.alerts, summary["alerts"], strict=True):
        shown["message"] = say(alert.reason)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def simulate(args) -> int:
    """A new trial needs neither the settings nor a database (unless TRIALBOT_PROTOCOL may be set,
    as for `escalation`); --from-current reads the trial's recorded history from the database."""
    if args.from_current:
        return with_settings(simulate_from_current)(args)
    if protocol_may_be_set():
        return with_settings(simulate_new_trial)(args)
    return simulate_new_trial(None, args)


def simulate_new_trial(settings, args) -> int:
    from storage.protocol_file import load_protocol
    from storage.usecases.simulation import operating_characteristics

    protocol = load_protocol(settings.protocol if settings else None)
    return show_simulation(protocol, args, lambda scenario: operating_characteristics(
        protocol, scenario, trials=args.trials, seed=args.seed))


def simulate_from_current(settings, args) -> int:
    from bot.trial import make_trial
    from storage.database import check_database
    from storage.usecases.simulation import from_current

    check_database(settings.db, create=False)
    trial = make_trial(settings)
    with closing(trial.db):
        return show_simulation(trial.protocol, args, lambda scenario: from_current(
            trial, scenario, trials=args.trials, seed=args.seed))


def show_simulation(protocol, args, run_with) -> int:
    """Run the simulation for the scenario of the arguments; print the table or the JSON."""
    from domain.reasons import Refused
    from domain.simulation import Scenario, SimulationError, read_rate
    from handlers.simulation_text import simulation_text
    from handlers.wording import say

    try:
        scenario = Scenario(dlt_rates=[read_rate(rate) for rate in args.dlt_rates.split(",")],
                            dropout=read_rate(args.dropout))
        result = run_with(scenario)
    except (SimulationError, Refused) as error:
        print(f"trialbot simulate: {say(error.reason)}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.simulated.as_json()))
    else:
        print(simulation_text(protocol, result))
    return 0


@with_settings
def staff(settings, args) -> int:
    from storage.database import open_database

    with closing(open_database(settings.db, create=args.create)) as db:
        return args.act(db, args)


def staff_add(db, args) -> int:
    from domain.languages import language_for
    from storage.staff import add_staff

    language = language_for(args.language) if args.language else None
    row = add_staff(db, user_id=args.user_id, name=args.name, role=args.role, actor="shell",
                    language=language)
    print(f"{row['user_id']} {row['name']} ({row['role']}) is active")
    return 0


def staff_deactivate(db, args) -> int:
    from storage.staff import deactivate_staff

    if not deactivate_staff(db, args.user_id, actor="shell"):
        print(f"no active staff member with id {args.user_id}", file=sys.stderr)
        return 1
    print(f"{args.user_id} deactivated")
    return 0


def messages(args) -> int:
    from handlers.catalogue import refresh

    for path in refresh():
        print(path)
    return 0


def staff_list(db, args) -> int:
    from storage.staff import list_staff

    for row in list_staff(db):
        state = "active" if row["active"] else "inactive"
        print(f"{row['user_id']:>12}  {row['role']:<12}  {state:<8}  {row['name']}")
    return 0


@with_settings
def chart(settings, args) -> int:
    """The escalation chart /status sends, as a PNG file."""
    from handlers.chart import chart_png
    from storage.usecases.reports import escalation_picture

    trial = offline_trial(settings)
    with closing(trial.db):
        picture = escalation_picture(trial)
    return write_file(args.path, lambda path: path.write_bytes(chart_png(picture)),
                      "the escalation chart")


@with_settings
def export(settings, args) -> int:
    """The workbook /export sends (and with --csv one CSV per sheet); audited as the shell's."""
    from handlers.export import write_csvs, write_workbook
    from storage.usecases.reports import SHELL, export_records, record_export

    trial = offline_trial(settings)
    with closing(trial.db):
        records = export_records(trial, actor=SHELL)
        files = [args.path]
        if write_file(args.path, lambda path: write_workbook(records, path), "the workbook"):
            return 2
        if args.csv:
            files.append(f"{args.csv}/*.csv")
            if write_file(args.csv, lambda folder: write_csvs(records, folder), "the CSV files"):
                return 2
        record_export(trial, records, actor=SHELL, files=files)
    return 0


def offline_trial(settings):
    """The trial of an existing database (an export of an empty new file would mislead)."""
    from bot.trial import make_trial
    from storage.database import check_database

    check_database(settings.db, create=False)
    return make_trial(settings)


def write_file(where: str, write, what: str) -> int:
    """Write `what` to `where`; a path that cannot be written is one line, exit status 2."""
    path = Path(where)
    try:
        write(path)
    except OSError as error:
        return refuse(f"cannot write {what} to {path}: {error.strerror or error}")
    print(f"wrote {what} to {path}")
    return 0


@with_settings
def backup(settings, args) -> int:
    from storage.backup import backup_database

    path = backup_database(settings.db, args.path)
    print(f"backed up {settings.db} to {path}")
    return 0


def user_id(text: str) -> int:
    """argparse type: a Telegram user id, refused in one line if it cannot be one."""
    number = read_user_id(text)
    if number is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Telegram user id")
    return number


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="trialbot", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    # create: whether the command may start a new database file (run and staff add: that is how
    # a site starts) or must find an existing one (a wrong TRIALBOT_DB would show an empty trial).
    go = sub.add_parser("run", help="start the Telegram bot (long polling)")
    go.add_argument("--chat-if-no-token", action="store_true",
                    help="without a token, start the offline chat (trialbot chat) instead")
    go.set_defaults(func=run, create=True)
    talk = sub.add_parser("chat", help="try the bot offline: the real bot on a local Bot API, "
                                       "you type as the staff (demo database)")
    talk.add_argument("--db", type=Path, help="use this database instead of the demo one "
                                              "(./trialbot-demo.db)")
    talk.set_defaults(func=chat)
    show = sub.add_parser("status", help="print the trial's escalation status")
    show.set_defaults(func=status, create=False)
    what_if = sub.add_parser("escalation", help="the 3+3 decision for a history, as JSON")
    what_if.add_argument("history", help='e.g. "1NNT 1NNN 2NTT" (N no DLT, T DLT, '
                                         'P window open, X not evaluable)')
    what_if.set_defaults(func=escalation)
    sim = sub.add_parser("simulate", help="what the 3+3 design will likely do under assumed true "
                                          "DLT rates (operating characteristics)")
    sim.add_argument("--dlt-rates", required=True,
                     help="the true DLT rate of each dose level, DL1 first: 0.05,0.25 or 5%%,25%%")
    sim.add_argument("--trials", type=int, default=10_000, help="simulated trials (10000)")
    sim.add_argument("--seed", type=int, help="the same seed gives the same figures")
    sim.add_argument("--dropout", default="0", help="probability that a participant without a "
                     "DLT leaves before the window ends (not evaluable, replaced); 0 by default")
    sim.add_argument("--from-current", action="store_true",
                     help="start from the trial's recorded history in the database")
    sim.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    sim.set_defaults(func=simulate)
    people = sub.add_parser("staff", help="manage who may use the bot")
    actions = people.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add or change a staff member")
    add.add_argument("user_id", type=user_id, help="Telegram user id (the bot shows it)")
    add.add_argument("--name", required=True, help="display name of the staff member")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--language", choices=("en", "zh"),
                     help="the language the bot speaks to them (default: their Telegram's)")
    add.set_defaults(act=staff_add, create=True)
    off = actions.add_parser("deactivate", help="stop serving a staff member")
    off.add_argument("user_id", type=user_id)
    off.set_defaults(act=staff_deactivate, create=False)
    actions.add_parser("list", help="list staff").set_defaults(act=staff_list, create=False)
    people.set_defaults(func=staff)
    draw = sub.add_parser("chart", help="write the escalation chart (PNG) that /status sends")
    draw.add_argument("path", help="the PNG file to write, e.g. escalation.png")
    draw.set_defaults(func=chart)
    out = sub.add_parser("export", help="write the trial's records as an XLSX workbook "
                                        "(the /export file); audited")
    out.add_argument("path", help="the workbook to write, e.g. rd06-04.xlsx")
    out.add_argument("--csv", metavar="DIR", help="also write one CSV per sheet into DIR")
    out.set_defaults(func=export)
    words = sub.add_parser("messages", help="developers: extract handlers/texts.py into the "
                                            "gettext catalogues and compile them")
    words.set_defaults(func=messages)
    copy = sub.add_parser("backup", help="consistent copy of the database, safe while running")
    copy.add_argument("path")
    copy.set_defaults(func=backup)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as error:
        # A ProtocolError is a ValueError; its module is imported here, not at the top, so that
        # the commands that read no protocol (staff, backup, messages) never load it.
        from domain.protocol import ProtocolError

        if not isinstance(error, ProtocolError):
            raise
        return refuse(str(error))


def refuse(message: str) -> int:
    print(f"trialbot: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())


def run_main() -> None:
    """Console-script entry point: exit with main()'s status."""
    sys.exit(main())
