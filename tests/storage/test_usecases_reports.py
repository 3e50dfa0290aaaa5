"""Reports through storage.usecases.reports: the chart's data, the screening log's counts (a
CONSORT-style flow, by the site's dates) and the export (who may, what it reads, its audit)."""

from datetime import date

import pytest

from domain.escalation import HistoryError, Outcome
from storage.audit import audit_trail
from storage.participants import add_dlt_report, add_evaluation
from storage.screenings import finish_screening, start_screening, withdraw_screening
from storage.usecases.reports import (
    COLUMNS,
    SHELL,
    cohort_sizes,
    escalation_picture,
    export_records,
    record_export,
    screening_counts,
    what_if_picture,
)
from tests.storage.conftest import (
    ADMIN,
    COORDINATOR,
    INFUSION,
    INVESTIGATOR,
    eligible_screening,
    everything,
    place_directly,
    refusal,
)


def started_at(db, number: str, moment: str) -> None:
    """Date a screening as if started at `moment` (UTC): storage stamps the wall clock."""
    db.execute("UPDATE screenings SET started_at = ? WHERE number = ?", [moment, number])


def criterion(number: int, cid: str, status: str) -> dict:
    return {"number": number, "id": cid, "status": status, "reason": {"code": "x", "params": {}}}


def failed(db, *criteria: tuple[int, str]) -> str:
    """A screen failure whose verdict found `criteria` not met (and age met)."""
    number = start_screening(db, actor=COORDINATOR)
    verdict = {"status": "not_eligible", "criteria": [
        criterion(2, "age", "met"), *(criterion(n, cid, "not_met") for n, cid in criteria)]}
    finish_screening(db, number, status="screen_failure", verdict=verdict, actor=COORDINATOR)
    return number


# --- the screening log --------------------------------------------------------------------------

def test_a_candidate_failing_two_criteria_counts_under_both_and_once_in_the_total(trial):
    db = trial.db
    failed(db, (9, "platelets"), (20, "lvef"))
    failed(db, (9, "platelets"))
    place_directly(db, eligible_screening(db), dose_level=1)
    place_directly(db, eligible_screening(db), dose_level=2)
    eligible_screening(db)  # eligible, not enrolled
    withdraw_screening(db, start_screening(db, actor=COORDINATOR), actor=COORDINATOR,
                       reason="moved away")
    start_screening(db, actor=COORDINATOR)

    counts = screening_counts(trial)

    assert (counts.screened, counts.in_progress, counts.eligible, counts.screen_failures,
            counts.withdrawn, counts.enrolled) == (7, 1, 3, 2, 1, 2)
    assert [(c.number, c.id, c.count) for c in counts.failures_by_criterion] == [
        (9, "platelets", 2), (20, "lvef", 1)]
    assert [(c.level, c.count) for c in counts.enrolled_by_level] == [(1, 1), (2, 1)]


def test_a_date_range_counts_screenings_started_on_those_site_days(trial):
    db = trial.db
    # 17:00 UTC on 31 October is 01:00 on 1 November at the site (Asia/Shanghai, UTC+8) ...
    started_at(db, failed(db, (9, "platelets")), "2026-10-31T17:00:00+00:00")
    # ... and 16:30 UTC on 30 November is already 1 December there.
    started_at(db, failed(db, (20, "lvef")), "2026-11-30T16:30:00+00:00")
    before = eligible_screening(db)
    started_at(db, before, "2026-10-31T15:59:00+00:00")  # 23:59 on 31 October at the site
    place_directly(db, before, dose_level=1)

    november = screening_counts(trial, date(2026, 11, 1), date(2026, 11, 30))
    from_november = screening_counts(trial, date(2026, 11, 1))

    assert (november.screened, november.screen_failures, november.enrolled) == (1, 1, 0)
    assert [c.id for c in november.failures_by_criterion] == ["platelets"]
    assert (from_november.screened, from_november.screen_failures) == (2, 2)
    assert screening_counts(trial, until=date(2026, 10, 31)).enrolled == 1


def test_a_verdict_without_criteria_counts_as_a_failure_under_no_criterion(trial):
    finish_screening(trial.db, start_screening(trial.db, actor=COORDINATOR),
                     status="screen_failure", verdict={"eligible": False}, actor=COORDINATOR)
    counts = screening_counts(trial)
    assert (counts.screen_failures, counts.failures_by_criterion) == (1, [])


# --- the chart's data ---------------------------------------------------------------------------

def test_the_picture_shows_each_participant_with_the_outcome_known_today(trial, clock):
    rows = [place_directly(trial.db, infusion=INFUSION) for _ in range(3)]
    for row in rows[:2]:  # their windows completed without a DLT, as an investigator confirmed
        add_evaluation(trial.db, row["number"], actor=INVESTIGATOR)
    add_dlt_report(trial.db, participant=rows[2]["number"], event="crs", grading="ASTCT",
                   grade=4, onset_date=INFUSION, attribution="probable", is_dlt=True,
                   suggested_dlt=True, actor=INVESTIGATOR)

    picture = escalation_picture(trial)

    assert [(m.label, m.dose_level, m.outcome) for m in picture.marks] == [
        ("P-01", 1, Outcome.NO_DLT), ("P-02", 1, Outcome.NO_DLT), ("P-03", 1, Outcome.DLT)]
    assert (picture.history, picture.cohorts, picture.cap) == ("1NNT", [3], 12)
    assert picture.decision.action == "expand" and not picture.hypothetical
    assert [level.label for level in picture.levels] == ["DL1", "DL2"]


def test_a_hypothetical_is_drawn_the_same_way_or_refused_like_whatif(trial):
    picture = what_if_picture(trial, "1NNT 1NNN 2NTT")
    assert [m.label for m in picture.marks] == [str(n) for n in range(1, 10)]
    assert picture.decision.mtd == 1 and picture.hypothetical
    with pytest.raises(HistoryError):
        what_if_picture(trial, "2NNN")


def test_cohorts_are_read_from_the_outcome_string():
    assert cohort_sizes("1NNT 1NN +2N") == [3, 2, 1]
    assert cohort_sizes("") == []


# --- the export ---------------------------------------------------------------------------------

def test_coordinators_may_not_export_and_nothing_is_recorded(trial):
    before = everything(trial.db)
    assert refusal(export_records, trial, actor=COORDINATOR).code == "needs_role"
    assert refusal(export_records, trial, actor=987654).code == "not_staff"
    records = export_records(trial, actor=ADMIN)
    assert refusal(record_export, trial, records, actor=COORDINATOR,
                   files=["x.xlsx"]).code == "needs_role"
    assert everything(trial.db) == before


def test_an_export_reads_every_table_and_writes_nothing(trial):
    place_directly(trial.db)
    before = everything(trial.db)

    records = export_records(trial, actor=INVESTIGATOR)

    assert everything(trial.db) == before
    assert [t.name for t in records.tables] == list(COLUMNS)
    assert all(t.columns == list(COLUMNS[t.name]) for t in records.tables)
    assert len(records.table("participants").rows) == 1
    assert (records.study, records.site, records.time_zone) == ("RD06-04", "01", "Asia/Shanghai")
    assert (records.exported_by, records.exported_at) == ("Dr Mei", "2026-03-02T02:00:00+00:00")


def test_an_export_is_audited_with_who_when_and_what(trial):
    place_directly(trial.db)
    records = export_records(trial, actor=SHELL)

    record_export(trial, records, actor=SHELL, files=["rd06-04.xlsx", "csv/*.csv"])

    [row] = audit_trail(trial.db, "exports")
    assert (row["actor"], row["record_id"], row["field"]) == (SHELL, records.exported_at,
                                                              "export")
    assert row["new_value"]["files"] == ["rd06-04.xlsx", "csv/*.csv"]
    assert row["new_value"]["rows"]["participants"] == 1
    assert row["new_value"]["rows"]["audit"] == len(records.table("audit").rows)
