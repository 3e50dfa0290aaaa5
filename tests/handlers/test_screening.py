"""The /screen conversation end to end: real Application, real SQLite, fake Bot API."""

from __future__ import annotations

import pytest

from domain.questions import MERGED, QUESTION_BY_ID, next_question
from handlers.texts import OPTION_LABELS
from storage.audit import audit_trail
from storage.screenings import get_screening, screening_answers
from tests.handlers.conftest import COORDINATOR, GROUP, INVESTIGATOR, STRANGER, start_app
from tests.telegram_fake import ChatDriver

# A complete, eligible candidate as a coordinator would enter it: typed text or button labels.
ELIGIBLE = {
    "consent": "Yes", "age": "45", "sex": "Female", "sle_criteria": "2019 EULAR/ACR",
    "glucocorticoid": "Yes", "immunosuppressant": "Yes", "biologic": "No",
    "treatment_months": "6", "stable_weeks": "4", "still_active": "Yes",
    "glucocorticoid_drug": "Methylprednisolone", "glucocorticoid_dose": "8",
    "ana": "Yes", "anti_dsdna": "Yes", "anti_sm": "No", "sledai_mode": "Tick descriptors",
    "sledai_descriptors": ["arthritis", "rash", "low_complement", "proteinuria"],
    "bilag_constitutional": "D", "bilag_mucocutaneous": "B", "bilag_neuropsychiatric": "E",
    "bilag_musculoskeletal": "B", "bilag_cardiorespiratory": "E", "bilag_gastrointestinal": "E",
    "bilag_ophthalmic": "E", "bilag_renal": "C", "bilag_haematological": "D",
    "pga": "1.5", "alt": "35", "ast": "30", "bilirubin": "0.8 mg/dL", "creatinine": "80 umol/L",
    "neutrophils": "2500 /uL", "haemoglobin": "11.5 g/dL", "platelets": "150 x10^9/L",
    "lymphocytes": "0.9 x10^9/L", "inr": "1.0", "spo2": "97", "lvef": "60",
    "childbearing_potential": "Yes", "pregnancy_test_negative": "Yes",
    "contraception_consent": "Yes",
}


def asked(app, number):
    trial = app.bot_data["trial"]
    return next_question(screening_answers(trial.db, number), trial.context)


def opened_branch(question, given):
    """The branch asked together with `question` (MERGED) when `given` is the answer that
    opens it: the coordinator answers the branch ("Methylprednisolone", the ticks) instead."""
    opened = QUESTION_BY_ID.get(MERGED.get(question.id, ""))
    if opened is None or given != OPTION_LABELS[opened.applies.values[0]]:
        return None
    return opened


async def answer(driver, number, question, given, user=COORDINATOR, answers=None):
    """Answer `question` as shown: typed text, the ticks and Done, or the button labelled
    `given` among those of this question (a grid has one row per question). A question asked
    with its branch is answered by the branch's answer in `answers`."""
    opened = opened_branch(question, given) if answers is not None else None
    if opened is not None:
        question, given = opened, answers[opened.id]
    if isinstance(given, list):
        for option in given:
            await driver.press(user, f"tick:{number}:{question.id}:{option}")
        return await press_done(driver, user)
    if question.kind in ("yes_no", "choice", "grade"):
        return await driver.press(user, button_of(driver, user, question, given))
    return await driver.send(user, given)


def button_of(driver, user, question, label) -> str:
    """The callback data of the button labelled `label` that answers `question`."""
    buttons = [b for row in driver.last(user).buttons for b in row]
    return next(data for text, data in buttons
                if text == label and data.startswith("answer:") and
                data.split(":")[2] == question.id)


async def press_done(driver, user):
    buttons = [label for row in driver.last(user).buttons for label, _ in row]
    done = next(label for label in buttons if label.startswith("Done"))
    return await driver.press(user, done)


async def answer_all(app, driver, number, answers: dict, stop_at: str | None = None):
    seen = set()
    while (question := asked(app, number)) is not None and question.id != stop_at:
        opened = opened_branch(question, answers.get(question.id))
        if opened is not None and opened.id == stop_at:
            break
        assert question.id not in seen, f"{question.id} asked again: {driver.last(COORDINATOR)}"
        seen.update({question.id} | ({opened.id} if opened else set()))
        await answer(driver, number, question, answers[question.id], answers=answers)


async def test_complete_eligible_screening(app, driver, db):
    [first] = await driver.send(COORDINATOR, "/screen")
    assert "New screening S-001" in first.text and "informed consent" in first.text
    await answer_all(app, driver, "S-001", ELIGIBLE)
    review = driver.last(COORDINATOR)
    assert "S-001: ELIGIBLE" in review.text
    assert "SLEDAI-2K: 12" in review.text and "Clinical SLEDAI-2K: 6" in review.text
    assert "Prednisone equivalent: 10 mg/day" in review.text
    await driver.press(COORDINATOR, "✅ Save as eligible")
    assert "saved as ELIGIBLE" in driver.last(COORDINATOR).text
    saved = get_screening(db, "S-001")
    assert saved["status"] == "eligible" and saved["verdict"]["status"] == "eligible"
    stored = screening_answers(db, "S-001")
    assert stored["haemoglobin"] == 115 and stored["platelets"] == 150
    assert stored["neutrophils"] == 2.5 and stored["bilirubin"] == pytest.approx(13.68)
    assert "gilbert" not in stored and "weight" not in stored and "pt" not in stored


async def test_screen_failure_with_reasons(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    failing = {**ELIGIBLE, "platelets": "15 x10^9/L", "lvef": "45"}
    await answer_all(app, driver, "S-001", failing)
    review = driver.last(COORDINATOR).text
    assert "S-001: NOT ELIGIBLE" in review
    assert "Platelets 15 ×10^9/L < 20" in review and "LVEF 45 % < 50" in review
    await driver.press(COORDINATOR, "Save as screen failure")
    assert "SCREEN FAILURE" in driver.last(COORDINATOR).text
    saved = get_screening(db, "S-001")
    assert saved["status"] == "screen_failure"
    failed = {c["id"] for c in saved["verdict"]["criteria"] if c["status"] == "not_met"}
    assert failed == {"platelets", "lvef"}


async def test_failing_answer_warns_and_finish_closes_early(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await driver.press(COORDINATOR, "Yes")
    [reply] = await driver.send(COORDINATOR, "75")
    assert "⚠ Not eligible: Age 75 is outside 18-70" in reply.text
    await driver.send(COORDINATOR, "/finish")
    await driver.press(COORDINATOR, "Save as screen failure")
    assert get_screening(db, "S-001")["status"] == "screen_failure"


async def test_finish_refused_while_nothing_failed(app, driver):
    await driver.send(COORDINATOR, "/screen")
    [reply] = await driver.send(COORDINATOR, "/finish")
    assert "nothing to finish yet" in reply.text and "informed consent" in reply.text


VALIDATION_CASES = [
    # (question to reach, bad input, what the coordinator is told), in the order asked
    ("consent", "maybe", "Please choose one of"),
    ("age", "forty", "Please type a number"),
    ("age", "130", "outside 0-120"),
    ("age", "45.5", "whole number"),
    ("pga", "4", "outside 0-3"),
    ("haemoglobin", "11.5", "Please add the unit"),
    ("haemoglobin", "300 g/L", "probably a typo"),
    ("haemoglobin", "11 mmol/L", "not a unit I accept"),
    ("spo2", "45", "outside 50-100"),
    ("lvef", "95", "outside 5-90"),
]


async def test_every_validation_reprompts_the_same_question(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    for target, bad, message in VALIDATION_CASES:
        await answer_all(app, driver, "S-001", ELIGIBLE, stop_at=target)
        before = screening_answers(db, "S-001")
        [reply] = await driver.send(COORDINATOR, bad)
        assert message in reply.text, (target, bad, reply.text)
        assert asked(app, "S-001").id == target
        assert screening_answers(db, "S-001") == before


async def test_back_reasks_previous_and_keeps_old_value_in_audit(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="sex")
    [reply] = await driver.send(COORDINATOR, "/back")
    assert "Age in years?" in reply.text
    await driver.send(COORDINATOR, "46")
    assert screening_answers(db, "S-001")["age"] == 46
    trail = [r for r in audit_trail(db, "answers", "S-001") if r["field"] == "age"]
    assert [r["old_value"] for r in trail] == [None, 45, None]
    assert [r["new_value"] for r in trail] == [45, None, 46]
    assert trail[1]["reason"] == "went back with /back"


async def test_back_at_first_question(app, driver):
    await driver.send(COORDINATOR, "/screen")
    [reply] = await driver.send(COORDINATOR, "/back")
    assert "This is the first question" in reply.text


async def test_cancel_keeps_answers_and_resume_continues(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="glucocorticoid")
    [reply] = await driver.send(COORDINATOR, "/cancel")
    assert "/screen S-001" in reply.text
    [reply] = await driver.send(COORDINATOR, "/screen S-001")
    assert "Continuing screening S-001" in reply.text and "on a glucocorticoid" in reply.text
    assert screening_answers(db, "S-001")["age"] == 45


async def test_resume_after_rebuilding_the_application(app, driver, settings):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="pga")
    await app.shutdown()
    rebuilt = await start_app(settings)
    try:
        again = ChatDriver(rebuilt)
        [reply] = await again.send(COORDINATOR, "1.5")   # still in the conversation
        assert "ALT" in reply.text
        assert screening_answers(rebuilt.bot_data["trial"].db, "S-001")["pga"] == 1.5
    finally:
        await rebuilt.shutdown()


async def test_sledai_ticks_show_running_total_and_can_untick(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="sledai_descriptors")
    [shown] = await driver.press(COORDINATOR, "▫️ Seizure (8)")
    assert any("Done (SLEDAI-2K 8, clinical 8)" in label for label in shown.labels)
    [shown] = await driver.press(COORDINATOR, "▫️ Proteinuria (>0.5 g/24 h) (4)")
    assert any("Done (SLEDAI-2K 12, clinical 8)" in label for label in shown.labels)
    [shown] = await driver.press(COORDINATOR, "✅ Seizure (8)")
    assert any("Done (SLEDAI-2K 4, clinical 0)" in label for label in shown.labels)
    await press_done(driver, COORDINATOR)
    assert screening_answers(db, "S-001")["sledai_descriptors"] == ["proteinuria"]


async def test_male_candidate_skips_pregnancy_questions(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    male = {**ELIGIBLE, "sex": "Male", "reproductive_potential": "Yes",
            "barrier_contraception_consent": "Yes"}
    await answer_all(app, driver, "S-001", male)
    assert "S-001: ELIGIBLE" in driver.last(COORDINATOR).text
    stored = screening_answers(db, "S-001")
    assert "pregnancy_test_negative" not in stored and stored["barrier_contraception_consent"]


async def test_high_creatinine_asks_weight_and_computes_clearance(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    renal = {**ELIGIBLE, "creatinine": "1.8 mg/dL", "weight": "62"}
    await answer_all(app, driver, "S-001", renal)
    review = driver.last(COORDINATOR).text
    # (140-45) × 62 / (72 × 1.8) × 0.85 = 38.63 mL/min < 40
    assert "Creatinine clearance: 38.63 mL/min" in review and "NOT ELIGIBLE" in review


async def test_stale_button_is_refused(app, driver, db):
    [consent] = await driver.send(COORDINATOR, "/screen")
    [again] = await driver.send(COORDINATOR, "/back")       # the consent question, asked again
    await driver.press(COORDINATOR, "Yes", message=again)
    await driver.send(COORDINATOR, "45")
    await driver.press(COORDINATOR, "No", message=consent)  # an old button of that question
    assert screening_answers(db, "S-001")["consent"] == "yes"


async def test_investigator_may_not_screen_in_a_group(app, driver):
    [reply] = await driver.send(INVESTIGATOR, "/screen", chat_id=GROUP, chat_type="group")
    assert "private chat" in reply.text


async def test_stranger_is_refused_with_their_id(app, driver, db):
    [reply] = await driver.send(STRANGER, "/screen")
    assert "registered trial staff only" in reply.text and str(STRANGER) in reply.text
    [reply] = await driver.send(STRANGER, "/status")
    assert "RD06-04" not in reply.text


async def test_coordinator_may_not_manage_staff(app, driver):
    [reply] = await driver.send(COORDINATOR, "/staff list")
    assert "needs the admin role" in reply.text


async def test_text_goes_to_the_form_opened_last(app, driver, db):
    from storage.screenings import finish_screening, start_screening

    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="treatment_months")
    other = start_screening(db, actor=COORDINATOR)
    finish_screening(db, other, status="eligible", verdict={"status": "eligible"},
                     actor=COORDINATOR)
    [place] = await driver.send(COORDINATOR, f"/enroll {other}")
    assert "Body weight in kg" in place.text
    [reply] = await driver.send(COORDINATOR, "62")        # a weight, not treatment months
    assert "Planned infusion date" in reply.text
    assert "treatment_months" not in screening_answers(db, "S-001")
    await driver.send(COORDINATOR, "/cancel")
    [reply] = await driver.send(COORDINATOR, "/screen S-001")
    assert "how many months" in reply.text
    await driver.send(COORDINATOR, "6")
    assert screening_answers(db, "S-001")["treatment_months"] == 6


async def test_a_number_without_its_unit_offers_the_plausible_readings(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="haemoglobin")
    [reply] = await driver.send(COORDINATOR, "11.5")
    assert "Please add the unit" in reply.text
    assert reply.labels == ["11.5 g/dL"]          # 11.5 g/L is not a plausible haemoglobin
    await driver.press(COORDINATOR, "11.5 g/dL")
    assert screening_answers(db, "S-001")["haemoglobin"] == 115
    assert asked(app, "S-001").id == "platelets"
    # Issue 11: a bare number is read in the site laboratory's unit (×10^9/L) when that is its
    # only likely reading; otherwise only likely readings are offered (never 150 /µL platelets)
    [reply] = await driver.send(COORDINATOR, "150000")
    assert reply.labels == ["150000 /µL"]
    await driver.send(COORDINATOR, "150")
    assert screening_answers(db, "S-001")["platelets"] == 150


async def test_new_screening_lists_those_still_open_and_short_numbers_work(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await driver.send(COORDINATOR, "/cancel")
    [reply] = await driver.send(COORDINATOR, "/screen")
    assert "New screening S-002" in reply.text and "Still open: S-001" in reply.text
    [reply] = await driver.send(COORDINATOR, "/screen s1")
    assert "Continuing screening S-001" in reply.text


async def test_screening_withdrawn_elsewhere_is_not_written_to(app, driver, db):
    from storage.screenings import withdraw_screening

    await driver.send(COORDINATOR, "/screen")
    await driver.press(COORDINATOR, "Yes")
    withdraw_screening(db, "S-001", actor=INVESTIGATOR, reason="candidate declined")
    [reply] = await driver.send(COORDINATOR, "45")
    assert "Screening S-001 is closed (withdrawn)" in reply.text
    assert "age" not in screening_answers(db, "S-001")


async def test_correcting_a_saved_screening_keeps_the_old_value_and_reason(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE)
    await driver.press(COORDINATOR, "✅ Save as eligible")
    [listing] = await driver.send(COORDINATOR, "/correct S-001")
    assert "2. Age in years? 45" in listing.text
    [again] = await driver.send(COORDINATOR, "99")
    assert "a number from 1 to" in again.text
    [why] = await driver.send(COORDINATOR, "2")
    assert "Why is the answer to \"Age in years?\" corrected?" in why.text
    [asked_again] = await driver.send(COORDINATOR, "ID card re-checked")
    assert "Age in years?" in asked_again.text
    assert get_screening(db, "S-001")["status"] == "in_progress"
    await driver.send(COORDINATOR, "74")                  # the review follows: 74 > 70
    assert "S-001: NOT ELIGIBLE" in driver.last(COORDINATOR).text
    await driver.press(COORDINATOR, "Save as screen failure")
    assert get_screening(db, "S-001")["status"] == "screen_failure"
    trail = [r for r in audit_trail(db, "answers", "S-001") if r["field"] == "age"]
    assert [(r["old_value"], r["new_value"]) for r in trail] == [(None, 45), (45, None),
                                                                 (None, 74)]
    assert trail[1]["reason"] == "ID card re-checked"


async def test_correction_refused_once_enrolled(app, driver, db):
    from tests.handlers.helpers_enrollment import enrol_directly

    row = enrol_directly(app, days_ago=5)
    [reply] = await driver.send(COORDINATOR, f"/correct {row['screening']}")
    assert f"enrolled as {row['number']}" in reply.text


async def test_a_correction_reason_follows_the_reason_rule_of_every_form(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="sle_criteria")
    await driver.send(COORDINATOR, "/correct")            # the screening open here
    await driver.send(COORDINATOR, "2")
    [again] = await driver.send(COORDINATOR, "typo")      # 4 characters: too short
    assert "at least 5 characters" in again.text
    assert screening_answers(db, "S-001")["age"] == 45
    [asked_again] = await driver.send(COORDINATOR, "typo!")
    assert "Age in years?" in asked_again.text and "age" not in screening_answers(db, "S-001")
    trail = [r for r in audit_trail(db, "answers", "S-001") if r["field"] == "age"]
    assert trail[-1]["reason"] == "typo!"
