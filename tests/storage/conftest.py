"""Shared fixtures for storage tests: real SQLite files in tmp_path, and a Trial (the use cases'
services) over such a file with a clock the test sets."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.dlt import dlt_window_end
from domain.reasons import Reason, Refused
from domain.site import UpperLimits
from storage.database import open_database
from storage.participants import (
    Placement,
    add_evaluation,
    add_infusion,
    add_participant,
    participant,
)
from storage.protocol_file import DEFAULT_PROTOCOL_FILE, load_protocol
from storage.screenings import finish_screening, save_answer, start_screening
from storage.staff import add_staff
from storage.usecases.enrollment import Enrolled, enroll, offer_place
from storage.usecases.trial import Trial

COORDINATOR = 111
INVESTIGATOR = 222
ADMIN = 333
INFUSION = date(2025, 1, 1)
WINDOW_END = date(2025, 1, 29)  # INFUSION + the 28-day DLT window
SITE = ZoneInfo("Asia/Shanghai")
# 2026-03-02 02:00 UTC is 10:00 on 2 March at the site.
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "trialbot.db"


@pytest.fixture
def db(db_path):
    database = open_database(db_path)
    yield database
    database.close()


def eligible_screening(db, *, age=34, sex="female"):
    """A finished, eligible screening; returns its number."""
    number = start_screening(db, actor=COORDINATOR)
    save_answer(db, number, "age", value=age, entered=str(age), unit="years", actor=COORDINATOR)
    save_answer(db, number, "sex", value=sex, entered=sex, unit=None, actor=COORDINATOR)
    finish_screening(db, number, status="eligible", verdict={"eligible": True}, actor=INVESTIGATOR)
    return number


def place_directly(db, screening=None, *, dose_level=1, infusion=INFUSION):
    """A participant written straight into storage (no 3+3 engine) in cohort 1 of `dose_level`,
    infused on `infusion`, with a 28-day DLT window."""
    return add_participant(
        db, screening=screening or eligible_screening(db), weight_kg=60.0,
        infusion_date=infusion, actor=COORDINATOR,
        placement=Placement(dose_level=dose_level, cohort=1, expansion=False, cells_per_kg=1e6,
                            total_cells=6e7, dlt_window_end=infusion + timedelta(days=28)))


class Clock:
    """The Trial's clock: a fixed aware UTC time that a test moves on by hand."""

    def __init__(self, at: datetime = START):
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, days: int) -> None:
        self.at += timedelta(days=days)


def amended_protocol(tmp_path, old: str, new: str):
    """The shipped protocol with one line changed (an amendment is an edit of the file)."""
    text = DEFAULT_PROTOCOL_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "amended.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return load_protocol(path)


def make_trial(path, clock, protocol=None) -> Trial:
    """A Trial over its own connection to the database file at `path`."""
    return Trial(db=open_database(path), protocol=protocol or load_protocol(),
                 upper_limits=UpperLimits(), timezone=SITE, clock=clock)


def add_site_staff(db) -> None:
    add_staff(db, user_id=COORDINATOR, name="Coordinator Li", role="coordinator", actor="test")
    add_staff(db, user_id=INVESTIGATOR, name="Dr Mei", role="investigator", actor="test")
    add_staff(db, user_id=ADMIN, name="Admin Xie", role="admin", actor="test")


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def trial(db_path, clock):
    made = make_trial(db_path, clock)
    add_site_staff(made.db)
    yield made
    made.db.close()


# --- driving the use cases ----------------------------------------------------------------------

RECORDS = ("screenings", "participants", "dlt_reports", "escalation_decisions", "alerts", "audit",
           "infusions", "dlt_evaluations")


def everything(db) -> dict:
    """Every stored row of the tables a use case writes: equal before and after means that
    nothing at all was written."""
    return {table: list(db[table].rows) for table in RECORDS}


def refusal(call, *args, **kwargs) -> Reason:
    """The reason a use case refuses with (the test fails if it does not refuse)."""
    with pytest.raises(Refused) as refused:
        call(*args, **kwargs)
    reason = refused.value.reason
    return replace(reason, code=reason.code.removeprefix("refusal."))


def enrol(trial, screening=None, *, weight=60.0, infusion=None, actor=COORDINATOR) -> Enrolled:
    """Enrol a (new, eligible) screening at the place offered, infused today unless told."""
    place = offer_place(trial, screening or eligible_screening(trial.db))
    return enroll(trial, place=place, weight_kg=weight, infusion=infusion or trial.today(),
                  actor=actor)


def infuse_directly(trial, number, *, cells=None, at=None) -> dict:
    """Record straight into storage that `number` was infused (now unless `at`, all of the
    planned dose unless `cells`), after fludarabine and cyclophosphamide on days -5 to -3."""
    at = at or trial.now()
    row = participant(trial.db, number)
    days = (at.date() - timedelta(days=5), at.date() - timedelta(days=3))
    return add_infusion(trial.db, number, infused_at=at,
                        infused_cells=row["total_cells"] if cells is None else cells,
                        lymphodepletion={"fludarabine": days, "cyclophosphamide": days},
                        window_end=dlt_window_end(trial.protocol, at.date()), actor=COORDINATOR)


def first_cohort_cleared(trial, clock) -> list[str]:
    """Three participants enrolled at DL1 and infused today, then the clock moves past their
    28-day DLT window and an investigator confirms each evaluation (1NNN): the 3+3 asks to
    escalate to DL2, to be confirmed."""
    numbers = [enrol(trial).participant for _ in range(3)]
    for number in numbers:
        infuse_directly(trial, number)
    clock.advance(29)
    for number in numbers:
        add_evaluation(trial.db, number, actor=INVESTIGATOR)
    return numbers
