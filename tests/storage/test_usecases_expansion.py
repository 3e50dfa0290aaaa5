"""Case expansion through the real use cases (storage.usecases.expansion, enrollment) on a real
SQLite file: an investigator opens it at a cleared level once escalation is over; coordinators
enrol into it; its participants are not DLT-evaluated and the cap holds for all."""

from datetime import timedelta

from storage.audit import audit_trail
from storage.outbox import alerts
from storage.participants import add_dlt_report, add_evaluation, escalation_decisions, participant
from storage.usecases.enrollment import enroll, offer_place
from storage.usecases.escalation import confirm_step
from storage.usecases.expansion import current_opening, offer_expansion, open_expansion
from tests.storage.conftest import (
    ADMIN,
    COORDINATOR,
    INVESTIGATOR,
    eligible_screening,
    enrol,
    everything,
    place_directly,
    refusal,
)


def recorded(trial, history: str) -> None:
    """Participants written straight into storage, windows long over: "12" is one at DL1 and
    one at DL2, a "T" after a level adds a DLT to that participant ("12T": DLT at DL2)."""
    row, rows, with_dlt = None, [], set()
    for letter in history.replace(" ", ""):
        if letter == "T":
            dlt_for(trial, row)
            with_dlt.add(row["number"])
        else:
            row = place_directly(trial.db, dose_level=int(letter))
            rows.append(row)
    for placed in rows:  # each window completed without a DLT, as an investigator confirmed
        if placed["number"] not in with_dlt:
            add_evaluation(trial.db, placed["number"], actor=INVESTIGATOR)


def dlt_for(trial, row: dict) -> None:
    add_dlt_report(trial.db, participant=row["number"], event="crs", grading="ASTCT", grade=4,
                   onset_date=row["infusion_date"] + timedelta(days=3), attribution="probable",
                   is_dlt=True, suggested_dlt=True, actor=INVESTIGATOR)


def top_dose_cleared(trial) -> None:
    """1NNN 2NNN, the end confirmed by an investigator."""
    recorded(trial, "111 222")
    assert trial.history_text() == "1NNN 2NNN"
    confirm_step(trial, action="top-dose-cleared", level=2, actor=INVESTIGATOR)


def test_an_investigator_opens_expansion_at_a_cleared_level(trial):
    top_dose_cleared(trial)

    offer = offer_expansion(trial, 2)
    opened = open_expansion(trial, level=2, actor=INVESTIGATOR)

    assert (offer.label, offer.cells_per_kg, offer.places_left, offer.cap) == ("DL2", 5e5, 6, 12)
    assert opened.opened_by == "Dr Mei" and opened.offer == offer
    [*_, row] = escalation_decisions(trial.db)
    assert (row["action"], row["dose_level"], row["confirmed_by"]) == (
        "expansion", 2, str(INVESTIGATOR))
    assert row["history"] == "1NNN 2NNN"
    assert {r["field"] for r in audit_trail(trial.db, "escalation_decisions", row["id"])} >= {
        "action", "dose_level"}
    [alert] = [a for a in alerts(trial.db) if a["kind"] == "expansion-opened"]
    assert (alert["recipients"], alert["params"]) == (
        "all", {"who": "Dr Mei", "level": 2, "places": 6, "cap": 12})
    assert current_opening(trial, trial.decision()).label == "DL2"


def test_coordinators_enrol_into_it_without_changing_the_3_plus_3(trial):
    top_dose_cleared(trial)
    open_expansion(trial, level=2, actor=INVESTIGATOR)
    before = trial.decision()

    place = offer_place(trial, eligible_screening(trial.db))
    done = enroll(trial, place=place, weight_kg=70.0, infusion=trial.today(), actor=COORDINATOR)

    assert (place.dose_level, place.action, place.expansion, place.place, place.places_left) == (
        2, "expansion", True, 1, 6)
    row = participant(trial.db, done.participant)
    assert (row["dose_level"], row["expansion"], row["total_cells"]) == (2, True, 5e5 * 70)
    assert done.alerts[0].params["expansion"] is True
    after = trial.decision()
    assert (after.action, after.recommended_dose, after.complete) == (
        before.action, before.recommended_dose, before.complete)
    dl2 = after.per_level[1]
    assert (dl2.enrolled, dl2.evaluable, dl2.expansion, dl2.pending) == (4, 3, 1, 0)
    assert after.places_under_cap == 5
    assert trial.history_text() == "1NNN 2NNN +2P"
    assert offer_place(trial, eligible_screening(trial.db)).place == 2


def test_expansion_fills_the_cap_and_no_more(trial):
    top_dose_cleared(trial)
    open_expansion(trial, level=1, actor=INVESTIGATOR)
    for _ in range(5):
        enrol(trial)
    last = enrol(trial)
    assert last.place.places_left == 1
    assert [a.kind for a in last.alerts] == ["enrolled", "cap-reached"]

    reason = refusal(offer_place, trial, eligible_screening(trial.db))

    assert (reason.code, reason.params["cap"]) == ("cap_reached", 12)
    assert refusal(offer_expansion, trial, 2).code == "cap_reached"


def test_no_expansion_before_escalation_is_over_and_confirmed(trial):
    recorded(trial, "111")  # 1NNN: escalate to DL2
    before = everything(trial.db)
    assert refusal(open_expansion, trial, level=1, actor=INVESTIGATOR).code == (
        "expansion_too_early")
    recorded(trial, "222")
    reason = refusal(open_expansion, trial, level=1, actor=INVESTIGATOR)
    assert (reason.code, reason.params) == ("step_unconfirmed", {"action": "top-dose-cleared",
                                                                  "level": 2})
    assert everything(trial.db)["escalation_decisions"] == before["escalation_decisions"]


def test_only_a_cleared_level_at_most_the_mtd(trial):
    recorded(trial, "111 22T2T 111")  # 1NNN 2NTT 1NNN: DL1 is the MTD
    confirm_step(trial, action="mtd", level=1, actor=INVESTIGATOR)
    before = everything(trial.db)

    reason = refusal(open_expansion, trial, level=2, actor=INVESTIGATOR)

    assert (reason.code, reason.params["level"], reason.params["levels"]) == (
        "expansion_level", "DL2", ["DL1"])
    assert refusal(open_expansion, trial, level=3, actor=INVESTIGATOR).params["level"] == "DL3"
    assert everything(trial.db) == before
    assert open_expansion(trial, level=1, actor=INVESTIGATOR).offer.label == "DL1"


def test_no_tolerated_dose_has_nothing_to_expand(trial):
    recorded(trial, "11T1T")
    confirm_step(trial, action="no-tolerated-dose", level=0, actor=INVESTIGATOR)
    assert refusal(open_expansion, trial, level=1, actor=INVESTIGATOR).code == "expansion_no_dose"


def test_only_an_investigator_opens_it(trial):
    top_dose_cleared(trial)
    before = everything(trial.db)
    reason = refusal(open_expansion, trial, level=2, actor=COORDINATOR)
    assert (reason.code, reason.params["role"]) == ("needs_role", "investigator")
    assert refusal(open_expansion, trial, level=2, actor=999).code == "not_staff"
    assert everything(trial.db) == before
    assert open_expansion(trial, level=2, actor=ADMIN).opened_by == "Admin Xie"


def test_reopening_moves_expansion_and_a_place_shown_for_the_old_level_is_refused(trial):
    top_dose_cleared(trial)
    open_expansion(trial, level=2, actor=INVESTIGATOR)
    reason = refusal(open_expansion, trial, level=2, actor=INVESTIGATOR)
    assert (reason.code, reason.params["level"], reason.params["who"]) == (
        "expansion_already_open", "DL2", "Dr Mei")
    shown = offer_place(trial, eligible_screening(trial.db))

    moved = open_expansion(trial, level=1, actor=INVESTIGATOR)

    assert moved.offer.replaces.label == "DL2"
    stale = refusal(enroll, trial, place=shown, weight_kg=60.0, infusion=trial.today(),
                    actor=COORDINATOR)
    assert stale.code == "step_changed"
    assert offer_place(trial, shown.screening).dose_level == 1


def test_a_revised_judgement_that_reopens_escalation_closes_expansion(trial):
    top_dose_cleared(trial)
    open_expansion(trial, level=2, actor=INVESTIGATOR)
    dlt_for(trial, participant(trial.db, "P-06"))  # a DLT recorded late at DL2: 1NNN 2NNT

    decision = trial.decision()

    assert decision.action == "expand" and current_opening(trial, decision) is None
    assert refusal(offer_place, trial, eligible_screening(trial.db)).code == "step_unconfirmed"
