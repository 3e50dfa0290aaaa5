"""Enrolment through the real use cases (storage.usecases.enrollment) on a real SQLite file."""

import re
import threading
from datetime import timedelta

import pytest

from domain.reasons import Refused
from storage.audit import audit_trail
from storage.database import open_database
from storage.outbox import AlertDraft, alerts
from storage.participants import history_rows, participant, participants
from storage.screenings import finish_screening, start_screening
from storage.staff import deactivate_staff
from storage.usecases.enrollment import eligible_screenings, enroll, offer_place
from storage.usecases.escalation import confirm_step
from storage.usecases.events import report_dlt
from tests.storage.conftest import (
    COORDINATOR,
    INVESTIGATOR,
    add_site_staff,
    amended_protocol,
    eligible_screening,
    enrol,
    everything,
    first_cohort_cleared,
    make_trial,
    refusal,
)

PLAIN_VALUE = re.compile(r"P-\d\d|\d{4}-\d\d-\d\d")  # an id or an ISO date: no words


def test_the_first_three_are_placed_at_dl1_cohort_1_with_their_dose(trial):
    infusion = trial.today() + timedelta(days=7)
    for place_number, weight in enumerate((50.0, 62.5, 80.0), start=1):
        screening = eligible_screening(trial.db)
        assert screening in eligible_screenings(trial)

        place = offer_place(trial, screening)
        enrolled = enroll(trial, place=place, weight_kg=weight, infusion=infusion,
                          actor=COORDINATOR)

        number = f"P-0{place_number}"
        assert (place.dose_level, place.label, place.cohort, place.place, place.size) == (
            1, "DL1", 1, place_number, 3)
        assert place.cells_per_kg == 1e5 and place.action == "enroll"
        assert enrolled.participant == number and enrolled.place == place
        assert enrolled.dose.total_cells == pytest.approx(1e5 * weight)
        assert enrolled.dose.window_end == infusion + timedelta(days=28)
        row = participant(trial.db, number)
        assert (row["screening"], row["dose_level"], row["cohort"], row["expansion"]) == (
            screening, 1, 1, False)
        assert (row["weight_kg"], row["infusion_date"]) == (weight, infusion)
        assert row["total_cells"] == pytest.approx(1e5 * weight)
        assert row["enrolled_by"] == str(COORDINATOR)
        assert screening not in eligible_screenings(trial)

        expected = {"participant": number, "level": 1, "cohort": 1, "place": place_number,
                    "size": 3, "weight": weight, "total": row["total_cells"],
                    "infusion": infusion.isoformat(),
                    "window_end": (infusion + timedelta(days=28)).isoformat()}
        assert enrolled.alerts == [AlertDraft("enrolled", "investigator", expected)]
        stored = alerts(trial.db)[-1]
        assert (stored["kind"], stored["recipients"], stored["params"]) == (
            "enrolled", "investigator", expected)
        assert stored["text"] is None
        assert all(PLAIN_VALUE.fullmatch(value) for value in expected.values()
                   if isinstance(value, str))

    assert [a["kind"] for a in alerts(trial.db)] == ["enrolled"] * 3
    enrolled_by = {r["record_id"]: r["actor"] for r in audit_trail(trial.db, "participants")}
    assert enrolled_by == {"P-01": "111", "P-02": "111", "P-03": "111"}


# --- refusals: each leaves the database exactly as it was -----------------------------------

def screen_failure(db):
    number = start_screening(db, actor=COORDINATOR)
    finish_screening(db, number, status="screen_failure", verdict={}, actor=INVESTIGATOR)
    return number


def test_a_screening_that_is_missing_failed_or_enrolled_is_refused(trial):
    failed = screen_failure(trial.db)
    first = enrol(trial)
    free = offer_place(trial, eligible_screening(trial.db))
    before = everything(trial.db)

    assert refusal(offer_place, trial, "S-404").code == "no_screening"
    assert refusal(offer_place, trial, failed).params == {"number": failed,
                                                          "status": "screen_failure"}
    assert refusal(offer_place, trial, first.place.screening).params == {
        "number": first.place.screening, "participant": "P-01"}
    for screening, code in (("S-404", "no_screening"), (failed, "screening_not_eligible"),
                            (first.place.screening, "already_enrolled")):
        shown = free.model_copy(update={"screening": screening})
        assert refusal(enroll, trial, place=shown, weight_kg=60.0, infusion=trial.today(),
                       actor=COORDINATOR).code == code
    assert everything(trial.db) == before


def test_the_same_place_enrolled_twice_gives_one_participant(trial):
    place = offer_place(trial, eligible_screening(trial.db))
    enroll(trial, place=place, weight_kg=60.0, infusion=trial.today(), actor=COORDINATOR)
    before = everything(trial.db)

    reason = refusal(enroll, trial, place=place, weight_kg=60.0, infusion=trial.today(),
                     actor=COORDINATOR)

    assert (reason.code, reason.params["participant"]) == ("already_enrolled", "P-01")
    assert everything(trial.db) == before and len(participants(trial.db)) == 1


def test_no_place_while_the_three_are_in_their_window(trial):
    ends = (trial.today() + timedelta(days=28)).isoformat()
    for _ in range(3):
        enrol(trial)
    screening = eligible_screening(trial.db)
    before = everything(trial.db)

    reason = refusal(offer_place, trial, screening)

    assert reason.code == "waiting_for_windows" and reason.params["level"] == 1
    assert reason.params["who"] == [{"number": f"P-0{n}", "end": ends} for n in (1, 2, 3)]
    assert everything(trial.db) == before


def test_a_step_is_confirmed_before_anyone_is_enrolled_in_it(trial, clock):
    first_cohort_cleared(trial, clock)
    screening = eligible_screening(trial.db)

    reason = refusal(offer_place, trial, screening)

    assert (reason.code, reason.params) == ("step_unconfirmed", {"action": "escalate",
                                                                  "level": 2})
    confirm_step(trial, action="escalate", level=2, actor=INVESTIGATOR)
    place = offer_place(trial, screening)
    assert (place.dose_level, place.label, place.action, place.cohort, place.place) == (
        2, "DL2", "escalate", 1, 1)
    assert enrol(trial, screening, weight=70.0).dose.total_cells == pytest.approx(5e5 * 70)


def test_no_place_once_the_cap_is_reached(tmp_path, clock):
    capped = make_trial(tmp_path / "capped.db", clock, amended_protocol(
        tmp_path, "max_participants = 12", "max_participants = 2"))
    add_site_staff(capped.db)
    enrol(capped)
    last = enrol(capped)
    assert last.place.places_left == 1
    assert [(a.kind, a.recipients) for a in last.alerts] == [("enrolled", "investigator"),
                                                             ("cap-reached", "investigator")]
    assert [a["kind"] for a in alerts(capped.db)] == ["enrolled", "enrolled", "cap-reached"]
    screening = eligible_screening(capped.db)

    reason = refusal(offer_place, capped, screening)

    assert (reason.code, reason.params["cap"]) == ("cap_reached", 2)
    assert len(participants(capped.db)) == 2
    capped.db.close()


@pytest.mark.parametrize(("days", "code"), [(-1, "infusion_past_date"),
                                            (61, "infusion_too_far")])
def test_an_infusion_date_out_of_range_is_refused(trial, days, code):
    place = offer_place(trial, eligible_screening(trial.db))
    before = everything(trial.db)
    day = trial.today() + timedelta(days=days)

    reason = refusal(enroll, trial, place=place, weight_kg=60.0, infusion=day, actor=COORDINATOR)

    assert (reason.code, reason.params["date"], reason.params["max_days"]) == (code, day, 60)
    assert everything(trial.db) == before
    last = trial.today() + timedelta(days=60)  # the last day allowed
    assert enroll(trial, place=place, weight_kg=60.0, infusion=last,
                  actor=COORDINATOR).dose.infusion == last


def test_a_staggered_protocol_refuses_an_infusion_too_early(tmp_path, clock):
    staggered = make_trial(tmp_path / "staggered.db", clock, amended_protocol(
        tmp_path, "days_between_infusions = 0", "days_between_infusions = 14"))
    add_site_staff(staggered.db)
    enrol(staggered)
    place = offer_place(staggered, eligible_screening(staggered.db))
    earliest = staggered.today() + timedelta(days=14)

    reason = refusal(enroll, staggered, place=place, weight_kg=60.0,
                     infusion=earliest - timedelta(days=1), actor=COORDINATOR)

    assert (reason.code, reason.params["earliest"]) == ("infusion_too_early", earliest)
    assert enroll(staggered, place=place, weight_kg=60.0, infusion=earliest,
                  actor=COORDINATOR).participant == "P-02"
    staggered.db.close()


def test_the_place_shown_is_refused_once_the_step_has_changed(trial, clock):
    first_cohort_cleared(trial, clock)
    confirm_step(trial, action="escalate", level=2, actor=INVESTIGATOR)
    shown = offer_place(trial, eligible_screening(trial.db))  # DL2, escalate
    day_10 = trial.today() - timedelta(days=19)
    report_dlt(trial, number="P-03", event="crs", grade=4, onset=day_10, attribution="probable",
               is_dlt=True, actor=INVESTIGATOR)  # a late report: DL1 is 1NNT, expand it
    confirm_step(trial, action="expand", level=1, actor=INVESTIGATOR)
    before = everything(trial.db)

    reason = refusal(enroll, trial, place=shown, weight_kg=60.0, infusion=trial.today(),
                     actor=COORDINATOR)

    assert reason.code == "step_changed"
    assert reason.params["now"].code == "escalation.reason.expand"
    assert reason.params["now"].params["level"] == "DL1"
    assert everything(trial.db) == before
    again = offer_place(trial, shown.screening)
    assert (again.dose_level, again.action) == (1, "expand")


@pytest.mark.parametrize("who", ["deactivated", "unknown", "not an id"])
def test_only_active_staff_enrol(trial, who):
    place = offer_place(trial, eligible_screening(trial.db))
    actor = {"deactivated": COORDINATOR, "unknown": 999, "not an id": "test"}[who]
    if who == "deactivated":  # between the place shown and the enrolment
        deactivate_staff(trial.db, COORDINATOR, actor="test")
    before = everything(trial.db)

    reason = refusal(enroll, trial, place=place, weight_kg=60.0, infusion=trial.today(),
                     actor=actor)

    assert reason.code == "not_staff"
    assert everything(trial.db) == before


# --- the race for the last places ---------------------------------------------------------------

def test_twenty_coordinators_at_once_fill_exactly_the_three_places(db_path, trial, clock):
    screenings = [eligible_screening(trial.db) for _ in range(20)]
    barrier = threading.Barrier(20, timeout=30)
    enrolled, refused, errors = [], [], []

    def attempt(screening):
        own = make_trial(db_path, clock)
        try:
            place = offer_place(own, screening)  # everyone is shown DL1 cohort 1 place 1
            barrier.wait()
            enrolled.append(enroll(own, place=place, weight_kg=60.0, infusion=own.today(),
                                   actor=COORDINATOR))
        except Refused as error:
            refused.append(error.reason.code)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            own.db.close()

    threads = [threading.Thread(target=attempt, args=(s,)) for s in screenings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted((e.participant, e.place.place) for e in enrolled) == [
        ("P-01", 1), ("P-02", 2), ("P-03", 3)]
    assert refused == ["refusal.step_changed"] * 17  # the place shown is gone: now, wait
    db = open_database(db_path)
    rows = history_rows(db)
    assert [(r["number"], r["dose_level"], r["cohort"]) for r in rows] == [
        ("P-01", 1, 1), ("P-02", 1, 1), ("P-03", 1, 1)]
    audited = {r["record_id"]: r["new_value"] for r in audit_trail(db, "participants")
               if r["field"] == "screening"}
    assert audited == {r["number"]: r["screening"] for r in rows}
    assert sorted(a["params"]["participant"] for a in alerts(db)) == ["P-01", "P-02", "P-03"]
    db.close()
