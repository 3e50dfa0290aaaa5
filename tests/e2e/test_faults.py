"""The Bot API misbehaves for a while (slow answers, HTTP 500, 429 with retry_after, dropped
connections, updates delivered twice): the bot keeps serving, stores nothing twice, and every
answer a coordinator gives ends up stored as given."""

from __future__ import annotations

from bot.local_api import Faults, send, settle, shown
from domain.questions import QUESTION_BY_ID
from storage.audit import audit_trail
from storage.screenings import list_screenings, screening_answers
from tests.e2e.people import (
    COORDINATOR,
    answer,
    asked,
    audit_problems,
    integrity,
    latest_screening,
)
from tests.e2e.test_crashes import stored_value
from tests.handlers.test_screening import ELIGIBLE

BAD_WEATHER = Faults(delay=0.05, server_error=0.06, too_many=0.04, retry_after=1, dropped=0.1,
                     duplicate=0.3)
STRUCK = ("server_error", "too_many", "dropped_before", "dropped_after", "duplicate")


async def test_an_update_delivered_twice_is_handled_once(api, staffed, bot):
    api.inject(Faults(duplicate=1.0), seconds=5)
    told = shown(await send(api, COORDINATOR, "/screen"))
    await settle(api)  # the second delivery has come and gone
    assert len(list_screenings(staffed.db)) == 1 and len(told) == 1
    assert f"update {api.first_update_id} was handled before" in bot.log_text()


async def test_the_bot_rides_out_a_failing_bot_api(api, staffed, tmp_path, bot):
    trial = staffed
    await send(api, COORDINATOR, "/screen")
    number = latest_screening(trial)
    window = api.inject(BAD_WEATHER, seconds=60, seed=11)  # until every fault struck twice
    tries = 0
    while (question := asked(trial, number)) is not None:
        tries += 1
        assert tries < 200, f"stuck at {question.id}"
        try:  # a patient coordinator: answers what is asked, asks again if nothing came
            await answer(api, COORDINATOR, number, question, ELIGIBLE[question.id], ELIGIBLE)
        except LookupError:  # the question never arrived: ask for it again
            await send(api, COORDINATOR, f"/screen {number}")
        if all(window.counts[fault] >= 2 for fault in STRUCK):
            api.calm()
    assert not api.faulty, f"the screening ended before every fault struck: {window.counts}"

    # After the weather: the bot answers, and what was stored is what was given, once.
    status = shown(await send(api, COORDINATOR, "/status"))
    assert status and status[-1].startswith("RD06-04"), status
    assert [s["number"] for s in list_screenings(trial.db)] == [number]
    answers = screening_answers(trial.db, number)
    assert answers == {question_id: stored_value(QUESTION_BY_ID[question_id],
                                                 ELIGIBLE[question_id], answers)
                       for question_id in answers}
    trail = [(r["field"], r["old_value"]) for r in audit_trail(trial.db, "answers", number)]
    assert sorted(trail) == sorted((question_id, None) for question_id in answers)  # once each
    assert integrity(tmp_path / "trial.db") == ["ok"] and audit_problems(trial.db) == []
    assert bot.running
