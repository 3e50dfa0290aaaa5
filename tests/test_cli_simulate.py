"""`trialbot simulate`: the operating characteristics as a table or JSON, for a new trial (no
database) or from the trial recorded in a real SQLite file."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from bot.cli import main
from domain.simulation import margin
from handlers.texts import SIMULATE
from storage.database import open_database
from storage.participants import Placement, add_dlt_report, add_participant
from tests.storage.conftest import eligible_screening

KEYS = {"trials", "recommended", "mtd_declared", "end_state", "mean_participants", "mean_dlts",
        "mean_participants_by_level"}


@pytest.fixture(autouse=True)
def environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("TELEGRAM_BOT_TOKEN", "TRIALBOT_DB", "TRIALBOT_PROTOCOL"):
        monkeypatch.delenv(name, raising=False)


def simulate_json(capsys, *argv: str) -> dict:
    assert main(["simulate", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_is_one_object_with_the_figures(capsys):
    printed = simulate_json(capsys, "--dlt-rates", "0.05,0.25", "--seed", "3")
    assert set(printed) == KEYS and printed["trials"] == 10_000
    assert set(printed["recommended"]) == set(printed["mtd_declared"]) == {"1", "2", "none"}
    assert set(printed["end_state"]) == {"mtd", "top-dose-cleared", "no-tolerated-dose",
                                         "cap-reached"}
    assert set(printed["mean_participants_by_level"]) == {"1", "2"}
    for group in ("recommended", "mtd_declared", "end_state"):
        assert sum(printed[group].values()) == pytest.approx(1)
    assert printed["mean_participants"] == pytest.approx(
        sum(printed["mean_participants_by_level"].values()))


def test_the_same_seed_prints_the_same_output(capsys):
    argv = ["--dlt-rates", "10%,40%", "--seed", "99", "--trials", "3000", "--dropout", "0.05"]
    first = simulate_json(capsys, *argv)
    assert simulate_json(capsys, *argv) == first
    assert main(["simulate", *argv]) == 0
    table = capsys.readouterr().out
    assert main(["simulate", *argv]) == 0
    assert capsys.readouterr().out == table and "(seed 99)" in table


def test_the_table_shows_the_exact_column_and_the_precision(capsys):
    assert main(["simulate", "--dlt-rates", "0,1", "--trials", "1000"]) == 0
    table = capsys.readouterr().out
    assert "DL1 0 %, DL2 100 %" in table
    assert SIMULATE["simulated"] in table and SIMULATE["exact"] in table
    # DL2 always exceeds (3 DLTs in 3), DL1 (6 without DLT) is the MTD: every trial, exactly
    assert [line.split() for line in table.splitlines() if line.startswith("  DL1")][0] == [
        "DL1", "100.0", "%", "100.0", "%"]
    assert f"within ±{100 * margin(1000):.2g} percentage points" in table
    assert "within ±3.1 percentage points" in table
    assert "takes 4,000 trials" in table


def test_with_dropout_there_is_no_exact_column(capsys):
    assert main(["simulate", "--dlt-rates", "0.1,0.2", "--dropout", "10%", "--trials", "500"]) == 0
    table = capsys.readouterr().out
    assert SIMULATE["no_exact"] in table and SIMULATE["exact_note"] not in table


@pytest.mark.parametrize(("argv", "message"), [
    (["--dlt-rates", "5,25"], "5 is not a probability from 0 to 1: type 0.25 or 25%"),
    (["--dlt-rates", "0.1"], "one true DLT rate per dose level, 2 in all"),
    (["--dlt-rates", "0.1,0.2", "--dropout", "1"], "below 1"),
    (["--dlt-rates", "0.1,0.2", "--trials", "0"], "from 1 to 100,000"),
    (["--dlt-rates", "0.1;0.2"], "is not a probability"),
])
def test_what_cannot_be_simulated_is_refused_in_one_line(capsys, argv, message):
    assert main(["simulate", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err
    assert captured.err.startswith("trialbot simulate: ") and captured.err.count("\n") == 1


def record_one_dlt_from_stopping(path) -> None:
    """1NTP on the real calendar: P-01, P-02 infused 40 days ago (P-02 with a DLT), P-03 today."""
    db = open_database(path)
    today = date.today()
    for days_ago in (40, 40, 0):
        infused = today - timedelta(days=days_ago)
        add_participant(db, screening=eligible_screening(db), weight_kg=60.0,
                        infusion_date=infused, actor="test", placement=Placement(
                            dose_level=1, cohort=1, expansion=False, cells_per_kg=1e5,
                            total_cells=6e6, dlt_window_end=infused + timedelta(days=28)))
    add_dlt_report(db, participant="P-02", event="crs", grading="ASTCT", grade=4,
                   onset_date=today - timedelta(days=30), attribution="probable", is_dlt=True,
                   suggested_dlt=True, actor="test")
    db.close()


def test_from_current_starts_from_the_recorded_trial(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TRIALBOT_DB", str(tmp_path / "site.db"))
    record_one_dlt_from_stopping(tmp_path / "site.db")
    toxic = simulate_json(capsys, "--dlt-rates", "1,0", "--from-current", "--trials", "300")
    assert toxic["recommended"] == {"1": 0, "2": 0, "none": 1}
    assert toxic["end_state"]["no-tolerated-dose"] == 1 and toxic["mean_dlts"] == 2
    assert main(["simulate", "--dlt-rates", "0,0", "--from-current", "--trials", "300"]) == 0
    table = capsys.readouterr().out
    assert "Starting from the trial as recorded: 1NTP" in table
    assert SIMULATE["no_exact"] in table


def test_from_current_needs_the_database(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TRIALBOT_DB", str(tmp_path / "missing.db"))
    assert main(["simulate", "--dlt-rates", "0.1,0.2", "--from-current"]) == 2
    assert "missing.db does not exist" in capsys.readouterr().err
    assert not (tmp_path / "missing.db").exists()


def test_from_current_refuses_a_history_the_protocol_forbids(capsys, monkeypatch, tmp_path):
    path = tmp_path / "site.db"
    monkeypatch.setenv("TRIALBOT_DB", str(path))
    db = open_database(path)
    add_participant(db, screening=eligible_screening(db), weight_kg=60.0,
                    infusion_date=date.today(), actor="test", placement=Placement(
                        dose_level=2, cohort=1, expansion=False, cells_per_kg=5e5,
                        total_cells=3e7, dlt_window_end=date.today() + timedelta(days=28)))
    db.close()
    assert main(["simulate", "--dlt-rates", "0.1,0.2", "--from-current"]) == 2
    assert "does not fit the protocol" in capsys.readouterr().err
