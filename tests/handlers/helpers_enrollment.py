"""Setup for the /enroll and /dlt tests: eligible screenings, participants placed directly,
DLTs recorded directly, and an application running an amended protocol (e.g. a small cap)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import date, datetime, time, timedelta

from domain.dlt import dlt_window_end
from storage.participants import (
    Placement,
    add_dlt_report,
    add_evaluation,
    add_infusion,
    add_participant,
    participants,
)
from storage.protocol_file import DEFAULT_PROTOCOL_FILE
from storage.screenings import finish_screening, start_screening
from storage.staff import add_staff
from tests.handlers.conftest import COORDINATOR, INVESTIGATOR, make_settings, start_app

CLOSED = 40  # infused this many days ago: the 28-day DLT window is over
OPEN = 5  # infused this many days ago: still in the DLT window


def trial_of(app):
    return app.bot_data["trial"]


def eligible(db) -> str:
    """A finished, eligible screening; returns its number."""
    number = start_screening(db, actor=COORDINATOR)
    finish_screening(db, number, status="eligible", verdict={"status": "eligible"},
                     actor=COORDINATOR)
    return number


def enrol_directly(app, *, days_ago: int, level: int = 1, weight: float = 60.0,
                   infused: bool | None = None, evaluated: bool | None = None) -> dict:
    """Enrol a new eligible screening at `level`, planned for `days_ago` days before today
    (negative: ahead). A day already past is recorded as infused with the full dose unless
    `infused` says otherwise, and a DLT window already over as evaluated by an investigator
    (DLT window completed, no DLT) unless `evaluated` says otherwise."""
    trial = trial_of(app)
    planned = trial.today() - timedelta(days=days_ago)
    dose = trial.protocol.dose_level(level)

    placement = Placement(dose_level=level, cohort=1, expansion=False,
                          cells_per_kg=dose.cells_per_kg, total_cells=dose.cells_per_kg * weight,
                          dlt_window_end=dlt_window_end(trial.protocol, planned))
    row = add_participant(trial.db, screening=eligible(trial.db), weight_kg=weight,
                          infusion_date=planned, actor="test", placement=placement)
    if infused is None:
        infused = days_ago > 0
    if infused:
        row = infuse_directly(app, row["number"], planned)
    if evaluated is None:
        evaluated = row["dlt_window_end"] < trial.today()
    if evaluated:
        row = add_evaluation(trial.db, row["number"], actor=INVESTIGATOR)
    return row


def infuse_directly(app, number: str, day: date, *, cells: float | None = None) -> dict:
    """Record that `number` was infused on `day` at 09:00 (all of the planned dose unless
    `cells` says otherwise), after fludarabine and cyclophosphamide on days -5 to -3."""
    trial = trial_of(app)
    target = next(p for p in participants(trial.db) if p["number"] == number)["total_cells"]
    days = (day - timedelta(days=5), day - timedelta(days=3))
    return add_infusion(trial.db, number, infused_at=datetime.combine(day, time(9),
                                                                      trial.timezone),
                        infused_cells=target if cells is None else cells,
                        lymphodepletion={"fludarabine": days, "cyclophosphamide": days},
                        window_end=dlt_window_end(trial.protocol, day), actor="test")


def dlt_directly(app, number: str, onset: date) -> dict:
    return add_dlt_report(
        trial_of(app).db, participant=number, event="crs", grading="ASTCT", grade=4,
        onset_date=onset, attribution="probable", is_dlt=True, suggested_dlt=True,
        actor="test")


@asynccontextmanager
async def amended_app(tmp_path, old: str, new: str):
    """The real application with one line of the shipped protocol file changed."""
    text = DEFAULT_PROTOCOL_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "amended.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    app = await start_app(make_settings(tmp_path, protocol=path))
    db = trial_of(app).db
    add_staff(db, user_id=COORDINATOR, name="Coordinator Li", role="coordinator", actor="test")
    add_staff(db, user_id=INVESTIGATOR, name="Dr Mei", role="investigator", actor="test")
    try:
        yield app
    finally:
        await app.shutdown()
