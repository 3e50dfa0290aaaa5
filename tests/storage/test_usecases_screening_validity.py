"""A screening is valid for the protocol's screening_valid_days (28): enrolment refuses an
expired one and says how to screen again. The screening's date is that of its oldest standing
answer, in the site's time zone."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from domain.reasons import Reason
from handlers.wording import say
from storage.screenings import finish_screening, retract_answer, save_answer, start_screening
from storage.usecases.enrollment import enroll, offer_place
from storage.usecases.screening import screened_on, valid_until
from tests.storage.conftest import (
    COORDINATOR,
    SITE,
    add_site_staff,
    amended_protocol,
    eligible_screening,
    everything,
    make_trial,
    refusal,
)


def at_site(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SITE).astimezone(UTC)


def backdate(db, number: str, question: str, days: int) -> None:
    """Make an answer as old as if it had been given `days` earlier (test setup)."""
    stored = db.execute("SELECT answered_at FROM answers WHERE screening = ? AND question_id = ?",
                        [number, question]).fetchone()[0]
    older = (datetime.fromisoformat(stored) - timedelta(days=days)).isoformat(timespec="seconds")
    db.execute("UPDATE answers SET answered_at = ? WHERE screening = ? AND question_id = ?",
               [older, number, question])


def test_enrolled_on_its_last_valid_day(trial, clock):
    screening = eligible_screening(trial.db)
    last = screened_on(trial, screening) + timedelta(days=28)
    assert valid_until(trial, screening) == last
    clock.at = at_site(last, 23, 59)
    place = offer_place(trial, screening)
    enrolled = enroll(trial, place=place, weight_kg=60.0, infusion=trial.today(),
                      actor=COORDINATOR)
    assert enrolled.participant == "P-01"


def test_refused_the_day_after_and_told_how_to_screen_again(trial, clock):
    screening = eligible_screening(trial.db)
    screened = screened_on(trial, screening)
    clock.at = at_site(screened + timedelta(days=28), 12)
    place = offer_place(trial, screening)                  # shown on the last valid day ...
    clock.at = at_site(screened + timedelta(days=29), 0, 1)
    before = everything(trial.db)

    expired = Reason(code="screening_expired", params={
        "number": screening, "screened_on": screened,
        "valid_until": screened + timedelta(days=28), "days": 28})
    assert refusal(offer_place, trial, screening) == expired
    assert refusal(enroll, trial, place=place, weight_kg=60.0, infusion=trial.today(),
                   actor=COORDINATOR) == expired          # ... and confirmed a minute too late
    assert everything(trial.db) == before
    words = say(replace(expired, code="refusal.screening_expired"))
    assert f"valid for 28 days, until {screened + timedelta(days=28)}" in words
    assert "Screen the candidate again with /screen" in words
    assert f"/withdraw {screening} closes this one" in words


def test_the_oldest_standing_answer_dates_the_screening(trial):
    screening = start_screening(trial.db, actor=COORDINATOR)
    for question, value in (("age", 34), ("sex", "female")):
        save_answer(trial.db, screening, question, value=value, entered=str(value), unit=None,
                    actor=COORDINATOR)
    today = screened_on(trial, screening)
    backdate(trial.db, screening, "age", 40)
    assert screened_on(trial, screening) == today - timedelta(days=40)
    retract_answer(trial.db, screening, "age", actor=COORDINATOR, reason="re-checked today")
    save_answer(trial.db, screening, "age", value=35, entered="35", unit="years",
                actor=COORDINATOR)
    assert screened_on(trial, screening) == today


def test_a_screening_without_answers_is_dated_by_its_start(trial):
    number = start_screening(trial.db, actor=COORDINATOR)
    finish_screening(trial.db, number, status="eligible", verdict={"status": "eligible"},
                     actor=COORDINATOR)
    started = datetime.fromisoformat(trial.db["screenings"].get(number)["started_at"])
    assert screened_on(trial, number) == started.astimezone(SITE).date()


def test_the_protocol_sets_the_days(tmp_path, db_path, clock):
    protocol = amended_protocol(tmp_path, "screening_valid_days = 28",
                                "screening_valid_days = 7")
    trial = make_trial(db_path, clock, protocol)
    try:
        add_site_staff(trial.db)
        screening = eligible_screening(trial.db)
        screened = screened_on(trial, screening)
        clock.at = at_site(screened + timedelta(days=7), 9)
        assert offer_place(trial, screening).dose_level == 1
        clock.at = at_site(screened + timedelta(days=8), 9)
        assert refusal(offer_place, trial, screening).params["days"] == 7
    finally:
        trial.db.close()
