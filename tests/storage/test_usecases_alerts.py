"""Alert deliveries in storage and their use cases: who gets which version (written with the
alert), claiming (order per chat, the lease, two senders racing), retries with backoff, a chat
refused for good, acknowledging, and the reminders by the site's local day."""

from __future__ import annotations

import sqlite3
import threading
from datetime import time, timedelta

import pytest
from sqlite_utils import Database

from storage.conversations import save_conversation
from storage.database import migrate, open_database
from storage.deliveries import LEASE, claim_next, deliveries_of, mark_sent
from storage.outbox import FULL, GROUP, STEP, AlertDraft, add_alert, alerts, get_alert
from storage.participants import add_dlt_report
from storage.staff import add_staff
from storage.usecases.alerts import (
    acknowledge_alert,
    claim_delivery,
    retry_later,
    unacknowledged,
    undeliverable,
)
from storage.usecases.events import report_dlt
from storage.usecases.reminders import daily_reminders
from tests.storage.conftest import (
    ADMIN,
    COORDINATOR,
    INVESTIGATOR,
    SITE,
    add_site_staff,
    amended_protocol,
    enrol,
    first_cohort_cleared,
    make_trial,
    place_directly,
    refusal,
)

GROUP_CHAT = -1001


def routed(trial, alert: dict) -> dict[int, str]:
    return {row["chat_id"]: row["audience"] for row in deliveries_of(trial.db, alert["id"])}


def test_each_kind_goes_to_whom_the_table_says_in_its_version(trial):
    trial.alert_chat = GROUP_CHAT
    dlt = trial.alert(AlertDraft("dlt", "investigator", {"number": "P-01"}), actor=INVESTIGATOR)
    step = trial.alert(AlertDraft("cohort-must-expand", "investigator", {"number": "P-01"}))
    everyone = trial.alert(AlertDraft("cap-reached", "investigator", {"cap": 12}))
    admins = trial.alert(AlertDraft("undeliverable", "admin", {"chat": 5}))
    personal = trial.alert(AlertDraft("form-open", str(COORDINATOR), {"form": "dlt"}))
    unlisted = trial.alert(AlertDraft("something-new", "investigator"))

    assert routed(trial, dlt) == {ADMIN: FULL, GROUP_CHAT: GROUP}  # not the reporter
    assert routed(trial, step) == {COORDINATOR: STEP, INVESTIGATOR: FULL, ADMIN: FULL,
                                   GROUP_CHAT: GROUP}
    assert routed(trial, everyone) == {COORDINATOR: FULL, INVESTIGATOR: FULL, ADMIN: FULL,
                                       GROUP_CHAT: GROUP}
    assert routed(trial, admins) == {ADMIN: FULL}
    assert routed(trial, personal) == {COORDINATOR: FULL}
    assert routed(trial, unlisted) == {INVESTIGATOR: FULL, ADMIN: FULL}
    trial.alert_chat = None
    assert GROUP_CHAT not in routed(trial, trial.alert(AlertDraft("dlt", "investigator")))


def test_a_dlt_report_writes_its_deliveries_in_its_own_transaction(trial, clock):
    first_cohort_cleared(trial, clock)
    trial.db.execute("CREATE TEMP TRIGGER deliveries_break BEFORE INSERT ON alert_deliveries"
                     " BEGIN SELECT RAISE(ABORT, 'delivery table broken'); END")
    with pytest.raises(Exception, match="delivery table broken"):
        report_dlt(trial, number="P-03", event="crs", grade=4,
                   onset=trial.today() - timedelta(days=11),
                   attribution="probable", is_dlt=True, actor=INVESTIGATOR)
    assert [a["kind"] for a in alerts(trial.db)] == ["enrolled"] * 3
    assert trial.db.execute("SELECT count(*) FROM dlt_reports").fetchone()[0] == 0


def test_rows_of_a_chat_go_out_in_order_and_a_lease_runs_out(trial, clock):
    first = trial.alert(AlertDraft("dlt", "investigator"))
    second = trial.alert(AlertDraft("dlt", "investigator"))
    held = claim_next(trial.db, "one", clock())
    assert (held["alert"], held["chat_id"]) == (first["id"], ADMIN)  # staff by name
    other = claim_next(trial.db, "two", clock())
    assert (other["alert"], other["chat_id"]) == (first["id"], INVESTIGATOR)
    assert claim_next(trial.db, "two", clock()) is None  # the chats' second rows wait in order

    clock.at += LEASE  # "one" died holding its row: the lease runs out
    again = claim_next(trial.db, "three", clock())
    assert again["id"] == held["id"] and again["attempts"] == 2
    assert not mark_sent(trial.db, held["id"], "one", message_id=1, text="x", at=clock())
    assert mark_sent(trial.db, held["id"], "three", message_id=1, text="x", at=clock())
    assert claim_next(trial.db, "three", clock())["id"] == other["id"]  # its lease ran out too
    assert (claim_next(trial.db, "three", clock())["alert"], held["chat_id"]) == (
        second["id"], ADMIN)


def test_a_failed_row_waits_its_backoff_and_telegram_s_retry_after(trial, clock):
    trial.alert(AlertDraft("dlt", "investigator"), actor=ADMIN)
    outgoing = claim_delivery(trial, "w")
    retry_later(trial, outgoing, "w", error="TimedOut")
    clock.at += timedelta(seconds=9)
    assert claim_delivery(trial, "w") is None
    clock.at += timedelta(seconds=1)
    outgoing = claim_delivery(trial, "w")
    assert outgoing.attempts == 2
    retry_later(trial, outgoing, "w", error="RetryAfter", wait=timedelta(minutes=3))
    clock.at += timedelta(minutes=2, seconds=59)
    assert claim_delivery(trial, "w") is None
    clock.at += timedelta(seconds=1)
    assert claim_delivery(trial, "w").attempts == 3


def test_a_chat_refused_for_good_is_undeliverable_and_the_admins_are_told_once(trial):
    add_staff(trial.db, user_id=444, name="Dr Chen", role="investigator", actor="test")
    for _ in range(2):
        trial.alert(AlertDraft("dlt", "investigator"), actor=INVESTIGATOR)
    while (outgoing := claim_delivery(trial, "w")) is not None:
        if outgoing.chat_id == 444:
            undeliverable(trial, outgoing, "w", error="Forbidden: bot was blocked by the user")
        else:
            mark_sent(trial.db, outgoing.id, "w", message_id=1, text="x", at=trial.clock())
    notices = [a for a in alerts(trial.db) if a["kind"] == "undeliverable"]
    assert [n["params"] for n in notices] == [{
        "chat": 444, "who": "Dr Chen", "error": "Forbidden: bot was blocked by the user",
        "alert": 1, "kind": "dlt"}]
    assert all(a["delivered_at"] for a in alerts(trial.db))
    assert [r["status"] for r in deliveries_of(trial.db, 1)] == ["sent", "undeliverable"]


@pytest.mark.parametrize("run", range(20))
def test_two_senders_racing_never_claim_one_row_twice(db_path, clock, run):
    """Two senders, each with its own connection to the file, in two threads."""
    writer = make_trial(db_path, clock)
    for user_id in range(10):
        add_staff(writer.db, user_id=500 + user_id, name=f"S{user_id}", role="investigator",
                  actor="test")
    for _ in range(10):
        writer.alert(AlertDraft("dlt", "investigator"))
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def sender(name: str) -> None:
        db = open_database(db_path)
        start.wait()
        while (row := claim_next(db, name, clock())) is not None:
            claimed[name].append(row["id"])
            mark_sent(db, row["id"], name, message_id=row["id"], text="x", at=clock())
        db.close()

    threads = [threading.Thread(target=sender, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    everything = claimed["a"] + claimed["b"]
    assert len(everything) == len(set(everything)) == 100
    assert all(a["delivered_at"] for a in alerts(writer.db))
    writer.db.close()


def test_acknowledging_once_by_an_investigator(trial):
    alert = trial.alert(AlertDraft("dlt", "investigator"))
    assert refusal(acknowledge_alert, trial, alert_id=alert["id"], actor=COORDINATOR).code == \
        "needs_role"
    assert refusal(acknowledge_alert, trial, alert_id=99, actor=INVESTIGATOR).code == "no_alert"
    assert [a["id"] for a in unacknowledged(trial, actor=INVESTIGATOR)] == [alert["id"]]
    first = acknowledge_alert(trial, alert_id=alert["id"], actor=INVESTIGATOR)
    second = acknowledge_alert(trial, alert_id=alert["id"], actor=ADMIN)
    assert (first.new, second.new) == (True, False)
    assert first.by == second.by and first.by.who == "Dr Mei"
    assert get_alert(trial.db, alert["id"])["acknowledged_by"] == str(INVESTIGATOR)
    assert unacknowledged(trial, actor=INVESTIGATOR) == []


def test_an_investigator_s_list_leaves_out_what_only_admins_or_one_person_get(trial):
    trial.alert(AlertDraft("undeliverable", "admin", {"chat": 5}))
    trial.alert(AlertDraft("form-open", str(INVESTIGATOR), {"form": "dlt"}))
    assert unacknowledged(trial, actor=INVESTIGATOR) == []
    assert [a["kind"] for a in unacknowledged(trial, actor=ADMIN)] == ["undeliverable"]


def test_daily_reminders_follow_the_site_s_day_and_come_once(trial, clock):
    # 2026-03-02 02:00 UTC is 10:00 at the site. Windows end on the site's 2 and 3 March.
    for infusion in ("2026-02-02", "2026-02-03", "2026-01-20"):
        place_directly(trial.db, infusion=trial.today().fromisoformat(infusion))
    add_dlt_report(trial.db, participant="P-03", event="crs", grading="ASTCT", grade=4,
                   onset_date=trial.today().fromisoformat("2026-01-25"), attribution="probable",
                   is_dlt=True, suggested_dlt=True, actor=INVESTIGATOR)
    assert daily_reminders(trial, not_before=time(10, 1)) == []
    ending, = daily_reminders(trial, not_before=time(8))
    assert ending.params == {"day": "2026-03-02", "who": [
        {"number": "P-01", "level": 1, "end": "2026-03-02", "today": True},
        {"number": "P-02", "level": 1, "end": "2026-03-03", "today": False}]}
    assert daily_reminders(trial, not_before=time(8)) == []  # once a day

    clock.at = clock.at.replace(hour=16)  # 00:00 on 3 March at the site, 16:00 UTC on 2 March
    assert trial.now().tzinfo == SITE and trial.today().isoformat() == "2026-03-03"
    ending, overdue = daily_reminders(trial, not_before=time(0))
    assert [w["number"] for w in ending.params["who"]] == ["P-02"]
    assert overdue.params == {"day": "2026-03-03", "who": [
        {"number": "P-01", "level": 1, "end": "2026-03-02"}]}


def test_an_alert_stored_before_deliveries_existed_still_reads(db):
    old = add_alert(db, AlertDraft("dlt", "investigator", {"number": "P-01"}))
    assert deliveries_of(db, old["id"]) == []  # no staff in this file: nobody to send to


def test_everyone_is_warned_once_when_an_enrolment_leaves_two_places(tmp_path, clock):
    capped = make_trial(tmp_path / "capped.db", clock, amended_protocol(
        tmp_path, "max_participants = 12", "max_participants = 4"))
    add_site_staff(capped.db)
    enrol(capped)
    second = enrol(capped)
    assert [a.kind for a in second.alerts] == ["enrolled", "places-left"]
    [warning] = [a for a in alerts(capped.db) if a["kind"] == "places-left"]
    assert warning["params"] == {"left": 2, "cap": 4, "participant": "P-02"}
    assert set(routed(capped, warning)) == {INVESTIGATOR, ADMIN}  # the coordinator enrolled
    enrol(capped)
    assert [a["kind"] for a in alerts(capped.db)].count("places-left") == 1
    capped.db.close()


def test_version_3_gets_deliveries_and_its_open_forms_count_from_the_upgrade(db_path):
    old = Database(sqlite3.connect(str(db_path), isolation_level=None))
    migrate(old, upto=3)
    old["bot_conversations"].insert({"name": "dlt", "key": "[5, 5]", "state": "1"})
    old["alerts"].insert({"kind": "dlt", "params": "{}", "recipients": "investigator",
                          "created_at": "2025-01-10T08:00:00+00:00"})
    old.close()

    db = open_database(db_path)
    [form] = db["bot_conversations"].rows
    assert form["opened_at"] is not None and form["reminded_at"] is None
    assert deliveries_of(db, 1) == []  # never sent before: /alerts lists it
    save_conversation(db, "dlt", (5, 5), 2)  # a later step keeps when the form was opened
    assert next(db["bot_conversations"].rows)["opened_at"] == form["opened_at"]
    db.close()
