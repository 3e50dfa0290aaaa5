"""The plain audited writes of storage.participants. What decides a write (the 3+3 engine, roles,
dates) and the alerts stored with it are the use cases' job: tests/storage/test_usecases*.py."""

from datetime import date

import pytest

from domain.reasons import Refused
from storage.audit import audit_trail
from storage.participants import (
    add_dlt_report,
    add_escalation_decision,
    check_enrollable,
    dlt_reports,
    escalation_decisions,
    history_rows,
    latest_escalation_decision,
    participant,
    set_dlt_judgement,
    set_infusion_date,
    set_withdrawal,
)
from storage.screenings import finish_screening, start_screening, withdraw_screening
from tests.storage.conftest import (
    COORDINATOR,
    INFUSION,
    INVESTIGATOR,
    WINDOW_END,
    eligible_screening,
    place_directly,
)


def report(db, number, *, onset=date(2025, 1, 10), is_dlt=True):
    return add_dlt_report(
        db, participant=number, event="crs", grading="ASTCT", grade=3, onset_date=onset,
        attribution="probable", is_dlt=is_dlt, suggested_dlt=is_dlt, actor=INVESTIGATOR)


def test_add_participant_places_the_participant_and_audits_it(db):
    screening = eligible_screening(db)

    enrolled = place_directly(db, screening)

    assert enrolled["number"] == "P-01"
    assert (enrolled["screening"], enrolled["dose_level"], enrolled["cohort"]) == (screening, 1, 1)
    assert enrolled["expansion"] is False
    assert enrolled["infusion_date"] == INFUSION
    assert enrolled["dlt_window_end"] == WINDOW_END
    assert enrolled["dlt_reports"] == []
    assert enrolled["enrolled_by"] == str(COORDINATOR)
    fields = {r["field"]: r["new_value"] for r in audit_trail(db, "participants", "P-01")}
    assert fields["screening"] == screening and fields["weight_kg"] == 60.0
    assert fields["infusion_date"] == "2025-01-01" and fields["total_cells"] == 6e7
    assert place_directly(db)["number"] == "P-02"


def screening_in(db, state):
    """A screening number in `state`, made through the screening log."""
    if state == "missing":
        return "S-404"
    if state == "in_progress":
        return start_screening(db, actor=1)
    if state == "screen_failure":
        number = start_screening(db, actor=1)
        finish_screening(db, number, status="screen_failure", verdict={}, actor=1)
        return number
    number = eligible_screening(db)
    if state == "withdrawn":
        withdraw_screening(db, number, actor=1, reason="moved away")
    if state == "enrolled":
        place_directly(db, number)
    return number


@pytest.mark.parametrize(("state", "code"), [
    ("missing", "no_screening"),
    ("in_progress", "screening_not_eligible"),
    ("screen_failure", "screening_not_eligible"),
    ("withdrawn", "screening_not_eligible"),
    ("enrolled", "already_enrolled"),
])
def test_enrolment_is_refused_unless_the_screening_is_eligible_and_free(db, state, code):
    screening = screening_in(db, state)

    with pytest.raises(Refused) as refused:
        place_directly(db, screening)

    assert refused.value.reason.code.removeprefix("refusal.") == code
    assert refused.value.reason.params["number"] == screening
    with pytest.raises(Refused):
        check_enrollable(db, screening)
    assert len(history_rows(db)) == (1 if state == "enrolled" else 0)


def test_has_dlt_counts_only_dlts_inside_the_window(db):
    first, second = place_directly(db)["number"], place_directly(db)["number"]
    report(db, first, onset=date(2025, 2, 15))  # after the window end (2025-01-29)
    report(db, second, is_dlt=False)
    assert [row["has_dlt"] for row in history_rows(db)] == [False, False]

    report(db, second, onset=WINDOW_END)
    assert [row["has_dlt"] for row in history_rows(db)] == [False, True]


def test_a_dlt_report_is_stored_and_audited(db):
    number = place_directly(db)["number"]

    saved = report(db, number)

    assert saved["is_dlt"] is True and saved["onset_date"] == date(2025, 1, 10)
    assert participant(db, number)["dlt_reports"] == [saved] == dlt_reports(db, number)
    fields = {r["field"]: r["new_value"] for r in audit_trail(db, "dlt_reports", saved["id"])}
    assert (fields["event"], fields["grade"], fields["is_dlt"]) == ("crs", 3, True)
    with pytest.raises(Refused) as refused:
        report(db, "P-09")
    assert refused.value.reason.code.removeprefix("refusal.") == "no_participant"
    assert len(dlt_reports(db)) == 1


def test_changing_a_dlt_judgement_keeps_the_old_one_in_the_audit(db):
    number = place_directly(db)["number"]
    saved = report(db, number)
    reason = "resolved within 72 h, not a DLT per protocol"

    changed = set_dlt_judgement(db, saved["id"], is_dlt=False, actor=INVESTIGATOR, reason=reason)
    again = set_dlt_judgement(db, saved["id"], is_dlt=False, actor=INVESTIGATOR, reason=reason)

    assert changed["is_dlt"] is False and changed["suggested_dlt"] is True
    assert again == changed  # the same judgement again changes nothing
    assert history_rows(db)[0]["has_dlt"] is False
    changes = [row for row in audit_trail(db, "dlt_reports", saved["id"]) if row["reason"]]
    assert [(c["field"], c["old_value"], c["new_value"], c["reason"]) for c in changes] == [
        ("is_dlt", True, False, reason)]


@pytest.mark.parametrize(("report_id", "reason", "code"), [
    (1, "", "reason_required"),
    (9, "typo", "no_report"),
])
def test_a_judgement_changes_only_with_a_reason_on_a_report_that_exists(db, report_id, reason,
                                                                        code):
    report(db, place_directly(db)["number"])
    trail = audit_trail(db)

    with pytest.raises(Refused) as refused:
        set_dlt_judgement(db, report_id, is_dlt=False, actor=INVESTIGATOR, reason=reason)

    assert refused.value.reason.code.removeprefix("refusal.") == code
    assert dlt_reports(db)[0]["is_dlt"] is True and audit_trail(db) == trail


def test_withdrawal_is_recorded_once(db):
    number = place_directly(db)["number"]

    withdrawn = set_withdrawal(db, number, on=date(2025, 1, 5), reason="consent withdrawn",
                               actor=INVESTIGATOR)

    assert withdrawn["withdrawn_on"] == date(2025, 1, 5)
    assert history_rows(db)[0]["withdrawn_on"] == date(2025, 1, 5)
    assert audit_trail(db, "participants", number)[-1]["reason"] == "consent withdrawn"
    with pytest.raises(Refused) as refused:
        set_withdrawal(db, number, on=date(2025, 1, 6), reason="again", actor=1)
    assert refused.value.reason.code.removeprefix("refusal.") == "already_withdrawn"
    assert refused.value.reason.params["on"] == date(2025, 1, 5)
    assert participant(db, number)["withdrawal_reason"] == "consent withdrawn"


def test_escalation_decisions_are_stored_and_audited(db):
    assert latest_escalation_decision(db) is None
    add_escalation_decision(db, history="1:000", recommendation={"action": "escalate"},
                            action="escalate", dose_level=2, actor=INVESTIGATOR)
    second = add_escalation_decision(db, history="1:000 2:0", recommendation={"action": "stay"},
                                     action="wait", dose_level=None, actor=INVESTIGATOR)

    assert latest_escalation_decision(db) == second
    assert [d["recommendation"] for d in escalation_decisions(db)] == [
        {"action": "escalate"},
        {"action": "stay"},
    ]
    fields = {
        r["field"]: r["new_value"] for r in audit_trail(db, "escalation_decisions", second["id"])
    }
    assert fields["recommendation"] == {"action": "stay"} and fields["action"] == "wait"


# --- moving a planned infusion date ------------------------------------------------------------

MOVED, MOVED_END = date(2025, 1, 8), date(2025, 2, 5)


def move(db, number, **changes):
    fields = {"new_date": MOVED, "new_window_end": MOVED_END, "reason": "product delayed",
              "actor": COORDINATOR, **changes}
    return set_infusion_date(db, number, **fields)


def test_a_moved_infusion_is_audited_with_the_old_dates_and_the_reason(db):
    number = place_directly(db)["number"]

    moved = move(db, number)

    assert (moved["infusion_date"], moved["dlt_window_end"]) == (MOVED, MOVED_END)
    changes = [(c["field"], c["old_value"], c["new_value"], c["reason"], c["actor"])
               for c in audit_trail(db, "participants", number) if c["old_value"] is not None]
    assert changes == [
        ("infusion_date", "2025-01-01", "2025-01-08", "product delayed", str(COORDINATOR)),
        ("dlt_window_end", "2025-01-29", "2025-02-05", "product delayed", str(COORDINATOR)),
    ]


@pytest.mark.parametrize(("number", "reason", "code"), [
    ("P-01", "", "reason_required"),
    ("P-09", "product delayed", "no_participant"),
])
def test_moving_a_date_needs_a_reason_and_a_participant(db, number, reason, code):
    place_directly(db)
    trail = audit_trail(db)

    with pytest.raises(Refused) as refused:
        move(db, number, reason=reason)

    assert refused.value.reason.code.removeprefix("refusal.") == code
    row = participant(db, "P-01")
    assert (row["infusion_date"], row["dlt_window_end"]) == (INFUSION, WINDOW_END)
    assert audit_trail(db) == trail
