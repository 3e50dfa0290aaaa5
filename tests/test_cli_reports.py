"""`trialbot chart PATH` and `trialbot export PATH [--csv DIR]` against a real SQLite file: the
CSVs load back with the csv module to the workbook's rows, and the export is audited."""

from __future__ import annotations

import csv
import struct
from contextlib import closing

import pytest
from openpyxl import load_workbook

from bot.cli import main
from handlers.texts import EXPORT
from storage.audit import audit_trail
from storage.database import open_database
from storage.outbox import AlertDraft, add_alert
from storage.participants import add_dlt_report, add_escalation_decision
from storage.screenings import retract_answer, save_answer, start_screening
from storage.usecases.reports import COLUMNS
from tests.storage.conftest import eligible_screening, place_directly

SHEETS = EXPORT["sheets"]


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A database with a row in every sheet, among them a corrected answer (typed with a comma,
    a unit and a quote); TRIALBOT_DB names it."""
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "TRIALBOT_PROTOCOL", "TRIALBOT_SITE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRIALBOT_DB", str(tmp_path / "trialbot.db"))
    assert main(["staff", "add", "555", "--name", "Wei Xie", "--role", "admin"]) == 0
    with closing(open_database(tmp_path / "trialbot.db")) as db:
        number = start_screening(db, actor=555)
        save_answer(db, number, "creatinine", value=106.08, entered="1,2 mg/dL", unit="mg/dL",
                    actor=555)
        retract_answer(db, number, "creatinine", actor=555, reason='typed "1,2", meant 1.0')
        save_answer(db, number, "creatinine", value=88.4, entered="1.0 mg/dL", unit="mg/dL",
                    actor=555)
        row = place_directly(db, eligible_screening(db))
        add_dlt_report(db, participant=row["number"], event="icans", grading="ASTCT", grade=3,
                       onset_date=row["infusion_date"], attribution="possible", is_dlt=True,
                       suggested_dlt=True, actor=555, notes="seizure, resolved")
        add_escalation_decision(db, history="1T", recommendation={"next_dose": 1},
                                action="expand", dose_level=1, actor=555)
        add_alert(db, AlertDraft("dlt", "investigator", {"number": row["number"]}))
    return tmp_path


def same(field: str, value) -> bool:
    """A CSV field read back is the workbook's value: text as it is, empty for none, a number
    equal as a number (XLSX keeps 60.0 as 60)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(field) == value
    return field == ("" if value is None else value)


def test_export_writes_the_workbook_and_csvs_that_load_back_to_the_same_rows(site, capsys):
    assert main(["export", "rd06-04.xlsx", "--csv", "csv"]) == 0
    assert "wrote the workbook to rd06-04.xlsx" in capsys.readouterr().out

    book = load_workbook(site / "rd06-04.xlsx")
    for key in ("about", *COLUMNS, "columns"):
        with (site / "csv" / f"{key}.csv").open(newline="", encoding="utf-8") as file:
            loaded = list(csv.reader(file))
        in_book = list(book[SHEETS[key]].iter_rows(values_only=True))
        assert len(loaded) == len(in_book) > 1, key
        for number, (fields, values) in enumerate(zip(loaded, in_book, strict=True)):
            assert len(fields) == len(values), (key, number)
            assert all(map(same, fields, values)), (key, number, fields, values)
    with (site / "csv" / "audit.csv").open(newline="", encoding="utf-8") as file:
        audit = list(csv.DictReader(file))
    [correction] = [row for row in audit if row["reason"]]
    assert (correction["old_value"], correction["old_typed"], correction["reason"]) == (
        "106.08", "1,2 mg/dL", 'typed "1,2", meant 1.0')
    with (site / "csv" / "participants.csv").open(newline="", encoding="utf-8") as file:
        [participant] = list(csv.DictReader(file))
    assert (participant["USUBJID"], participant["ARMCD"]) == ("RD06-04-01-P-01", "DL1")


def test_an_export_from_the_shell_is_audited(site):
    assert main(["export", "rd06-04.xlsx"]) == 0
    with closing(open_database(site / "trialbot.db")) as db:
        [row] = audit_trail(db, "exports")
    assert (row["actor"], row["new_value"]["files"]) == ("shell", ["rd06-04.xlsx"])
    assert row["new_value"]["rows"]["screening_log"] == 2


def test_an_export_that_cannot_be_written_says_so_and_is_not_audited(site, capsys):
    assert main(["export", str(site / "missing" / "x.xlsx")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("trialbot: cannot write the workbook") and error.count("\n") == 1
    with closing(open_database(site / "trialbot.db")) as db:
        assert audit_trail(db, "exports") == []


def test_chart_writes_the_png_that_status_sends(site):
    assert main(["chart", "escalation.png"]) == 0
    data = (site / "escalation.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (960, 720)


def test_chart_and_export_need_an_existing_database(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRIALBOT_DB", str(tmp_path / "nowhere.db"))
    assert main(["chart", "c.png"]) == 2 and main(["export", "x.xlsx"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "nowhere.db").exists() and not (tmp_path / "x.xlsx").exists()
