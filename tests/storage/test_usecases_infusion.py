"""The infusion as given, the end of a DLT window confirmed, and the weight at enrolment,
through the real use cases on a real SQLite file with the Trial's clock."""

from datetime import UTC, datetime, time, timedelta

import pytest

from storage.audit import audit_trail
from storage.outbox import alerts
from storage.participants import participant
from storage.usecases.enrollment import enroll, offer_place
from storage.usecases.evaluation import confirm_evaluation
from storage.usecases.events import reschedule, withdraw
from storage.usecases.infusion import infusions_to_record, record_infusion
from storage.usecases.status import (
    snapshot,
    windows_awaiting_evaluation,
    windows_ended_without_dlt,
)
from tests.storage.conftest import (
    ADMIN,
    COORDINATOR,
    INVESTIGATOR,
    SITE,
    add_site_staff,
    amended_protocol,
    eligible_screening,
    enrol,
    everything,
    infuse_directly,
    make_trial,
    refusal,
)

FLU_CY = {"fludarabine": None, "cyclophosphamide": None}


def local(trial, days: int, hour: int = 9, minute: int = 0) -> datetime:
    """A time at the site, `days` days from the clock's day."""
    return datetime.combine(trial.today() + timedelta(days=days), time(hour, minute), SITE)


def infuse(trial, number="P-01", *, at=None, cells=None, days=None, actor=COORDINATOR):
    days = days or (trial.today() - timedelta(days=5), trial.today() - timedelta(days=3))
    cells = participant(trial.db, number)["total_cells"] if cells is None else cells
    return record_infusion(trial, number=number, infused_at=at or local(trial, 0, 9),
                           lymphodepletion={"fludarabine": days, "cyclophosphamide": days},
                           infused_cells=cells, actor=actor)


def at_site(clock, trial, days: int, hour: int = 10) -> None:
    """Move the clock to `hour` at the site, `days` days from the clock's day."""
    clock.at = local(trial, days, hour).astimezone(UTC)


@pytest.fixture
def staggered(tmp_path, clock):
    made = make_trial(tmp_path / "staggered.db", clock, amended_protocol(
        tmp_path, "days_between_infusions = 0", "days_between_infusions = 14"))
    add_site_staff(made.db)
    yield made
    made.db.close()


@pytest.fixture
def minimum_dose(tmp_path, clock):
    made = make_trial(tmp_path / "minimum.db", clock, amended_protocol(
        tmp_path, "# min_dose_fraction = 0.8", "min_dose_fraction = 0.8"))
    add_site_staff(made.db)
    yield made
    made.db.close()


# --- the infusion as given ------------------------------------------------------------------

def test_the_dlt_window_runs_from_the_infusion_as_given(trial, clock):
    planned = trial.today()
    enrol(trial, infusion=planned)  # P-01, window until planned + 28
    at_site(clock, trial, 2, hour=15)  # the product came two days late
    given = local(trial, 0, 14, 30)
    flu = (given.date() - timedelta(days=5), given.date() - timedelta(days=3))

    saved = record_infusion(trial, number="P-01", infused_at=given,
                            lymphodepletion={"fludarabine": flu, "cyclophosphamide": flu},
                            infused_cells=6e6, actor=COORDINATOR)

    row = participant(trial.db, "P-01")
    assert (row["infusion_date"], row["infused_on"]) == (planned, given.date())
    assert row["dlt_window_end"] == given.date() + timedelta(days=28)
    assert saved.record["dlt_window_end"] == row["dlt_window_end"]
    assert row["infusion"]["infused_at"] == given and row["infusion"]["infused_cells"] == 6e6
    assert row["infusion"]["fludarabine"] == flu == row["infusion"]["cyclophosphamide"]
    audit = [(a["table_name"], a["field"], a["old_value"], a["new_value"])
             for a in audit_trail(trial.db) if a["record_id"] == "P-01"
             and a["table_name"] in ("infusions", "participants") and a["old_value"]]
    assert audit == [("participants", "dlt_window_end",
                      (planned + timedelta(days=28)).isoformat(),
                      (given.date() + timedelta(days=28)).isoformat())]
    assert "2026-03-04T14:30+08:00" in [a["new_value"] for a in audit_trail(trial.db, "infusions")]
    [alert] = [a for a in alerts(trial.db) if a["kind"] == "infused"]
    assert alert["params"] == {
        "number": "P-01", "level": 1, "at": "2026-03-04 14:30", "cells": 6e6, "target": 6e6,
        "fraction": 1.0, "underdosed": False, "min_fraction": None,
        "window_end": "2026-04-01", "who": "Coordinator Li"}


def test_an_infusion_is_recorded_once(trial):
    enrol(trial)
    infuse(trial)
    before = everything(trial.db)

    reason = refusal(infuse, trial, at=local(trial, 0, 9, 5))

    assert (reason.code, reason.params["at"]) == ("already_infused", "2026-03-02 09:00")
    assert everything(trial.db) == before
    assert infusions_to_record(trial) == []


@pytest.mark.parametrize(("when", "code"), [
    (lambda trial: local(trial, 0, 10, 1), "infused_infused_future"),  # the clock says 10:00
    (lambda trial: local(trial, -1), "infused_before_enrolment"),
])
def test_an_infusion_time_that_cannot_be_is_refused(trial, when, code):
    enrol(trial)
    before = everything(trial.db)

    assert refusal(infuse, trial, at=when(trial)).code == code
    assert everything(trial.db) == before
    assert infuse(trial, at=local(trial, 0, 10, 0)).record["infused_on"] == trial.today()


def test_a_coordinator_records_an_infusion_a_stranger_cannot(trial):
    enrol(trial)
    enrol(trial)
    assert refusal(infuse, trial, actor=999).code == "not_staff"
    infuse(trial, "P-01", actor=INVESTIGATOR)  # a higher role may
    infuse(trial, "P-02", actor=ADMIN)


@pytest.mark.parametrize(("days", "code"), [
    ((-3, -5), "lymphodepletion_end_before_start"),
    ((-3, 1), "lymphodepletion_after_infusion"),
    ((-31, -29), "lymphodepletion_too_long_before"),
])
def test_lymphodepletion_days_that_cannot_be_are_refused(trial, days, code):
    enrol(trial)
    before = everything(trial.db)
    first, last = (trial.today() + timedelta(days=n) for n in days)

    assert refusal(infuse, trial, days=(first, last)).code == code
    assert everything(trial.db) == before


def test_the_protocols_spacing_is_enforced_at_the_infusion(staggered, clock):
    day_0 = staggered.today()
    enrol(staggered)  # P-01, planned for day 0
    enrol(staggered, infusion=day_0 + timedelta(days=14))  # P-02: 14 days later, as planned
    at_site(clock, staggered, 5)
    infuse(staggered, "P-01", at=local(staggered, 0, 9))  # ... but P-01 was infused on day 5
    assert snapshot(staggered).next_infusion == day_0 + timedelta(days=19)
    at_site(clock, staggered, 9)  # day 14
    before = everything(staggered.db)

    reason = refusal(infuse, staggered, "P-02", at=local(staggered, 0, 9))

    assert (reason.code, reason.params["earliest"]) == ("infused_too_early",
                                                        day_0 + timedelta(days=19))
    assert everything(staggered.db) == before
    at_site(clock, staggered, 5)  # day 19
    assert infuse(staggered, "P-02", at=local(staggered, 0, 9)).record["infused_on"] == (
        day_0 + timedelta(days=19))
    assert snapshot(staggered).next_infusion == day_0 + timedelta(days=33)


def test_the_shipped_protocol_does_not_space_infusions(trial):
    enrol(trial)
    enrol(trial)
    infuse(trial, "P-01")
    infuse(trial, "P-02", at=local(trial, 0, 9, 30))
    assert snapshot(trial).next_infusion is None


def test_less_than_the_minimum_dose_is_not_evaluable_and_replaced(minimum_dose, clock):
    for _ in range(3):
        enrol(minimum_dose)  # 60 kg at DL1: 6×10^6 cells each
    assert snapshot(minimum_dose).decision.action == "wait"
    infuse(minimum_dose, "P-01", cells=4.8e6)  # exactly 80%: evaluable
    before = snapshot(minimum_dose).decision

    saved = infuse(minimum_dose, "P-02", cells=4.79e6)  # below 80%

    assert (saved.meaning.params["before"], saved.meaning.params["after"]) == ("P", "X")
    after = snapshot(minimum_dose).decision
    assert (before.action, before.open_places) == ("wait", 0)
    assert (after.action, after.next_dose, after.open_places) == ("enroll", 1, 1)
    assert after.per_level[0].not_evaluable == 1 and after.per_level[0].pending == 2
    [alert] = [a for a in alerts(minimum_dose.db) if a["params"].get("number") == "P-02"
               and a["kind"] == "infused"]
    assert (alert["params"]["underdosed"], alert["params"]["min_fraction"]) == (True, 0.8)
    assert minimum_dose.history_text() == "1PXP"


def test_without_a_minimum_any_dose_is_evaluable(trial):
    for _ in range(3):
        enrol(trial)
    infuse(trial, "P-02", cells=1e5)
    assert trial.history_text() == "1PPP"


def test_a_recorded_infusion_ends_rescheduling(trial):
    enrol(trial, infusion=trial.today())
    infuse(trial)
    reason = refusal(reschedule, trial, number="P-01", planned=trial.today(),
                     new=trial.today() + timedelta(days=2), reason="product delayed",
                     actor=COORDINATOR)
    assert (reason.code, reason.params["on"]) == ("reschedule_infused", trial.today())


# --- the end of the DLT window, confirmed ---------------------------------------------------

def closed_cohort(trial, clock) -> None:
    """P-01..P-03 at DL1, infused on day 0 (recorded); the clock on day 29, no evaluation."""
    for _ in range(3):
        enrol(trial)
    for number in ("P-01", "P-02", "P-03"):
        infuse(trial, number)
    clock.advance(29)


def test_a_closed_window_without_evaluation_is_pending(trial, clock):
    closed_cohort(trial, clock)

    decision = snapshot(trial).decision

    assert (decision.action, decision.pending, decision.next_dose) == ("wait", 3, None)
    assert trial.history_text() == "1PPP"
    assert [r["number"] for r in windows_awaiting_evaluation(trial)] == ["P-01", "P-02", "P-03"]
    assert [r["number"] for r in snapshot(trial).awaiting_evaluation] == ["P-01", "P-02", "P-03"]
    assert windows_ended_without_dlt is windows_awaiting_evaluation  # the earlier name


def test_an_investigator_confirms_the_evaluation(trial, clock):
    closed_cohort(trial, clock)
    for number in ("P-01", "P-02"):
        confirm_evaluation(trial, number=number, actor=INVESTIGATOR)
    assert trial.history_text() == "1NNP"

    saved = confirm_evaluation(trial, number="P-03", actor=INVESTIGATOR)

    assert trial.history_text() == "1NNN"
    assert (saved.meaning.params["before"], saved.meaning.params["after"]) == ("P", "N")
    assert saved.after.decision.action == "escalate"
    assert [a.kind for a in saved.after.alerts] == ["escalation-allowed"]
    assert windows_awaiting_evaluation(trial) == []
    row = participant(trial.db, "P-03")
    assert row["evaluated"] and row["evaluated_by"] == str(INVESTIGATOR)
    [audit] = audit_trail(trial.db, "dlt_evaluations", "P-03")
    assert (audit["actor"], audit["new_value"]) == (str(INVESTIGATOR), True)
    evaluated = [a["params"] for a in alerts(trial.db) if a["kind"] == "dlt-evaluated"]
    assert evaluated[-1] == {"number": "P-03", "level": 1, "window_end": "2026-03-30",
                             "who": "Dr Mei"}


def test_a_coordinator_cannot_confirm_an_evaluation(trial, clock):
    closed_cohort(trial, clock)
    before = everything(trial.db)

    reason = refusal(confirm_evaluation, trial, number="P-01", actor=COORDINATOR)

    assert (reason.code, reason.params["role"]) == ("needs_role", "investigator")
    assert everything(trial.db) == before


def test_confirming_twice_changes_nothing(trial, clock):
    closed_cohort(trial, clock)
    confirm_evaluation(trial, number="P-01", actor=INVESTIGATOR)
    before = everything(trial.db)

    reason = refusal(confirm_evaluation, trial, number="P-01", actor=INVESTIGATOR)

    assert (reason.code, reason.params["who"]) == ("already_evaluated", "Dr Mei")
    assert everything(trial.db) == before


def late_dlt(trial, clock):
    from storage.usecases.events import report_dlt

    report_dlt(trial, number="P-01", event="cytopenia", grade=4,
               onset=trial.today() - timedelta(days=5), attribution="probable", is_dlt=True,
               actor=INVESTIGATOR)


def withdrawn_early(trial, clock):
    withdraw(trial, number="P-01", on=trial.today() - timedelta(days=10), reason="moved away",
             actor=INVESTIGATOR)


def window_open(trial, clock):
    clock.advance(-1)  # day 28: the last day of the window is still observed


@pytest.mark.parametrize(("before", "code"), [
    (late_dlt, "evaluation_has_dlt"),
    (withdrawn_early, "evaluation_not_evaluable"),
    (window_open, "evaluation_window_open"),
])
def test_an_evaluation_that_cannot_be_confirmed(trial, clock, before, code):
    closed_cohort(trial, clock)
    before(trial, clock)
    stored = everything(trial.db)

    assert refusal(confirm_evaluation, trial, number="P-01", actor=INVESTIGATOR).code == code
    assert everything(trial.db) == stored


def test_the_infusion_is_recorded_before_the_evaluation(trial, clock):
    enrol(trial)
    clock.advance(29)
    before = everything(trial.db)

    reason = refusal(confirm_evaluation, trial, number="P-01", actor=INVESTIGATOR)

    assert reason.code == "evaluation_not_infused"
    assert everything(trial.db) == before
    assert [r["infused_on"] for r in windows_awaiting_evaluation(trial)] == [None]


def test_a_case_expansion_participant_is_not_evaluated(trial, clock):
    infuse_directly(trial, enrol(trial).participant)
    trial.db.execute("UPDATE participants SET expansion = 1")
    clock.advance(29)
    assert windows_awaiting_evaluation(trial) == []
    assert refusal(confirm_evaluation, trial, number="P-01",
                   actor=INVESTIGATOR).code == "evaluation_expansion"


# --- the weight at enrolment ----------------------------------------------------------------

@pytest.mark.parametrize(("weight", "asks"), [(29, True), (30, False), (200, False),
                                              (201, True)])
def test_a_weight_outside_30_to_200_kg_needs_a_confirmation(trial, weight, asks):
    place = offer_place(trial, eligible_screening(trial.db))
    before = everything(trial.db)
    if asks:
        reason = refusal(enroll, trial, place=place, weight_kg=weight, infusion=trial.today(),
                         actor=COORDINATOR)
        assert (reason.code, reason.params) == ("weight_unconfirmed",
                                                {"weight": weight, "low": 30.0, "high": 200.0})
        assert everything(trial.db) == before
    done = enroll(trial, place=place, weight_kg=weight, infusion=trial.today(),
                  actor=COORDINATOR, weight_confirmed=asks)
    assert participant(trial.db, done.participant)["weight_kg"] == weight
    [alert] = alerts(trial.db)
    assert alert["params"].get("weight_confirmed", False) is asks


def test_the_total_is_the_exact_product_of_weight_and_dose(trial):
    assert enrol(trial, weight=32.3).dose.total_cells == 3_230_000
    assert participant(trial.db, "P-01")["total_cells"] == 3_230_000
