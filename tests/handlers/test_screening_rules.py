"""The eligibility rules through the chat: exclusion criteria from a protocol file, the verdict's
sentence when none are configured, creatinine's ULN by sex, a man's reproductive potential,
impossible SLEDAI-2K totals, and enrolment refusing an expired screening."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.site import UpperLimits
from storage.screenings import get_screening, screening_answers
from storage.staff import add_staff
from storage.usecases.screening import valid_until
from tests.domain.test_exclusions import EXCLUSIONS
from tests.handlers.conftest import COORDINATOR, make_settings, start_app
from tests.handlers.helpers_enrollment import amended_app, trial_of
from tests.handlers.test_screening import ELIGIBLE, answer_all, asked
from tests.telegram_fake import ChatDriver

NONE_CONFIGURED = ("Inclusion criteria 1-11 met; no exclusion criteria are configured: check "
                   "the full protocol")
CLEAR = {"exclusion_active_infection": "No", "exclusion_hbv_dna": "0",
         "exclusion_lactation": "No"}


@asynccontextmanager
async def app_with(tmp_path, **settings):
    """The real application with these settings (e.g. the site's upper limits of normal)."""
    app = await start_app(make_settings(tmp_path, **settings))
    add_staff(trial_of(app).db, user_id=COORDINATOR, name="Coordinator Li", role="coordinator",
              actor="test")
    try:
        yield app
    finally:
        await app.shutdown()


def with_exclusions(tmp_path):
    """The shipped protocol with three exclusion criteria added, as a site adds them."""
    return amended_app(tmp_path, "# Laboratory limits.", EXCLUSIONS + "\n# Laboratory limits.")


# --- exclusion criteria ----------------------------------------------------------------------

async def test_with_none_configured_the_verdict_says_to_check_the_full_protocol(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE)
    review = driver.last(COORDINATOR).text
    assert review.startswith(f"S-001: ELIGIBLE\n{NONE_CONFIGURED}")
    await driver.press(COORDINATOR, "✅ Save as eligible")
    saved = driver.last(COORDINATOR)
    until = valid_until(trial_of(app), "S-001")
    assert f"Enrol with /enroll S-001 by {until} (a screening is valid for 28 days)" in saved.text
    assert NONE_CONFIGURED in saved.text
    assert get_screening(db, "S-001")["verdict"]["summary"]["code"] == (
        "eligibility.summary.eligible_unconfigured")


async def test_exclusions_from_the_protocol_file_are_asked_and_judged(tmp_path):
    async with with_exclusions(tmp_path) as app:
        driver = ChatDriver(app)
        await driver.send(COORDINATOR, "/screen")
        await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="exclusion_active_infection")
        first = driver.last(COORDINATOR)
        assert first.text.endswith("S-001 · exclusion criterion 1\nDoes the candidate have an "
                                   "active infection needing systemic treatment?")
        assert first.labels == ["Yes", "No"]
        await driver.press(COORDINATOR, "No")
        [hbv] = await driver.send(COORDINATOR, "25 iu/ml")
        assert "⚠ Not eligible: HBV DNA: 25 IU/mL ≥ 20 IU/mL, which excludes the candidate" in (
            hbv.text)
        assert "exclusion criterion 3\nIs she breastfeeding?" in hbv.text
        await driver.press(COORDINATOR, "No")
        review = driver.last(COORDINATOR).text
        assert review.startswith("S-001: NOT ELIGIBLE")
        assert "✗ E2. HBV DNA: 25 IU/mL ≥ 20 IU/mL, which excludes the candidate" in review
        assert "✓ E1. Active infection: no, not excluded" in review
        assert "✓ 11. Contraception" in review and "check the full protocol" not in review
        await driver.press(COORDINATOR, "Save as screen failure")
        saved = driver.last(COORDINATOR)
        assert "(E2. HBV DNA: 25 IU/mL ≥ 20 IU/mL" in saved.text
        assert screening_answers(trial_of(app).db, "S-001")["exclusion_hbv_dna"] == 25


async def test_none_of_them_applies_the_candidate_is_eligible(tmp_path):
    async with with_exclusions(tmp_path) as app:
        driver = ChatDriver(app)
        await driver.send(COORDINATOR, "/screen")
        await answer_all(app, driver, "S-001", {**ELIGIBLE, **CLEAR})
        review = driver.last(COORDINATOR).text
        assert review.startswith("S-001: ELIGIBLE\nInclusion criteria 1-11 met; none of the 3 "
                                 "exclusion criteria applies")
        assert "✓ E2. HBV DNA: 0 IU/mL < 20 IU/mL, not excluded" in review
        [listing] = await driver.send(COORDINATOR, "/correct S-001")
        assert "Is she breastfeeding? No" in listing.text     # an exclusion can be corrected


async def test_a_number_exclusion_refuses_an_implausible_value_and_asks_again(tmp_path):
    async with with_exclusions(tmp_path) as app:
        driver = ChatDriver(app)
        await driver.send(COORDINATOR, "/screen")
        await answer_all(app, driver, "S-001", {**ELIGIBLE, **CLEAR}, stop_at="exclusion_hbv_dna")
        [reply] = await driver.send(COORDINATOR, "20 copies/mL")
        assert "'copies/mL' is not a unit I accept here. Use IU/mL" in reply.text
        assert "HBV DNA in IU/mL?" in reply.text
        assert asked(app, "S-001").id == "exclusion_hbv_dna"


# --- creatinine by sex --------------------------------------------------------------------------

async def test_a_woman_at_150_is_judged_on_the_female_limit(tmp_path):
    limits = UpperLimits(creatinine_female=90.0, creatinine_male=110.0)
    async with app_with(tmp_path, uln=limits) as app:
        driver = ChatDriver(app)
        await driver.send(COORDINATOR, "/screen")
        await answer_all(app, driver, "S-001", ELIGIBLE, stop_at="creatinine")
        [reply] = await driver.send(COORDINATOR, "150 umol/L")
        assert "Creatinine is above the limit" in reply.text and "Body weight" in reply.text
        await driver.send(COORDINATOR, "/screen")
        await answer_all(app, driver, "S-002", {**ELIGIBLE, "sex": "Male",
                                                "reproductive_potential": "Yes",
                                                "barrier_contraception_consent": "Yes",
                                                "creatinine": "150 umol/L"})
        review = driver.last(COORDINATOR).text
        assert "S-002: ELIGIBLE" in review
        assert "Creatinine 150 µmol/L = 1.364×ULN (ULN 110) ≤ 1.5×ULN" in review


# --- a man's reproductive potential ------------------------------------------------------------

async def test_a_man_is_asked_his_reproductive_potential_first(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    man = {**ELIGIBLE, "sex": "Male"}
    await answer_all(app, driver, "S-001", man, stop_at="reproductive_potential")
    assert "Is he of reproductive potential" in driver.last(COORDINATOR).text
    await driver.press(COORDINATOR, "No")
    review = driver.last(COORDINATOR).text
    assert "S-001: ELIGIBLE" in review
    assert "– 11. Contraception: Not of reproductive potential" in review
    assert "barrier_contraception_consent" not in screening_answers(db, "S-001")


# --- SLEDAI-2K totals ----------------------------------------------------------------------------

async def test_totals_name_the_excluded_items_and_refuse_an_impossible_pair(app, driver, db):
    await driver.send(COORDINATOR, "/screen")
    totals = {**ELIGIBLE, "sledai_mode": "Enter totals", "sledai_total": "30"}
    await answer_all(app, driver, "S-001", totals, stop_at="clinical_sledai_total")
    prompt = driver.last(COORDINATOR).text
    assert "without the 8 urine and laboratory items (at most 22 points)" in prompt
    for item in ("Urinary casts", "Haematuria", "Proteinuria", "Pyuria", "Low complement",
                 "Increased DNA binding", "Thrombocytopenia", "Leukopenia"):
        assert item in prompt
    [reply] = await driver.send(COORDINATOR, "7")
    assert "the 23 points between them are more than the 22" in reply.text
    assert asked(app, "S-001").id == "clinical_sledai_total"
    assert "clinical_sledai_total" not in screening_answers(db, "S-001")
    [reply] = await driver.send(COORDINATOR, "8")
    assert "BILAG-2004" in reply.text and screening_answers(db, "S-001")[
        "clinical_sledai_total"] == 8


# --- an expired screening at /enroll -----------------------------------------------------------

SITE = ZoneInfo("Asia/Shanghai")  # the default TRIALBOT_TIMEZONE


def at_site(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SITE).astimezone(UTC)


async def test_enrolment_refuses_an_expired_screening_and_says_how_to_rescreen(app, driver):
    await driver.send(COORDINATOR, "/screen")
    await answer_all(app, driver, "S-001", ELIGIBLE)
    await driver.press(COORDINATOR, "✅ Save as eligible")
    trial = trial_of(app)
    last = valid_until(trial, "S-001")
    trial.clock = lambda: at_site(last, 23, 59)
    [place] = await driver.send(COORDINATOR, "/enroll S-001")
    assert "Body weight in kg" in place.text
    await driver.send(COORDINATOR, "/cancel")
    trial.clock = lambda: at_site(last + timedelta(days=1), 0, 1)
    [refused] = await driver.send(COORDINATOR, "/enroll S-001")
    assert f"Screening S-001 was done on {last - timedelta(days=28)}" in refused.text
    assert f"valid for 28 days, until {last}: it has expired" in refused.text
    assert "Screen the candidate again with /screen" in refused.text
