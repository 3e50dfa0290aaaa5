"""The site's creatinine upper limit of normal by sex, from the environment."""

import pytest

from bot.config import load_settings


@pytest.fixture(autouse=True)
def no_uln_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("TRIALBOT_ULN__CREATININE", "TRIALBOT_ULN__CREATININE_FEMALE",
                 "TRIALBOT_ULN__CREATININE_MALE"):
        monkeypatch.delenv(name, raising=False)


def test_creatinine_limits_by_sex(monkeypatch):
    monkeypatch.setenv("TRIALBOT_ULN__CREATININE_FEMALE", "84")
    monkeypatch.setenv("TRIALBOT_ULN__CREATININE_MALE", "106")
    uln = load_settings().uln
    assert (uln.of("creatinine", "female"), uln.of("creatinine", "male")) == (84, 106)


def test_the_one_creatinine_limit_is_still_accepted_for_both(monkeypatch):
    monkeypatch.setenv("TRIALBOT_ULN__CREATININE", "97")
    uln = load_settings().uln
    assert (uln.of("creatinine", "female"), uln.of("creatinine", "male")) == (97, 97)
    monkeypatch.setenv("TRIALBOT_ULN__CREATININE_FEMALE", "80")
    uln = load_settings().uln
    assert (uln.of("creatinine", "female"), uln.of("creatinine", "male")) == (80, 97)


def test_unset_both_sexes_keep_the_default():
    uln = load_settings().uln
    assert (uln.of("creatinine", "female"), uln.of("creatinine", "male")) == (104, 104)


def test_the_laboratory_units_from_the_environment_reach_the_trial(monkeypatch, tmp_path):
    from bot.config import SettingsError
    from bot.trial import make_trial

    monkeypatch.setenv("TRIALBOT_LAB_UNITS__HAEMOGLOBIN", "g/dl")
    settings = load_settings(db=tmp_path / "trial.db")
    trial = make_trial(settings)
    try:
        assert trial.context.lab_units.haemoglobin == "g/dL"
        assert trial.context.lab_units.platelets == "×10^9/L"     # the default
    finally:
        trial.db.close()
    monkeypatch.setenv("TRIALBOT_LAB_UNITS__HAEMOGLOBIN", "mmol/L")
    with pytest.raises(SettingsError, match="TRIALBOT_LAB_UNITS__HAEMOGLOBIN"):
        load_settings()
