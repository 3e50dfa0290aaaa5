"""What happens after enrolment, through storage.usecases.events: a DLT report, its revision, a
withdrawal (of a participant or a candidate) and a moved infusion, each with its alerts."""

from datetime import timedelta

import pytest

from domain.reasons import Reason
from storage.audit import audit_trail
from storage.outbox import alerts
from storage.participants import add_dlt_report, dlt_reports, participant
from storage.screenings import get_screening
from storage.usecases.enrollment import offer_place
from storage.usecases.events import (
    in_window,
    report_dlt,
    reschedule,
    revise_dlt,
    revision_preview,
    withdraw,
    withdraw_candidate,
    withdrawal_preview,
)
from tests.storage.conftest import (
    COORDINATOR,
    INVESTIGATOR,
    START,
    eligible_screening,
    enrol,
    everything,
    first_cohort_cleared,
    infuse_directly,
    place_directly,
    refusal,
)

INFUSED = START.date()  # first_cohort_cleared infuses P-01..P-03 on this day
WINDOW_END = INFUSED + timedelta(days=28)  # ... and its clock stands the day after this
DAY_10 = INFUSED + timedelta(days=10)


def new_alerts(trial, since: int) -> list[tuple[str, dict]]:
    return [(a["kind"], a["params"]) for a in alerts(trial.db)[since:]]


def crs(trial, *, number="P-03", onset=DAY_10, is_dlt=True, actor=INVESTIGATOR, grade=4):
    return report_dlt(trial, number=number, event="crs", grade=grade, onset=onset,
                      attribution="probable", is_dlt=is_dlt, actor=actor)


# --- a DLT report -------------------------------------------------------------------------------

def test_a_dlt_is_stored_with_the_suggestion_and_raises_its_alerts(trial, clock):
    first_cohort_cleared(trial, clock)

    saved = crs(trial)

    record = saved.record
    assert (record["participant"], record["event"], record["grading"], record["grade"]) == (
        "P-03", "crs", "ASTCT", 4)
    assert (record["onset_date"], record["attribution"]) == (DAY_10, "probable")
    assert (record["is_dlt"], record["suggested_dlt"], record["reported_by"]) == (
        True, True, str(INVESTIGATOR))
    assert dlt_reports(trial.db, "P-03") == [record]
    assert saved.after.decision.action == "expand"  # DL1 is 1NNT
    assert saved.after.conflict is None
    assert [(a.kind, a.params["dose_level"]) for a in saved.after.alerts] == [
        ("cohort-must-expand", 1)]
    dlt = {"number": "P-03", "level": 1, "event": "crs", "grade": 4, "grading": "ASTCT",
           "onset": DAY_10.isoformat(), "attribution": "probable", "who": "Dr Mei"}
    assert [kind for kind, _ in new_alerts(trial, 3)] == ["dlt", "cohort-must-expand"]
    assert new_alerts(trial, 3)[0] == ("dlt", dlt)


def test_a_report_the_investigator_judges_no_dlt_raises_no_alert(trial, clock):
    first_cohort_cleared(trial, clock)

    saved = crs(trial, is_dlt=False)

    assert (saved.record["is_dlt"], saved.record["suggested_dlt"]) == (False, True)
    assert saved.after.decision.action == "escalate" and saved.after.alerts == []
    assert new_alerts(trial, 3) == []


@pytest.mark.parametrize(("onset", "code"), [
    (WINDOW_END + timedelta(days=1), "event_after_window"),
    (INFUSED - timedelta(days=1), "event_before_infusion"),
    (WINDOW_END + timedelta(days=2), "event_future"),
])
def test_an_onset_outside_the_window_or_in_the_future_is_refused(trial, clock, onset, code):
    first_cohort_cleared(trial, clock)
    before = everything(trial.db)

    reason = refusal(crs, trial, onset=onset)

    assert (reason.code, reason.params["number"], reason.params["date"]) == (code, "P-03", onset)
    assert everything(trial.db) == before


@pytest.mark.parametrize(("actor", "number", "code"), [
    (COORDINATOR, "P-03", "needs_role"),
    (999, "P-03", "not_staff"),
    (INVESTIGATOR, "P-09", "no_participant"),
])
def test_only_an_investigator_reports_a_dlt_of_a_participant(trial, clock, actor, number, code):
    first_cohort_cleared(trial, clock)
    before = everything(trial.db)

    assert refusal(crs, trial, number=number, actor=actor).code == code
    assert everything(trial.db) == before


def test_a_report_on_a_history_the_design_forbids_raises_a_conflict_alert(trial):
    place_directly(trial.db, dose_level=2, infusion=trial.today())  # DL2 before DL1: forbidden
    assert refusal(offer_place, trial, eligible_screening(trial.db)).code == "history_unreadable"

    saved = crs(trial, number="P-01", onset=trial.today())

    assert saved.after.decision is None and saved.after.conflict.code == "history_conflict"
    assert saved.after.conflict.params["number"] == "P-01"
    assert [kind for kind, _ in new_alerts(trial, 0)] == ["dlt", "history-conflict"]


# --- revising a judgement -----------------------------------------------------------------------

def test_a_revised_judgement_is_audited_with_its_meaning_and_alerts(trial, clock):
    first_cohort_cleared(trial, clock)
    report = crs(trial).record

    saved = revise_dlt(trial, number="P-03", report_id=report["id"], was=True,
                       reason="improved to grade 2 within 72 h.", actor=INVESTIGATOR)

    assert saved.record["is_dlt"] is False and saved.record["suggested_dlt"] is True
    assert saved.meaning == Reason(code="outcome_change", params={"before": "T", "after": "N"})
    assert saved.after.decision.action == "escalate"
    assert [(a.kind, a.params["dose_level"]) for a in saved.after.alerts] == [
        ("escalation-allowed", 2)]
    change = audit_trail(trial.db, "dlt_reports", report["id"])[-1]
    assert (change["field"], change["old_value"], change["new_value"], change["reason"]) == (
        "is_dlt", True, False, "improved to grade 2 within 72 h.")
    assert new_alerts(trial, 5)[0] == ("dlt-revised", {
        "number": "P-03", "level": 1, "event": "crs", "grade": 4, "grading": "ASTCT",
        "onset": DAY_10.isoformat(), "was": True, "to": False,
        "reason": "improved to grade 2 within 72 h", "who": "Dr Mei"})


@pytest.mark.parametrize(("change", "code"), [
    ({"was": False}, "revised_meanwhile"),
    ({"report_id": 9}, "no_report"),
    ({"number": "P-01"}, "no_report"),
    ({"reason": ""}, "reason_required"),
    ({"actor": COORDINATOR}, "needs_role"),
])
def test_a_revision_is_refused_unless_it_revises_the_judgement_shown(trial, clock, change,
                                                                     code):
    first_cohort_cleared(trial, clock)
    report = crs(trial).record
    before = everything(trial.db)
    asked = {"number": "P-03", "report_id": report["id"], "was": True,
             "reason": "improved within 72 h", "actor": INVESTIGATOR, **change}

    assert refusal(revise_dlt, trial, **asked).code == code
    assert everything(trial.db) == before


# --- withdrawal ---------------------------------------------------------------------------------

def test_a_withdrawal_in_the_window_frees_the_place(trial, clock):
    for _ in range(3):
        enrol(trial)
    clock.advance(5)
    on = trial.today() - timedelta(days=2)

    saved = withdraw(trial, number="P-02", on=on, reason="consent withdrawn.",
                     actor=INVESTIGATOR)

    assert (saved.record["withdrawn_on"], saved.record["withdrawal_reason"]) == (
        on, "consent withdrawn.")
    assert saved.meaning == Reason(code="outcome_change", params={"before": "P", "after": "X"})
    assert (saved.after.decision.next_dose, saved.after.decision.open_places) == (1, 1)
    assert audit_trail(trial.db, "participants", "P-02")[-1]["reason"] == "consent withdrawn."
    assert new_alerts(trial, 3) == [("withdrawn", {
        "number": "P-02", "level": 1, "on": on.isoformat(), "reason": "consent withdrawn",
        "meaning": {"code": "outcome_change", "params": {"before": "P", "after": "X"}},
        "who": "Dr Mei"})]
    assert offer_place(trial, eligible_screening(trial.db)).place == 3


@pytest.mark.parametrize(("change", "code"), [
    ({"on": INFUSED - timedelta(days=1)}, "event_before_infusion"),
    ({"on": INFUSED + timedelta(days=6)}, "event_future"),
    ({"number": "P-09"}, "no_participant"),
    ({"actor": COORDINATOR}, "needs_role"),
])
def test_a_withdrawal_is_refused_on_a_wrong_date_or_by_a_coordinator(trial, clock, change, code):
    enrol(trial)
    clock.advance(5)
    before = everything(trial.db)
    asked = {"number": "P-01", "on": INFUSED, "reason": "consent withdrawn",
             "actor": INVESTIGATOR, **change}

    assert refusal(withdraw, trial, **asked).code == code
    assert everything(trial.db) == before


def test_a_participant_is_withdrawn_once(trial):
    enrol(trial)
    withdraw(trial, number="P-01", on=trial.today(), reason="consent withdrawn",
             actor=INVESTIGATOR)
    before = everything(trial.db)

    reason = refusal(withdraw, trial, number="P-01", on=trial.today(), reason="again",
                     actor=INVESTIGATOR)

    assert (reason.code, reason.params["reason"]) == ("already_withdrawn", "consent withdrawn")
    assert everything(trial.db) == before


def test_a_coordinator_withdraws_a_candidate(trial):
    screening = eligible_screening(trial.db)
    assert refusal(withdraw_candidate, trial, number=screening, reason="moved away",
                   actor=999).code == "not_staff"

    withdrawn = withdraw_candidate(trial, number=screening, reason="moved away",
                                   actor=COORDINATOR)

    assert withdrawn["status"] == get_screening(trial.db, screening)["status"] == "withdrawn"
    assert audit_trail(trial.db, "screenings", screening)[-1]["reason"] == "moved away"
    assert refusal(offer_place, trial, screening).code == "screening_not_eligible"


# --- previews: what saving would change, nothing written ----------------------------------------

def test_previews_show_the_meaning_and_the_answer_without_writing(trial, clock):
    for _ in range(3):
        enrol(trial)
    clock.advance(5)
    late = add_dlt_report(trial.db, participant="P-03", event="crs", grade=4,
                          onset_date=WINDOW_END + timedelta(days=1), grading="ASTCT",
                          attribution="probable", is_dlt=False, suggested_dlt=False,
                          actor=INVESTIGATOR)  # stored before onset dates were checked
    before = everything(trial.db)

    leaving = withdrawal_preview(trial, "P-02", trial.today())
    revising = revision_preview(trial, "P-03", late["id"], True)

    assert leaving.meaning == Reason(code="outcome_change", params={"before": "P", "after": "X"})
    assert (leaving.then.next_dose, leaving.then.open_places) == (1, 1)
    assert revising.meaning == Reason(code="outside_window", params={"window_end": WINDOW_END})
    assert revising.then.action == "wait"  # a DLT after the window does not count
    assert numbers_of(in_window(trial)) == ["P-01", "P-02", "P-03"]
    assert everything(trial.db) == before
    clock.advance(24)  # day 29: every window has ended
    assert in_window(trial) == []


def numbers_of(rows):
    return [row["number"] for row in rows]


# --- moving a planned infusion ------------------------------------------------------------------

def test_a_moved_infusion_moves_the_window_with_an_audit_and_an_alert(trial):
    planned = trial.today() + timedelta(days=7)
    enrol(trial, infusion=planned)
    new = planned + timedelta(days=3)

    saved = reschedule(trial, number="P-01", planned=planned, new=new,
                       reason="product delayed.", actor=COORDINATOR)

    new_end = new + timedelta(days=28)
    assert (saved.record["infusion_date"], saved.record["dlt_window_end"]) == (new, new_end)
    changes = [(c["field"], c["old_value"], c["new_value"], c["reason"])
               for c in audit_trail(trial.db, "participants", "P-01") if c["old_value"]]
    assert changes == [
        ("infusion_date", planned.isoformat(), new.isoformat(), "product delayed."),
        ("dlt_window_end", (planned + timedelta(days=28)).isoformat(), new_end.isoformat(),
         "product delayed."),
    ]
    moved = {"number": "P-01", "level": 1, "old": planned.isoformat(), "new": new.isoformat(),
             "new_end": new_end.isoformat(), "reason": "product delayed", "who": "Coordinator Li"}
    assert new_alerts(trial, 1) == [("infusion-moved", moved)]
    assert [(a.kind, a.params) for a in saved.after.alerts] == [("infusion-moved", moved)]


def withdrawn(trial, clock):
    withdraw(trial, number="P-01", on=trial.today(), reason="consent withdrawn",
             actor=INVESTIGATOR)


def reported(trial, clock):
    crs(trial, number="P-01", onset=trial.today(), is_dlt=False)


def infused(trial, clock):
    infuse_directly(trial, "P-01")  # the infusion is recorded: the window runs from it
    clock.advance(1)


def nothing(trial, clock):
    pass


TODAY = INFUSED  # the participant below is infused on the clock's first day


@pytest.mark.parametrize(("before", "change", "code"), [
    (withdrawn, {}, "reschedule_withdrawn"),
    (reported, {}, "reschedule_has_reports"),
    (infused, {"new": TODAY + timedelta(days=5)}, "reschedule_infused"),
    (nothing, {"planned": TODAY + timedelta(days=1)}, "infusion_changed_meanwhile"),
    (nothing, {"new": TODAY}, "infusion_unchanged"),
    (nothing, {"new": TODAY - timedelta(days=1)}, "infusion_past_date"),
    (nothing, {"new": TODAY + timedelta(days=61)}, "infusion_too_far"),
    (nothing, {"reason": ""}, "reason_required"),
    (nothing, {"number": "P-09"}, "no_participant"),
    (nothing, {"actor": 999}, "not_staff"),
])
def test_a_date_that_may_not_move_is_refused(trial, clock, before, change, code):
    enrol(trial)  # infused today
    before(trial, clock)
    stored = everything(trial.db)
    asked = {"number": "P-01", "planned": TODAY, "new": TODAY + timedelta(days=3),
             "reason": "product delayed", "actor": COORDINATOR, **change}

    assert refusal(reschedule, trial, **asked).code == code
    assert everything(trial.db) == stored
    assert participant(trial.db, "P-01")["infusion_date"] == TODAY


def test_a_planned_day_passed_without_a_recorded_infusion_may_still_move(trial, clock):
    enrol(trial)  # planned for today
    clock.advance(2)  # the product was not released: nothing recorded
    new = trial.today() + timedelta(days=1)

    saved = reschedule(trial, number="P-01", planned=TODAY, new=new, reason="product delayed",
                       actor=COORDINATOR)

    assert (saved.record["infusion_date"], saved.record["dlt_window_end"]) == (
        new, new + timedelta(days=28))
