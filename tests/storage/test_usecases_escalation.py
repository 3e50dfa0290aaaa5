"""An investigator confirms the 3+3 step in progress (storage.usecases.escalation.confirm_step)."""

from datetime import timedelta

import pytest

from storage.audit import audit_trail
from storage.outbox import alerts
from storage.participants import add_evaluation, escalation_decisions
from storage.usecases.escalation import confirm_step
from storage.usecases.events import report_dlt, withdraw
from tests.storage.conftest import (
    ADMIN,
    COORDINATOR,
    INVESTIGATOR,
    add_site_staff,
    amended_protocol,
    enrol,
    everything,
    first_cohort_cleared,
    make_trial,
    place_directly,
    refusal,
)


def test_a_confirmation_is_recorded_with_who_and_announced_to_all(trial, clock):
    first_cohort_cleared(trial, clock)

    confirmed = confirm_step(trial, action="escalate", level=2, actor=INVESTIGATOR)

    assert confirmed.confirmed_by == "Dr Mei"
    assert (confirmed.decision.action, confirmed.decision.next_dose) == ("escalate", 2)
    (decision,) = escalation_decisions(trial.db)
    assert (decision["action"], decision["dose_level"], decision["confirmed_by"]) == (
        "escalate", 2, str(INVESTIGATOR))
    assert decision["history"] == trial.history_text()
    assert decision["recommendation"]["action"] == "escalate"
    fields = {r["field"] for r in audit_trail(trial.db, "escalation_decisions", decision["id"])}
    assert {"action", "dose_level", "recommendation"} <= fields
    (alert,) = [a for a in alerts(trial.db) if a["kind"] == "step-confirmed"]
    assert (alert["recipients"], alert["params"]) == (
        "all", {"who": "Dr Mei", "action": "escalate", "level": 2})


def test_a_step_is_confirmed_once(trial, clock):
    first_cohort_cleared(trial, clock)
    confirm_step(trial, action="escalate", level=2, actor=INVESTIGATOR)
    before = everything(trial.db)

    reason = refusal(confirm_step, trial, action="escalate", level=2, actor=ADMIN)

    assert (reason.code, reason.params) == ("step_already_confirmed", {"action": "escalate",
                                                                        "level": 2})
    assert everything(trial.db) == before


@pytest.mark.parametrize(("action", "level"), [("expand", 1), ("escalate", 3), ("enroll", 1)])
def test_a_button_for_another_step_is_stale(trial, clock, action, level):
    first_cohort_cleared(trial, clock)
    before = everything(trial.db)

    reason = refusal(confirm_step, trial, action=action, level=level, actor=INVESTIGATOR)

    assert reason.code == "step_stale" and reason.params["now"].params["level"] == "DL2"
    assert everything(trial.db) == before


@pytest.mark.parametrize(("actor", "code"), [(COORDINATOR, "needs_role"), (999, "not_staff")])
def test_only_an_investigator_confirms(trial, clock, actor, code):
    first_cohort_cleared(trial, clock)
    before = everything(trial.db)

    reason = refusal(confirm_step, trial, action="escalate", level=2, actor=actor)

    assert reason.code == code
    if code == "needs_role":
        assert reason.params == {"role": "investigator", "have": "coordinator"}
    assert everything(trial.db) == before
    assert confirm_step(trial, action="escalate", level=2, actor=ADMIN).confirmed_by == "Admin Xie"


def test_the_end_at_the_cap_is_confirmed_like_the_other_ends(tmp_path, clock):
    capped = make_trial(tmp_path / "capped.db", clock, amended_protocol(
        tmp_path, "max_participants = 12", "max_participants = 4"))
    add_site_staff(capped.db)
    for level in (1, 1, 1, 2):  # windows long over, each evaluation confirmed: 1NNN 2N
        evaluated(capped, place_directly(capped.db, dose_level=level))
    decision = capped.decision()
    assert (decision.action, decision.recommended_dose, decision.complete) == (
        "cap-reached", 1, True)

    confirmed = confirm_step(capped, action="cap-reached", level=1, actor=INVESTIGATOR)

    assert confirmed.decision.action == "cap-reached"
    [row] = escalation_decisions(capped.db)
    assert (row["action"], row["dose_level"]) == ("cap-reached", 1)
    assert refusal(confirm_step, capped, action="cap-reached", level=1,
                   actor=INVESTIGATOR).code == "step_already_confirmed"
    capped.db.close()


def evaluated(trial, row: dict) -> dict:
    """An investigator confirmed that the participant's DLT window completed without a DLT."""
    return add_evaluation(trial.db, row["number"], actor=INVESTIGATOR)


def capped_trial(tmp_path, clock, cap: int):
    trial = make_trial(tmp_path / f"cap{cap}.db", clock, amended_protocol(
        tmp_path, "max_participants = 12", f"max_participants = {cap}"))
    add_site_staff(trial.db)
    return trial


def two_done_one_in_window(trial) -> None:
    """P-01, P-02 at DL1 with their windows over, P-03 infused 5 days ago: 1NNP."""
    evaluated(trial, place_directly(trial.db))
    evaluated(trial, place_directly(trial.db))
    place_directly(trial.db, infusion=trial.today() - timedelta(days=5))
    assert trial.history_text() == "1NNP"


def test_a_dlt_that_leaves_too_few_places_warns_once(tmp_path, clock):
    capped = capped_trial(tmp_path, clock, 5)
    two_done_one_in_window(capped)
    onset = capped.today() - timedelta(days=1)

    saved = report_dlt(capped, number="P-03", event="crs", grade=4, onset=onset,
                       attribution="probable", is_dlt=True, actor=INVESTIGATOR)

    # 1NNT: DL1 is to be expanded to 6, 3 more participants, and 2 places are left
    assert [a.kind for a in saved.after.alerts] == ["cohort-must-expand", "cap-stops-step"]
    warning = saved.after.alerts[1]
    assert warning.recipients == "investigator" and warning.params["dose_level"] == 1
    assert warning.params["needed"] == {"code": "escalation.participants_needed",
                                        "params": {"count": 3}}
    assert saved.after.decision.action == "expand" and saved.after.decision.next_dose == 1
    confirm_step(capped, action="expand", level=1, actor=INVESTIGATOR)
    assert [a.kind for a in enrol(capped).alerts] == ["enrolled"]  # not raised again
    capped.db.close()


def test_a_withdrawal_that_leaves_no_place_for_the_replacement_ends_escalation(tmp_path, clock):
    capped = capped_trial(tmp_path, clock, 3)
    two_done_one_in_window(capped)

    saved = withdraw(capped, number="P-03", on=capped.today(), reason="moved abroad",
                     actor=INVESTIGATOR)

    decision = saved.after.decision
    assert (decision.action, decision.complete, decision.recommended_dose) == (
        "cap-reached", True, None)
    assert [a.kind for a in saved.after.alerts] == ["escalation-ended-at-cap"]
    capped.db.close()
