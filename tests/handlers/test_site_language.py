"""The site's language (TRIALBOT_LANGUAGE, issue 14): Chinese by default at the Wuhan site. The
alert group's copies are worded in it, and so is everything read by a staff member who has no
language yet (none stored, none sent by their Telegram); a staff member's own language still
comes first."""

from __future__ import annotations

import pytest

from bot.config import SettingsError, load_settings
from handlers import i18n
from storage.staff import get_staff
from tests.handlers.conftest import COORDINATOR, INVESTIGATOR
from tests.handlers.helpers_alerts import (
    ALERT_GROUP,
    INVESTIGATOR2,
    alert_settings,
    alerts_in,
    delivered,
    first_dl1_cohort,
    report_crs,
    running_app,
)
from tests.handlers.test_chinese import untranslated
from tests.telegram_fake import ChatDriver


@pytest.fixture
def no_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.delenv("TRIALBOT_LANGUAGE", raising=False)
    return monkeypatch


def test_the_site_speaks_chinese_unless_told_otherwise(no_environment):
    assert load_settings().language == i18n.CHINESE
    for typed, language in [("en", i18n.ENGLISH), ("zh-CN", i18n.CHINESE),
                            ("zh_Hans", i18n.CHINESE), ("EN", i18n.ENGLISH)]:
        no_environment.setenv("TRIALBOT_LANGUAGE", typed)
        assert load_settings().language == language
    no_environment.setenv("TRIALBOT_LANGUAGE", "fr")
    with pytest.raises(SettingsError, match="TRIALBOT_LANGUAGE"):
        load_settings()


async def test_a_chinese_site_words_the_group_copy_and_new_staff_in_chinese(tmp_path):
    async with running_app(alert_settings(tmp_path, language="zh")) as app:
        driver = ChatDriver(app)
        driver.language_codes = {INVESTIGATOR: "en"}        # his Telegram is in English
        first_dl1_cohort(app)
        await report_crs(driver)                            # pressing the English labels
        await delivered(app)

        [dlt, step] = [s.text for s in alerts_in(app, ALERT_GROUP)]
        assert dlt == "🔔 DLT 报告：P-03。详情见您与机器人的私聊。"
        assert step.startswith("🔔") and "P-03" in step and not untranslated(step), step
        # Dr Chen has no language yet: the site's
        assert get_staff(app.bot_data["trial"].db, INVESTIGATOR2)["language"] is None
        report, _ = [s.text for s in alerts_in(app, INVESTIGATOR2)]
        assert report.startswith("🔔 DLT 报告：P-03") and not untranslated(report), report
        # so does a coordinator whose Telegram sends no language
        [help_text] = await driver.send(COORDINATOR, "/help")
        assert help_text.text.startswith("trialbot，Coordinator Li（协调员/研究护士）")


async def test_an_english_site_words_the_group_copy_in_english(tmp_path):
    async with running_app(alert_settings(tmp_path, language="en")) as app:
        driver = ChatDriver(app)
        first_dl1_cohort(app)
        await report_crs(driver)
        await delivered(app)
        assert [s.text for s in alerts_in(app, ALERT_GROUP)][0] == (
            "🔔 DLT reported: P-03. The details are in your private chat with the bot.")
