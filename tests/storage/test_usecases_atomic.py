"""A record and the alerts it raises are stored together or not at all: each use case that writes
is run once with an outbox that fails (a real SQLite trigger on this connection) after the record
itself has been written, and must leave the database exactly as it was."""

import sqlite3
from datetime import timedelta

import pytest

from storage.usecases.enrollment import enroll, offer_place
from storage.usecases.escalation import confirm_step
from storage.usecases.events import report_dlt, reschedule, revise_dlt, withdraw
from tests.storage.conftest import (
    COORDINATOR,
    INVESTIGATOR,
    eligible_screening,
    enrol,
    everything,
    first_cohort_cleared,
)


def break_the_outbox(db):
    db.execute("CREATE TEMP TRIGGER outbox_breaks BEFORE INSERT ON alerts"
               " BEGIN SELECT RAISE(ABORT, 'outbox broke'); END")


def mend_the_outbox(db):
    db.execute("DROP TRIGGER temp.outbox_breaks")


def dlt_of_p03(trial):
    return report_dlt(trial, number="P-03", event="crs", grade=4,
                      onset=trial.today() - timedelta(days=19), attribution="probable",
                      is_dlt=True, actor=INVESTIGATOR)


# Each prepares the trial and returns the use case to run.

def an_enrolment(trial, clock):
    place = offer_place(trial, eligible_screening(trial.db))
    return lambda: enroll(trial, place=place, weight_kg=60.0, infusion=trial.today(),
                          actor=COORDINATOR)


def a_confirmation(trial, clock):
    first_cohort_cleared(trial, clock)
    return lambda: confirm_step(trial, action="escalate", level=2, actor=INVESTIGATOR)


def a_dlt_report(trial, clock):
    first_cohort_cleared(trial, clock)
    return lambda: dlt_of_p03(trial)


def a_revision(trial, clock):
    first_cohort_cleared(trial, clock)
    report = dlt_of_p03(trial).record
    return lambda: revise_dlt(trial, number="P-03", report_id=report["id"], was=True,
                              reason="improved within 72 h", actor=INVESTIGATOR)


def a_withdrawal(trial, clock):
    enrol(trial)
    return lambda: withdraw(trial, number="P-01", on=trial.today(), reason="consent withdrawn",
                            actor=INVESTIGATOR)


def a_moved_infusion(trial, clock):
    enrol(trial)
    return lambda: reschedule(trial, number="P-01", planned=trial.today(),
                              new=trial.today() + timedelta(days=3), reason="product delayed",
                              actor=COORDINATOR)


@pytest.mark.parametrize("prepare", [an_enrolment, a_confirmation, a_dlt_report, a_revision,
                                     a_withdrawal, a_moved_infusion])
def test_a_failing_outbox_leaves_neither_the_record_nor_an_alert(trial, clock, prepare):
    use_case = prepare(trial, clock)
    before = everything(trial.db)
    break_the_outbox(trial.db)

    with pytest.raises(sqlite3.IntegrityError, match="outbox broke"):
        use_case()

    assert not trial.db.conn.in_transaction
    assert everything(trial.db) == before
    mend_the_outbox(trial.db)  # and the same event can be recorded afterwards
    use_case()
    after = everything(trial.db)
    assert after["alerts"] != before["alerts"] and after["audit"] != before["audit"]
