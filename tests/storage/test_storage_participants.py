import threading
from datetime import date

import pytest

from storage.audit import audit_trail
from storage.database import open_database
from storage.outbox import alerts
from storage.participants import (
    AlertDraft,
    EnrollmentRefused,
    ParticipantNotFound,
    RescheduleRefused,
    correct_dlt_judgement,
    dlt_reports,
    enroll,
    escalation_decisions,
    history_rows,
    latest_escalation_decision,
    participant,
    record_dlt_report,
    record_escalation_decision,
    reschedule_infusion,
    withdraw_participant,
)
from storage.screenings import ReasonRequired, start_screening, withdraw_screening
from tests.storage.conftest import COORDINATOR, INVESTIGATOR, eligible_screening, plan_with_places

INFUSION = date(2025, 1, 1)


def enroll_one(db, screening=None, plan=None):
    return enroll(
        db,
        screening=screening or eligible_screening(db),
        weight_kg=60.0,
        infusion_date=INFUSION,
        actor=INVESTIGATOR,
        plan=plan or plan_with_places(3),
    )


def report(db, number, *, onset=date(2025, 1, 10), is_dlt=True, alerts=lambda rows: []):
    return record_dlt_report(
        db,
        participant=number,
        event="cytokine release syndrome",
        grading="ASTCT",
        grade=3,
        onset_date=onset,
        attribution="related",
        is_dlt=is_dlt,
        suggested_dlt=is_dlt,
        actor=INVESTIGATOR,
        alerts=alerts,
    )


def test_enroll_places_the_participant_audits_it_and_queues_its_alerts(db):
    screening = eligible_screening(db)
    plan = plan_with_places(
        3, alerts=[{"kind": "enrolled", "text": "P-01 enrolled", "recipients": "investigator"}]
    )

    enrolled = enroll_one(db, screening, plan)

    assert enrolled["number"] == "P-01"
    assert (enrolled["screening"], enrolled["dose_level"], enrolled["cohort"]) == (screening, 1, 1)
    assert enrolled["expansion"] is False
    assert enrolled["infusion_date"] == INFUSION
    assert enrolled["dlt_window_end"] == date(2025, 1, 29)
    assert enrolled["dlt_reports"] == []
    assert [(a["kind"], a["recipients"]) for a in alerts(db)] == [("enrolled", "investigator")]
    fields = {r["field"]: r["new_value"] for r in audit_trail(db, "participants", "P-01")}
    assert fields["screening"] == screening and fields["weight_kg"] == 60.0
    assert enroll_one(db)["number"] == "P-02"


@pytest.mark.parametrize(
    "state", ["missing", "in_progress", "screen_failure", "withdrawn", "enrolled"]
)
def test_enrollment_is_refused_unless_the_screening_is_eligible_and_free(db, state):
    if state == "missing":
        screening = "S-404"
    elif state == "in_progress":
        screening = start_screening(db, actor=1)
    elif state == "withdrawn":
        screening = eligible_screening(db)
        withdraw_screening(db, screening, actor=1, reason="moved away")
    elif state == "screen_failure":
        from storage.screenings import finish_screening

        screening = start_screening(db, actor=1)
        finish_screening(db, screening, status="screen_failure", verdict={}, actor=1)
    else:
        screening = enroll_one(db)["screening"]

    with pytest.raises(EnrollmentRefused) as refused:
        enroll_one(db, screening)

    assert screening in refused.value.reason
    assert len(history_rows(db)) == (1 if state == "enrolled" else 0)


def test_twenty_concurrent_enrolments_fill_exactly_three_places(db_path):
    db = open_database(db_path)
    screenings = [eligible_screening(db) for _ in range(20)]
    db.close()
    barrier = threading.Barrier(20, timeout=30)
    enrolled, refused, errors = [], [], []

    def attempt(screening):
        own = open_database(db_path)
        barrier.wait()
        try:
            enrolled.append(enroll_one(own, screening, plan_with_places(3)))
        except EnrollmentRefused as error:
            refused.append(error.reason)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=attempt, args=(s,)) for s in screenings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(p["number"] for p in enrolled) == ["P-01", "P-02", "P-03"]
    assert refused == ["cohort 1 is full"] * 17
    db = open_database(db_path)
    assert len(history_rows(db)) == 3
    db.close()


def test_an_error_in_the_alerts_callable_leaves_neither_report_nor_alert(db):
    number = enroll_one(db)["number"]
    seen = []

    def failing_alerts(rows):
        seen.append(rows)
        raise RuntimeError("alert rules broke")

    with pytest.raises(RuntimeError, match="alert rules broke"):
        report(db, number, alerts=failing_alerts)

    assert seen[0][0]["has_dlt"] is True  # the callable saw the report just inserted
    assert dlt_reports(db) == []
    assert alerts(db) == []
    assert audit_trail(db, "dlt_reports") == []
    assert history_rows(db)[0]["has_dlt"] is False


def test_dlt_report_and_its_alerts_are_stored_together(db):
    number = enroll_one(db)["number"]

    def dlt_alert(rows):
        return [AlertDraft("dlt", f"DLT in {rows[0]['number']}", "investigator")]

    saved = report(db, number, alerts=dlt_alert)

    assert saved["is_dlt"] is True and saved["onset_date"] == date(2025, 1, 10)
    assert participant(db, number)["dlt_reports"] == [saved]
    assert [a["text"] for a in alerts(db)] == ["DLT in P-01"]


def test_has_dlt_counts_only_dlts_inside_the_window(db):
    first, second = enroll_one(db)["number"], enroll_one(db)["number"]
    report(db, first, onset=date(2025, 2, 15))  # after the window end (2025-01-29)
    report(db, second, is_dlt=False)
    assert [row["has_dlt"] for row in history_rows(db)] == [False, False]

    report(db, second, onset=date(2025, 1, 29))
    assert [row["has_dlt"] for row in history_rows(db)] == [False, True]


def test_correcting_a_dlt_judgement_keeps_the_old_one_in_the_audit(db):
    number = enroll_one(db)["number"]
    saved = report(db, number)

    corrected = correct_dlt_judgement(
        db,
        saved["id"],
        is_dlt=False,
        actor=INVESTIGATOR,
        reason="resolved within 72 h, not a DLT per protocol",
    )

    assert corrected["is_dlt"] is False and corrected["suggested_dlt"] is True
    assert history_rows(db)[0]["has_dlt"] is False
    change = audit_trail(db, "dlt_reports", saved["id"])[-1]
    assert (change["field"], change["old_value"], change["new_value"]) == ("is_dlt", True, False)
    assert change["reason"] == "resolved within 72 h, not a DLT per protocol"
    with pytest.raises(ValueError):
        correct_dlt_judgement(db, saved["id"], is_dlt=True, actor=INVESTIGATOR, reason="")


def test_a_corrected_judgement_and_its_alerts_are_stored_together(db):
    number = enroll_one(db)["number"]
    saved = report(db, number)
    seen = []

    def revision_alert(rows):
        seen.append(rows)
        return [AlertDraft("dlt-revised", f"{rows[0]['number']} revised", "investigator")]

    correct_dlt_judgement(
        db, saved["id"], is_dlt=False, actor=INVESTIGATOR, reason="improved within 72 h",
        alerts=revision_alert,
    )
    correct_dlt_judgement(  # already not a DLT: nothing changes, no alert
        db, saved["id"], is_dlt=False, actor=INVESTIGATOR, reason="improved within 72 h",
        alerts=revision_alert,
    )

    assert len(seen) == 1 and seen[0][0]["has_dlt"] is False  # the rows show the change
    assert [(a["kind"], a["text"]) for a in alerts(db)] == [("dlt-revised", "P-01 revised")]
    changes = [row for row in audit_trail(db, "dlt_reports", saved["id"]) if row["reason"]]
    assert [(c["old_value"], c["new_value"]) for c in changes] == [(True, False)]


def test_an_error_in_the_correction_alerts_leaves_the_judgement_unchanged(db):
    number = enroll_one(db)["number"]
    saved = report(db, number)
    trail = audit_trail(db)

    def failing_alerts(rows):
        raise RuntimeError("alert rules broke")

    with pytest.raises(RuntimeError, match="alert rules broke"):
        correct_dlt_judgement(
            db, saved["id"], is_dlt=False, actor=INVESTIGATOR, reason="improved within 72 h",
            alerts=failing_alerts,
        )

    assert dlt_reports(db, number)[0]["is_dlt"] is True
    assert history_rows(db)[0]["has_dlt"] is True
    assert audit_trail(db) == trail  # no audit row for the change that did not happen
    assert alerts(db) == []


def test_withdrawal_is_recorded_once(db):
    number = enroll_one(db)["number"]

    withdrawn = withdraw_participant(
        db, number, on=date(2025, 1, 5), reason="consent withdrawn", actor=INVESTIGATOR
    )

    assert withdrawn["withdrawn_on"] == date(2025, 1, 5)
    assert history_rows(db)[0]["withdrawn_on"] == date(2025, 1, 5)
    assert audit_trail(db, "participants", number)[-1]["reason"] == "consent withdrawn"
    with pytest.raises(ValueError):
        withdraw_participant(db, number, on=date(2025, 1, 6), reason="again", actor=1)


def test_withdrawal_and_its_alerts_are_stored_together(db):
    number = enroll_one(db)["number"]
    seen = []

    def withdrawal_alert(rows):
        seen.append(rows)
        return [AlertDraft("withdrawn", f"{rows[0]['number']} withdrawn", "investigator")]

    withdraw_participant(
        db, number, on=date(2025, 1, 5), reason="consent withdrawn", actor=INVESTIGATOR,
        alerts=withdrawal_alert,
    )

    assert seen[0][0]["withdrawn_on"] == date(2025, 1, 5)  # the rows show the withdrawal
    assert [(a["kind"], a["text"]) for a in alerts(db)] == [("withdrawn", "P-01 withdrawn")]


def test_an_error_in_the_withdrawal_alerts_leaves_the_participant_not_withdrawn(db):
    number = enroll_one(db)["number"]

    def failing_alerts(rows):
        raise RuntimeError("alert rules broke")

    with pytest.raises(RuntimeError, match="alert rules broke"):
        withdraw_participant(
            db, number, on=date(2025, 1, 5), reason="consent withdrawn", actor=INVESTIGATOR,
            alerts=failing_alerts,
        )

    row = participant(db, number)
    assert row["withdrawn_on"] is None and row["withdrawal_reason"] is None
    assert history_rows(db)[0]["withdrawn_on"] is None
    assert [r["field"] for r in audit_trail(db, "participants", number)].count("withdrawn_on") == 0
    assert alerts(db) == []
    # and the withdrawal can still be made afterwards
    assert withdraw_participant(
        db, number, on=date(2025, 1, 5), reason="consent withdrawn", actor=INVESTIGATOR
    )["withdrawn_on"] == date(2025, 1, 5)


def test_escalation_decisions_are_stored_and_audited(db):
    assert latest_escalation_decision(db) is None
    record_escalation_decision(
        db,
        history="1:000",
        recommendation={"action": "escalate"},
        action="escalate",
        dose_level=2,
        actor=INVESTIGATOR,
    )
    second = record_escalation_decision(
        db,
        history="1:000 2:0",
        recommendation={"action": "stay"},
        action="wait",
        dose_level=None,
        actor=INVESTIGATOR,
    )

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
    return reschedule_infusion(db, number, **fields)


def test_a_moved_infusion_is_audited_with_its_alert(db):
    number = enroll_one(db)["number"]
    seen = []

    def moved_alert(old):
        seen.append(old)
        return [AlertDraft("infusion-moved", f"{old['number']} moved", "investigator")]

    moved = move(db, number, alerts=moved_alert)

    assert (moved["infusion_date"], moved["dlt_window_end"]) == (MOVED, MOVED_END)
    assert seen[0]["infusion_date"] == INFUSION  # the alerts see the participant as it stood
    changes = [(c["field"], c["old_value"], c["new_value"], c["reason"], c["actor"])
               for c in audit_trail(db, "participants", number) if c["old_value"] is not None]
    assert changes == [
        ("infusion_date", "2025-01-01", "2025-01-08", "product delayed", str(COORDINATOR)),
        ("dlt_window_end", "2025-01-29", "2025-02-05", "product delayed", str(COORDINATOR)),
    ]
    assert [(a["kind"], a["recipients"]) for a in alerts(db)] == [("infusion-moved",
                                                                   "investigator")]


@pytest.mark.parametrize("after", ["withdrawn", "reported"])
def test_a_date_that_matters_is_not_moved(db, after):
    number = enroll_one(db)["number"]
    if after == "withdrawn":
        withdraw_participant(db, number, on=INFUSION, reason="consent withdrawn", actor=1)
    else:
        report(db, number)
    with pytest.raises(RescheduleRefused):
        move(db, number)
    assert participant(db, number)["infusion_date"] == INFUSION


def test_a_refusal_in_the_alerts_leaves_the_date_unchanged(db):
    number = enroll_one(db)["number"]

    def refuse(old):
        raise RescheduleRefused("the planned day has passed")

    with pytest.raises(RescheduleRefused, match="planned day has passed"):
        move(db, number, alerts=refuse)
    row = participant(db, number)
    assert (row["infusion_date"], str(row["dlt_window_end"])) == (INFUSION, "2025-01-29")
    assert all(c["old_value"] is None for c in audit_trail(db, "participants", number))
    assert alerts(db) == []


def test_moving_a_date_needs_a_reason_and_a_participant(db):
    number = enroll_one(db)["number"]
    with pytest.raises(ReasonRequired):
        move(db, number, reason="")
    with pytest.raises(ParticipantNotFound):
        move(db, "P-09")
