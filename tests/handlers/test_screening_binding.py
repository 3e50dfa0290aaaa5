"""Every screening answer, typed or pressed, is bound to the screening and the question its
sender was shown: two coordinators on one screening see each other's progress and never
overwrite each other; old, foreign and forged buttons change nothing."""

from __future__ import annotations

import pytest

from handlers.common import keyboard
from storage.audit import audit_trail
from storage.screenings import get_screening, screening_answers, start_screening
from storage.staff import add_staff
from tests.handlers.conftest import COORDINATOR
from tests.handlers.test_screening import ELIGIBLE, answer_all, asked, press_done
from tests.telegram_fake import Sent

WANG = 1004
MONTHS = ("For how many months has this treatment (the drugs above, together) been given before "
          "screening? Weeks or days are fine too.")
WEEKS = "For how many weeks have its doses been stable?"


@pytest.fixture
def second(db):
    """A second coordinator."""
    add_staff(db, user_id=WANG, name="Coordinator Wang", role="coordinator", actor="test")
    return WANG


async def both_at(app, driver, stop_at: str) -> None:
    """Coordinator Li screens S-001 up to `stop_at`; Coordinator Wang opens it there too."""
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at=stop_at)
    await driver.send(WANG, "/screen S-001")


def answers_of(db) -> dict:
    return {n: screening_answers(db, n) for n in ("S-001", "S-002")}


def answered_callbacks(driver) -> list:
    return driver.fake.calls_of("answerCallbackQuery")


async def press_data(driver, user: int, data: str, message: Sent | None = None) -> list[Sent]:
    """Press a button with any callback data at all, as a forged or ancient client could."""
    message = message or driver.last(user)
    query = {"id": "forged", "from": {"id": user, "is_bot": False, "first_name": "Test"},
             "chat_instance": str(user), "data": data, "message": message.raw}
    return await driver.process({"callback_query": query})


async def test_a_typed_answer_to_a_question_answered_meanwhile_is_refused(app, driver, db,
                                                                           second):
    await both_at(app, driver, "treatment_months")
    [wang_sees] = await driver.send(WANG, "6")
    assert WEEKS in wang_sees.text
    [li_told] = await driver.send(COORDINATOR, "3")       # Li was shown the months question
    assert (f"S-001: “{MONTHS}” was answered meanwhile (by Coordinator Wang: 6)"
            in li_told.text)
    assert WEEKS in li_told.text                          # the current question, asked again
    assert screening_answers(db, "S-001")["treatment_months"] == 6
    assert "stable_weeks" not in screening_answers(db, "S-001")
    assert not [r for r in audit_trail(db, "answers", "S-001") if r["field"] == "stable_weeks"]
    await driver.send(COORDINATOR, "3")                   # now Li has seen the weeks question
    [wang_told] = await driver.send(WANG, "4")
    assert f"“{WEEKS}” was answered meanwhile (by Coordinator Li: 3)" in wang_told.text
    assert screening_answers(db, "S-001")["stable_weeks"] == 3


async def test_an_old_button_of_another_screening_changes_nothing(app, driver, db):
    [first] = await driver.send(COORDINATOR, "/screen")
    await driver.send(COORDINATOR, "/cancel")
    await driver.send(COORDINATOR, "/screen")             # S-002, at the same consent question
    before = len(answered_callbacks(driver))
    *_, told = await driver.press(COORDINATOR, "No", message=first)
    assert answers_of(db) == {"S-001": {}, "S-002": {}}
    assert "S-001" in told.text and "S-002 is open" in told.text
    assert "S-002 · criterion 1" in told.text             # S-002's question, asked again
    [ack] = answered_callbacks(driver)[before:]
    assert ack.params.get("text")                         # the pressed button says why too


async def test_a_pressed_answer_to_a_question_answered_meanwhile_is_refused(app, driver, db,
                                                                            second):
    await both_at(app, driver, "biologic")
    await driver.press(WANG, "Yes")
    [told] = await driver.press(COORDINATOR, "No")
    assert "was answered meanwhile (by Coordinator Wang: Yes)" in told.text
    assert screening_answers(db, "S-001")["biologic"] == "yes"
    assert "treatment_months" not in screening_answers(db, "S-001")


async def test_ticks_are_not_saved_over_an_answer_given_meanwhile(app, driver, db, second):
    await both_at(app, driver, "sledai_descriptors")
    await driver.press(COORDINATOR, "▫️ Seizure (8)")
    await driver.press(WANG, "▫️ Rash (inflammatory) (2)")
    await press_done(driver, WANG)
    [told] = await press_done(driver, COORDINATOR)
    assert "was answered meanwhile (by Coordinator Wang: Rash (inflammatory) (2))" in told.text
    assert screening_answers(db, "S-001")["sledai_descriptors"] == ["rash"]


async def test_back_is_refused_while_the_question_shown_was_answered_meanwhile(app, driver, db,
                                                                               second):
    await both_at(app, driver, "treatment_months")
    await driver.send(WANG, "6")
    [told] = await driver.send(COORDINATOR, "/back")
    assert "was answered meanwhile (by Coordinator Wang: 6)" in told.text
    assert screening_answers(db, "S-001")["treatment_months"] == 6
    [again] = await driver.send(COORDINATOR, "/back")     # now Li knows what /back takes back
    assert MONTHS in again.text and "treatment_months" not in screening_answers(db, "S-001")


async def test_a_review_is_not_saved_after_the_answers_changed_meanwhile(app, driver, db,
                                                                         second):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE)
    await driver.send(WANG, "/screen S-001")              # Wang sees the review too
    await driver.press(WANG, "↩ Change an answer")
    await driver.press(WANG, "Contraception: Yes")
    *_, told = await driver.press(COORDINATOR, "✅ Save as eligible")
    assert "S-001: the answers changed meanwhile" in told.text
    assert get_screening(db, "S-001")["status"] == "in_progress"
    assert "contraception_consent" not in screening_answers(db, "S-001")


FORGED = [
    "answer:S-001:no_such_question:yes",                  # unknown question
    "answer:S-002:consent:yes",                           # another screening
    "answer:S-001:consent:maybe",                         # not among the choices
    "answer:S-001:consent:yes" + "x" * 5000,              # a huge payload
    "tick:S-001:consent:yes",                             # a tick on a yes/no question
    "done:S-001:consent",
    "reading:S-001:consent:0",
    "answer:S-001:age:45",                                # a question not shown
    "answer:S-001",                                       # cut short
    "save:S-001:eligible",                                # a review button while answering
    "change:S-001",
]


@pytest.mark.parametrize("data", FORGED, ids=range(len(FORGED)))
async def test_a_forged_button_changes_nothing_and_is_answered(app, driver, db, data):
    [shown] = await driver.send(COORDINATOR, "/screen")
    start_screening(db, actor=COORDINATOR)
    before, acks = answers_of(db), len(answered_callbacks(driver))
    await press_data(driver, COORDINATOR, data, message=shown)
    assert answers_of(db) == before
    assert len(answered_callbacks(driver)) == acks + 1
    assert asked(app, "S-001").id == "consent"
    await driver.press(COORDINATOR, "Yes")                # the real button still works
    assert screening_answers(db, "S-001") == {"consent": "yes"}


async def test_an_earlier_unit_reading_keeps_its_meaning(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="haemoglobin")
    [first] = await driver.send(COORDINATOR, "11.5")
    [second] = await driver.send(COORDINATOR, "12")
    assert first.labels == ["11.5 g/dL"] and second.labels == ["12 g/dL"]
    await driver.press(COORDINATOR, "11.5 g/dL", message=first)
    assert screening_answers(db, "S-001")["haemoglobin"] == 115


async def test_a_reading_offered_before_the_question_was_asked_anew_is_refused(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="haemoglobin")
    [old] = await driver.send(COORDINATOR, "11.5")       # its button: the first reading
    await driver.send(COORDINATOR, "13 g/dL")
    await driver.send(COORDINATOR, "/back")               # haemoglobin asked anew
    [new] = await driver.send(COORDINATOR, "9")           # its button: the first reading too
    assert old.buttons[0][0][1] == new.buttons[0][0][1]
    *_, told = await driver.press(COORDINATOR, "11.5 g/dL", message=old)
    assert "no longer current" in told.text and "haemoglobin" not in screening_answers(db, "S-001")
    await driver.press(COORDINATOR, "9 g/dL", message=new)
    assert screening_answers(db, "S-001")["haemoglobin"] == 90


async def test_every_button_names_its_screening_and_question_within_64_bytes(app, driver):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE)
    pressed = [data for method, msg in driver.fake.outbox if method == "sendMessage"
               for row in Sent.of(method, msg).buttons for _, data in row]
    assert pressed and all(":S-001" in data for data in pressed)
    with pytest.raises(ValueError, match="64 bytes"):
        keyboard([[("too long", "x" * 65)]])
