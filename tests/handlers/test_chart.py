"""The escalation chart (handlers/chart.py) for the histories that matter: each is a PNG of the
size a phone shows well, and no two histories give the same picture."""

from __future__ import annotations

import struct

import pytest

from handlers.chart import HEIGHT, WIDTH, chart_png, title
from handlers.texts import CHART
from storage.usecases.reports import escalation_picture, what_if_picture
from tests.storage.conftest import Clock, make_trial, place_directly

HISTORIES = {
    "expansion": "1NNT 1NP",  # one DLT in three: expanded to six, two more enrolled
    "de-escalation": "1NNN 2NTT",  # DL2 exceeds the MTD: back to DL1, filled to six
    "MTD": "1NNT 1NNN 2NTT",  # DL1 is the MTD
    "cap": "1NNN 2NNT 2NNN +2NN +2N",  # twelve: the cap, with case expansion at DL2
}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def trial(tmp_path):
    made = make_trial(tmp_path / "trial.db", Clock())
    yield made
    made.db.close()


@pytest.fixture
def pictures(trial):
    """The empty trial as recorded, then each history drawn as /whatif draws it."""
    return {"empty trial": escalation_picture(trial),
            **{name: what_if_picture(trial, history) for name, history in HISTORIES.items()}}


def test_every_history_gives_a_png_of_the_expected_size_and_its_own_picture(pictures):
    drawn = {name: chart_png(picture) for name, picture in pictures.items()}
    for name, png in drawn.items():
        assert png_size(png) == (WIDTH, HEIGHT) == (960, 720), name
    assert len(set(drawn.values())) == len(drawn), "two histories gave the same picture"


def test_the_title_gives_the_cohorts_the_step_and_the_places_left(pictures):
    assert title(pictures["empty trial"]).split("\n") == [
        "RD06-04: 0 enrolled, 12 of 12 places left", "Cohorts: none yet",
        "Next step: enrol · next participant at DL1"]
    assert title(pictures["de-escalation"]).split("\n") == [
        "What if 1NNN 2NTT: 6 enrolled, 6 of 12 places left", "Cohorts: 1NNN 2NTT",
        "Next step: de-escalate · next participant at DL1"]
    assert title(pictures["MTD"]).endswith("Next step: MTD declared")
    assert "12 enrolled, 0 of 12 places left" in title(pictures["cap"])


def test_a_history_the_rules_cannot_read_is_drawn_with_the_warning(trial):
    place_directly(trial.db, dose_level=2)  # DL2 first: the 3+3 design never asks for it
    picture = escalation_picture(trial)
    assert picture.decision is None and picture.error.code == "history.starts_at"
    assert png_size(chart_png(picture)) == (WIDTH, HEIGHT)
    assert title(picture).split("\n") == [
        "RD06-04: 1 enrolled, 11 of 12 places left", "Cohorts: 2P", CHART["unreadable"]]


def test_the_same_trial_draws_the_same_picture_and_a_new_participant_changes_it(trial):
    first = chart_png(escalation_picture(trial))
    assert chart_png(escalation_picture(trial)) == first
    place_directly(trial.db)
    assert chart_png(escalation_picture(trial)) != first
