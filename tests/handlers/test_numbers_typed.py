"""Hostile numbers typed into /screen: a thousands separator, minus zero, an absurdly long number.
Each is refused with a message and the same question again; nothing is stored or judged."""

from __future__ import annotations

import pytest

from storage.audit import audit_trail
from storage.screenings import screening_answers
from tests.handlers.conftest import COORDINATOR
from tests.handlers.test_screening import ELIGIBLE, answer_all, asked

CASES = [
    # (question, typed, what the coordinator is told)
    ("alt", "1.500", "1.500 could be 1.5 or 1500: please type 1500 or 1.5, without a thousands "
                     "separator."),
    ("alt", "1,500", "1,500 could be 1.5 or 1500"),
    ("platelets", "150.000 /µL", "150.000 could be 150 or 150000: please type 150000 or 150"),
    ("platelets", "150.000", "Please add the unit"),      # and no reading offered
    ("creatinine", "1.500 µmol/L", "1.500 could be 1.5 or 1500"),
    ("platelets", "150 000 /µL", "Please type the number in one piece"),
    ("platelets", "0" * 42 + "150", "That number has more than 12 digits"),
    ("age", "-0", "Please type 0 without a minus sign, or the value you meant, e.g. 45."),
    ("treatment_months", "-0", "Please type 0 without a minus sign"),
    ("pga", "-0.0", "Please type 0 without a minus sign"),
]


@pytest.mark.parametrize(("question", "typed", "told"), CASES)
async def test_hostile_number_is_refused_and_the_question_asked_again(app, driver, db, question,
                                                                     typed, told):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at=question)
    before = screening_answers(db, "S-001")
    [reply] = await driver.send(COORDINATOR, typed)
    assert told in reply.text, reply.text
    assert reply.labels == []                              # no reading to pick: nothing guessed
    assert asked(app, "S-001").id == question
    assert screening_answers(db, "S-001") == before and question not in before
    assert not [r for r in audit_trail(db, "answers", "S-001") if r["field"] == question]


async def test_the_number_typed_again_plainly_is_stored(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="alt")
    await driver.send(COORDINATOR, "1.500")
    await driver.send(COORDINATOR, "1500")
    assert screening_answers(db, "S-001")["alt"] == 1500
    await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="platelets")
    await driver.send(COORDINATOR, "150.000 /µL")
    # issue 11: only the likely reading is offered ('150000' is no count in ×10^9/L)
    [reply] = await driver.send(COORDINATOR, "150000")
    assert reply.labels == ["150000 /µL"]
    assert all(len(data.encode()) <= 64 for row in reply.buttons for _, data in row)
    await driver.press(COORDINATOR, "150000 /µL")
    assert screening_answers(db, "S-001")["platelets"] == 150
