"""An investigator confirms the 3+3 step in progress (storage.usecases.escalation.confirm_step)."""

import pytest

from storage.audit import audit_trail
from storage.outbox import alerts
from storage.participants import escalation_decisions
from storage.usecases.escalation import confirm_step
from tests.storage.conftest import (
    ADMIN,
    COORDINATOR,
    INVESTIGATOR,
    everything,
    first_cohort_cleared,
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
