"""The trial's main story through `trialbot run`, as its people live it: staff added, three
candidates screened (one fails), an enrolment, a DLT, the engine's call for expansion, an
investigator's confirmation, the expansion's first participant, the status, a stranger."""

from __future__ import annotations

from bot.local_api import send, settle, shown, tap
from handlers.texts import ACCESS
from storage.outbox import alerts
from storage.participants import escalation_decisions, participants
from storage.screenings import get_screening
from storage.staff import staff_with_roles
from tests.e2e.people import (
    ADMIN,
    COORDINATOR,
    FAILING,
    INVESTIGATOR,
    INVESTIGATOR_2,
    NAMES,
    STRANGER,
    audit_problems,
    enrolled_long_ago,
    integrity,
    label_starting,
    records,
    screen,
)
from tests.handlers.test_screening import ELIGIBLE


async def add_staff(api, user_id: int, role: str) -> str:
    [added] = shown(await send(api, ADMIN, f"/staff add {user_id} {role} {NAMES[user_id]}"))
    return added


async def enrol(api, trial, number: str) -> list[str]:
    """/enroll, weight, today's date, confirm: what the coordinator was told at each step."""
    told = shown(await send(api, COORDINATOR, f"/enroll {number}"))
    told += shown(await send(api, COORDINATOR, "62.5 kg"))
    told += shown(await tap(api, COORDINATOR, label_starting(api, COORDINATOR, "Today")))
    told += shown(await tap(api, COORDINATOR, "✅ Confirm"))
    return told


async def report_dlt(api, trial, participant: str) -> list[str]:
    told = shown(await send(api, INVESTIGATOR, "/dlt"))
    told += shown(await tap(api, INVESTIGATOR, label_starting(api, INVESTIGATOR, participant)))
    for label in ("CRS", "Grade 4", f"Today ({trial.today()})", "Probable", "It is a DLT",
                  "✅ Save"):
        told += shown(await tap(api, INVESTIGATOR, label))
    return told


async def test_the_trial_story(api, trial, tmp_path, bot):
    # Earlier in the trial: two DL1 participants whose DLT windows closed without a DLT.
    assert [enrolled_long_ago(trial), enrolled_long_ago(trial)] == ["P-01", "P-02"]

    # The admin adds the staff from the chat; before that the coordinator is a stranger.
    [refused] = shown(await send(api, COORDINATOR, "/screen"))
    assert f"Your Telegram user id is {COORDINATOR}" in refused
    await add_staff(api, COORDINATOR, "coordinator")
    await add_staff(api, INVESTIGATOR, "investigator")
    await add_staff(api, INVESTIGATOR_2, "investigator")
    assert {s["user_id"] for s in staff_with_roles(trial.db, "investigator")} == {
        INVESTIGATOR, INVESTIGATOR_2}

    # Three candidates: the second fails, with its reasons.
    first, verdict = await screen(api, trial, COORDINATOR, ELIGIBLE)
    assert f"{first}: ELIGIBLE" in verdict
    [saved] = shown(await tap(api, COORDINATOR, "✅ Save as eligible"))
    assert "saved as ELIGIBLE" in saved
    second, verdict = await screen(api, trial, COORDINATOR, FAILING)
    assert f"{second}: NOT ELIGIBLE" in verdict
    assert "Platelets 15 ×10^9/L < 20" in verdict and "LVEF 45 % < 50" in verdict
    [saved] = shown(await tap(api, COORDINATOR, "Save as screen failure"))
    assert "SCREEN FAILURE" in saved and "Platelets" in saved and "LVEF" in saved
    third, _ = await screen(api, trial, COORDINATOR, ELIGIBLE)
    await tap(api, COORDINATOR, "✅ Save as eligible")
    assert [get_screening(trial.db, n)["status"] for n in (first, second, third)] == [
        "eligible", "screen_failure", "eligible"]

    # The first eligible candidate completes the DL1 cohort.
    told = await enrol(api, trial, first)
    assert any(t.startswith("Enrolled P-03") for t in told), told
    p03 = participants(trial.db)[-1]
    assert (p03["number"], p03["screening"], p03["dose_level"]) == ("P-03", first, 1)

    # A DLT in P-03: 1 of 3 at DL1, so the engine asks for expansion, which needs an
    # investigator's confirmation; nobody can be enrolled before it.
    told = await report_dlt(api, trial, "P-03")
    assert "expand DL1 to 6" in told[-1]
    assert "An investigator must confirm the next step: expand DL1." in told[-1]
    # Every other investigator is told at once, once, by the running bot: the DLT and the step.
    kinds = [(a["kind"], a["recipients"]) for a in alerts(trial.db)]
    assert kinds == [("enrolled", "investigator"), ("dlt", "investigator"),
                     ("cohort-must-expand", "investigator")]
    await settle(api)
    pushed = [m["text"] for m in api.messages.get(INVESTIGATOR_2, {}).values()
              if m["from"]["id"] == api.bot_user["id"]]
    assert sum("DLT reported: P-03" in text for text in pushed) == 1, pushed
    [refused] = shown(await send(api, COORDINATOR, f"/enroll {third}"))
    assert "confirm" in refused and len(participants(trial.db)) == 3, refused

    # The other investigator sees it in /status and confirms it there.
    status = shown(await send(api, INVESTIGATOR_2, "/status"))[-1]
    assert "expand DL1" in status
    await tap(api, INVESTIGATOR_2, label_starting(api, INVESTIGATOR_2, "✅ Confirm"))
    [decision] = escalation_decisions(trial.db)
    assert (decision["action"], decision["dose_level"], decision["confirmed_by"]) == (
        "expand", 1, str(INVESTIGATOR_2))

    # The expansion's first participant, and the status that shows it.
    told = await enrol(api, trial, third)
    assert any(t.startswith("Enrolled P-04") for t in told), told
    status = shown(await send(api, COORDINATOR, "/status"))[-1]
    assert status.startswith("RD06-04: 4 enrolled, 8 of 12 places left."), status
    assert "expand DL1 to 6 (2 places open)" in status and "Confirmed by Dr Zhou" in status

    # A stranger gets the refusal and nothing else, whatever they try.
    before = records(trial.db)
    for text in ("/status", "/screen", "/dlt", "hello"):
        assert shown(await send(api, STRANGER, text)) == [
            ACCESS["stranger"].format(user_id=STRANGER)]
    assert records(trial.db) == before

    assert integrity(tmp_path / "trial.db") == ["ok"]
    assert audit_problems(trial.db) == []
    assert "error while handling an update" not in bot.log_text()

