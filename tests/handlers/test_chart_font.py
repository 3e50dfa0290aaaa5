"""Charts drawn for a Chinese reader show Chinese: every character of the Chinese catalogue is
in the font shipped for it, and drawing a chart in Chinese finds a glyph for every character
(matplotlib warns "Glyph ... missing from font(s)" and draws a box otherwise)."""

import warnings

from fontTools.ttLib import TTFont

from domain.simulation import Scenario
from handlers import i18n
from handlers.chart import chart_png
from handlers.fonts import FONT
from handlers.fonts.subset import catalogue_characters, chinese
from handlers.simulation_chart import recommended_chart
from storage.protocol_file import load_protocol
from storage.usecases.reports import escalation_picture
from storage.usecases.simulation import operating_characteristics
from tests.handlers.helpers_enrollment import CLOSED, OPEN, enrol_directly, trial_of


def missing_glyphs(draw) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_the_font_has_every_character_of_the_chinese_catalogue():
    cmap = TTFont(FONT).getBestCmap()
    wanted = [c for c in catalogue_characters() if chinese(c)]
    assert len(wanted) > 500  # the catalogue is read, not an empty list checked
    missing = sorted(c for c in wanted if ord(c) not in cmap)
    assert missing == [], f"run `make font`: the shipped font lacks {''.join(missing)}"


def test_the_escalation_chart_in_chinese_has_a_glyph_for_every_character(app):
    for _ in range(3):
        enrol_directly(app, days_ago=CLOSED)
    enrol_directly(app, days_ago=OPEN)
    picture = escalation_picture(trial_of(app))
    with i18n.speaking(i18n.CHINESE):
        chinese = []
        assert missing_glyphs(lambda: chinese.append(chart_png(picture))) == []
    english = chart_png(picture)
    assert chinese[0] != english  # drawn in each reader's language, not one cached for both


def test_the_simulation_chart_in_chinese_has_a_glyph_for_every_character():
    protocol = load_protocol()
    result = operating_characteristics(protocol, Scenario(dlt_rates=(0.1, 0.3)), trials=100,
                                       seed=1)
    with i18n.speaking(i18n.CHINESE):
        assert missing_glyphs(lambda: recommended_chart(protocol, result)) == []
