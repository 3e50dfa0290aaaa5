"""Shared fixtures for storage tests: real SQLite files in tmp_path."""

from datetime import date, timedelta

import pytest

from storage.database import open_database
from storage.participants import AlertDraft, EnrollmentRefused, Placement
from storage.screenings import finish_screening, save_answer, start_screening

COORDINATOR = 111
INVESTIGATOR = 222


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


def plan_with_places(places, *, reason="cohort 1 is full", alerts=()):
    """A plan that places participants in cohort 1 until `places` are taken."""

    def plan(rows):
        if len(rows) >= places:
            raise EnrollmentRefused(reason)
        return Placement(
            dose_level=1,
            cohort=1,
            expansion=False,
            cells_per_kg=1e6,
            total_cells=6e7,
            dlt_window_end=date(2025, 1, 1) + timedelta(days=28),
            alerts=[AlertDraft(**alert) for alert in alerts],
        )

    return plan
