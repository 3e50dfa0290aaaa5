"""Issue 11: screening on a phone. The eligible candidate of the screening tests, entered as a
coordinator reads the source documents, in at most 30 user actions (typed messages and taps)
with every value still entered by the coordinator; a second Save press is answered; any answer
can be changed from the review; one warning per failed criterion."""

from __future__ import annotations

from storage.audit import audit_trail
from storage.screenings import get_screening, screening_answers
from tests.handlers.conftest import COORDINATOR
from tests.handlers.test_screening import ELIGIBLE, answer_all, asked

# (what the coordinator does, the question a press answers or None for typed, the label)
PHONE = [
    ("type", None, "/screen"),
    ("press", "consent", "Yes"),
    ("type", None, "45 F"),
    ("press", "sle_criteria", "2019 EULAR/ACR"),
    ("press", "glucocorticoid_drug", "Methylprednisolone"),  # "on a glucocorticoid?" too
    ("type", None, "8"),
    ("press", "immunosuppressant", "Yes"),
    ("press", "biologic", "No"),
    ("type", None, "6 months, stable 4 weeks"),
    ("press", "still_active", "Yes"),
    ("type", None, "ANA+ dsDNA+ Sm-"),
    *[("tick", "sledai_descriptors", item) for item in ELIGIBLE["sledai_descriptors"]],
    ("done", "sledai_descriptors", None),
    ("press", "bilag_mucocutaneous", "B"),
    ("press", "bilag_musculoskeletal", "B"),
    ("press", "bilag_renal", "C"),
    ("rest", "bilag", None),                                  # all others D/E
    ("type", None, "1.5"),
    ("type", None, "ALT 35 AST 30 TBIL 0.8 mg/dL Cr 80 umol/L"),   # liver and kidney panel
    ("type", None, "ANC 2500/uL Hb 11.5 g/dL PLT 150 x10^9/L LYM 0.9 x10^9/L"),  # blood count
    ("type", None, "INR 1.0"),                                # coagulation
    ("type", None, "SpO2 97 LVEF 60"),                        # organ function
    ("press", "childbearing_potential", "Yes"),
    ("press", "pregnancy_test_negative", "Yes"),
    ("press", "contraception_consent", "Yes"),
    ("press", None, "✅ Save as eligible"),
]
# The BILAG-2004 systems the eligible candidate has as D or E, answered by "all others D/E".
NOT_ACTIVE = {"bilag_constitutional", "bilag_neuropsychiatric", "bilag_cardiorespiratory",
              "bilag_gastrointestinal", "bilag_ophthalmic", "bilag_haematological"}


def data_of(driver, label: str | None, question: str, action: str = "answer") -> str:
    """The callback data of the button of `question` labelled `label` on the last message."""
    buttons = [b for row in driver.last(COORDINATOR).buttons for b in row]
    return next(data for text, data in buttons if data.startswith(f"{action}:") and
                data.split(":")[2] == question and (label is None or text == label))


async def play(driver, number: str, steps) -> dict:
    """Play the steps; the bot messages sent and the user's actions, counted."""
    counted = {"messages": 0, "typed": 0, "taps": 0}
    for kind, question, label in steps:
        if kind == "type":
            sent = await driver.send(COORDINATOR, label)
        elif kind == "press" and question is None:
            sent = await driver.press(COORDINATOR, label)
        elif kind == "rest":
            sent = await driver.press(COORDINATOR, f"rest:{number}:{question}")
        elif kind == "tick":    # by its data: the label carries the tick box and the weight
            sent = await driver.press(COORDINATOR, f"tick:{number}:{question}:{label}")
        else:
            sent = await driver.press(COORDINATOR, data_of(driver, label, question, kind
                                                           if kind != "press" else "answer"))
        counted["typed" if kind == "type" else "taps"] += 1
        counted["messages"] += sum(s.method == "sendMessage" for s in sent)
    return counted


async def test_the_eligible_candidate_in_at_most_30_actions_nothing_guessed(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE)          # one question at a time
    await driver.press(COORDINATOR, "✅ Save as eligible")
    one_by_one = screening_answers(db, "S-001")

    counted = await play(driver, "S-002", PHONE)

    actions = counted["typed"] + counted["taps"]
    print(f"\nissue 11, eligible candidate on a phone: {counted['messages']} bot messages, "
          f"{actions} user actions ({counted['typed']} typed, {counted['taps']} taps)")
    assert actions <= 30, counted
    assert get_screening(db, "S-002")["status"] == "eligible"
    # every value as entered one question at a time; the D and E systems entered as "D/E"
    assert screening_answers(db, "S-002") == {**one_by_one, **dict.fromkeys(NOT_ACTIVE, "D/E")}


async def test_a_second_save_press_is_answered_and_saves_nothing_twice(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE)
    review = driver.last(COORDINATOR)
    await driver.press(COORDINATOR, "✅ Save as eligible", message=review)
    acks = len(driver.fake.calls_of("answerCallbackQuery"))
    audit = len(audit_trail(db, "screenings", "S-001"))
    query = {"id": "again", "from": {"id": COORDINATOR, "is_bot": False, "first_name": "Li"},
             "chat_instance": "1", "data": "save:S-001:eligible", "message": review.raw}
    assert await driver.process({"callback_query": query}) == []
    [ack] = driver.fake.calls_of("answerCallbackQuery")[acks:]
    assert ack.params["text"] == "Screening S-001 is already saved (eligible)."
    assert len(audit_trail(db, "screenings", "S-001")) == audit


async def test_the_review_is_one_compact_message_with_save_and_change_first(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="contraception_consent")
    sent = await driver.press(COORDINATOR, data_of(driver, "Yes", "contraception_consent"))
    [review] = [s for s in sent if s.method == "sendMessage"]
    assert review.text.startswith("S-001: ELIGIBLE\n") and len(review.text) < 1400
    assert review.labels == ["✅ Save as eligible", "↩ Change an answer"]
    lines = review.text.splitlines()
    assert lines.index("✓ 1. Informed consent signed") < lines.index(
        next(line for line in lines if line.startswith("Computed:")))


async def test_any_answer_is_changed_from_the_review_before_saving(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE)
    [listing] = await driver.press(COORDINATOR, "↩ Change an answer")
    assert "Age: 45 years" in listing.labels and "ALT: 35 U/L" in listing.labels
    await driver.press(COORDINATOR, "Age: 45 years")
    assert asked(app, "S-001").id == "age"
    [review] = await driver.send(COORDINATOR, "46")
    assert review.text.startswith("S-001: ELIGIBLE") and "Age 46 is within 18-70" in review.text
    trail = [r for r in audit_trail(db, "answers", "S-001") if r["field"] == "age"]
    assert [(r["old_value"], r["new_value"]) for r in trail] == [(None, 45), (45, None),
                                                                 (None, 46)]
    assert trail[1]["reason"] == "changed from the review before saving"
    await driver.press(COORDINATOR, "✅ Save as eligible")
    assert get_screening(db, "S-001")["status"] == "eligible"


async def test_a_change_bound_to_an_older_review_is_refused(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE)
    [listing] = await driver.press(COORDINATOR, "↩ Change an answer")
    await driver.press(COORDINATOR, "Age: 45 years", message=listing)
    await driver.send(COORDINATOR, "46")                      # a new review
    alt = next(data for label, data in sum(listing.buttons, []) if label == "ALT: 35 U/L")
    query = {"id": "old", "from": {"id": COORDINATOR, "is_bot": False, "first_name": "Li"},
             "chat_instance": "1", "data": alt, "message": listing.raw}
    *_, told = await driver.process({"callback_query": query})   # the list as it was shown
    assert "changed meanwhile" in told.text
    assert screening_answers(db, "S-001")["alt"] == 35


async def test_one_warning_per_failed_criterion_at_the_answer_that_fails_it(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="alt")
    [first] = await driver.send(COORDINATOR, "200")           # ALT 5×ULN
    assert first.text.count("⚠ Not eligible") == 1 and "ALT 200 U/L" in first.text
    replies = [await driver.send(COORDINATOR, text) for text in ("30", "0.8 mg/dL", "80")]
    assert not any("Not eligible" in sent.text for [sent] in replies)
    [both] = await driver.send(COORDINATOR, "ANC 0.5 Hb 50 g/L")
    assert both.text.count("⚠ Not eligible") == 2
    assert "Neutrophils 0.5 ×10^9/L < 1 ×10^9/L" in both.text


async def test_several_values_in_one_message_each_saved_or_refused_with_why(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="alt")
    [reply] = await driver.send(COORDINATOR, "ALT 48 AST 35 TBIL 16.8 SpO2 97")
    assert "Saved: ALT 48 U/L · AST 35 U/L." in reply.text
    assert "⚠ TBIL: Please add the unit (µmol/L or mg/dL)" in reply.text
    assert "⚠ SpO2: not saved: it is asked in another part of the screening" in reply.text
    assert reply.labels == ["16.8 µmol/L", "16.8 mg/dL"]      # both are likely: asked
    await driver.press(COORDINATOR, "16.8 µmol/L")
    stored = screening_answers(db, "S-001")
    assert (stored["alt"], stored["ast"], stored["bilirubin"]) == (48, 35, 16.8)
    assert "spo2" not in stored
    [refused] = await driver.send(COORDINATOR, "80 90")       # two numbers, no names
    assert "Please type the number in one piece" in refused.text
    assert "creatinine" not in screening_answers(db, "S-001")


async def test_every_press_in_a_grid_answers_its_row_and_a_row_name_is_answered(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="bilag_constitutional")
    grid = driver.last(COORDINATOR)
    assert len(grid.buttons) == 10 and grid.buttons[-1] == [("All others D/E", "rest:S-001:bilag")]
    assert [label for label, _ in grid.buttons[7]] == ["Renal", "A", "B", "C", "D", "E"]
    [edited] = await driver.press(COORDINATOR, data_of(driver, "A", "bilag_renal"))
    assert edited.method == "editMessageText" and len(edited.buttons) == 9
    acks = len(driver.fake.calls_of("answerCallbackQuery"))
    assert await driver.press(COORDINATOR, "row:S-001:bilag_ophthalmic") == []
    assert len(driver.fake.calls_of("answerCallbackQuery")) == acks + 1
    await driver.press(COORDINATOR, "rest:S-001:bilag")
    stored = screening_answers(db, "S-001")
    assert stored["bilag_renal"] == "A" and stored["bilag_ophthalmic"] == "D/E"
    assert asked(app, "S-001").id == "pga"


async def test_finish_counts_the_questions_left_right(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="lvef")
    await driver.send(COORDINATOR, "60")
    [reply] = await driver.send(COORDINATOR, "/finish")
    assert "1 to 3 questions (depending on the answers) are left" in reply.text
    await driver.press(COORDINATOR, data_of(driver, "No", "childbearing_potential"))
    await driver.send(COORDINATOR, "/back")
    await driver.press(COORDINATOR, data_of(driver, "Yes", "childbearing_potential"))
    await driver.press(COORDINATOR, data_of(driver, "Yes", "pregnancy_test_negative"))
    [reply] = await driver.send(COORDINATOR, "/finish")
    assert "and 1 question is left" in reply.text


async def test_a_double_tapped_answer_is_answered_quietly(app, driver, db):
    [consent] = await driver.send(COORDINATOR, "/screen")
    await driver.press(COORDINATOR, "Yes", message=consent)
    acks = len(driver.fake.calls_of("answerCallbackQuery"))
    query = {"id": "twice", "from": {"id": COORDINATOR, "is_bot": False, "first_name": "Li"},
             "chat_instance": "1", "data": "answer:S-001:consent:yes", "message": consent.raw}
    assert await driver.process({"callback_query": query}) == []   # no new message
    [ack] = driver.fake.calls_of("answerCallbackQuery")[acks:]
    assert ack.params["text"] == "Already saved."
    query = dict(query, id="other", data="answer:S-001:consent:no")  # not the same answer
    *_, told = await driver.process({"callback_query": query})
    assert "was answered meanwhile" in told.text
    assert screening_answers(db, "S-001") == {"consent": "yes"}
