"""Issue 14: a Chinese-speaking investigator reports a DLT entirely in Chinese through the chat;
an English-speaking investigator receives the same alert in English; the record stays
language-neutral; nothing sent to the Chinese reader is untranslated English."""

from __future__ import annotations

import re

from storage.participants import dlt_reports
from storage.staff import add_staff, get_staff
from tests.handlers.conftest import INVESTIGATOR
from tests.handlers.test_dlt import days, first_dl1_cohort

DR_ZHANG, DR_WANG = 5005, 5006
# Words a Chinese text may keep: units, abbreviations, identifiers, commands.
ALLOWED = re.compile(
    r"^(DLT|DL\d|CRS|ICANS|MTD|ASTCT|CTCAE|CAR|SLEDAI|BILAG|ALT|AST|INR|PT|ULN|PGA|LVEF|SpO2|"
    r"ANA|EULAR|ACR|SLICC|ICE|VAS|HEp|Sm|dsDNA|DNA|Smith|Gilbert|Cockcroft|Gault|CrCl|RD06|SLE|"
    r"TBIL|YYYY|MM|DD|HH|Telegram|English|kg|mg|dL|mL|min|mol|U|L|g|h|s|RBC|WBC|hpf|qd|bid|"
    r"C\d|[A-Z]-\d+|[A-E]|[PS]|T|N|X|e|ID)$")
COMMAND = re.compile(r"(?<![A-Za-z0-9^µ])/[a-z_]+")  # /enroll, not the /day of mg/day
COMPOUND = re.compile(r"SLEDAI-2K|BILAG-2004|CAR-T|HEp-2|Dr \w+")  # and staff names


def untranslated(text: str) -> list[str]:
    """The English words of a text sent to a Chinese reader (none but ALLOWED may be left)."""
    text = COMPOUND.sub("", COMMAND.sub("", text))
    text = re.sub(r"— Grade \d \w+ \(\w+\)", "", text)  # a DLT rule in the protocol file's words
    return [w for w in re.findall(r"[A-Za-z][A-Za-z0-9]*", text) if not ALLOWED.match(w)]


async def test_a_dlt_reported_in_chinese_reaches_an_english_investigator_in_english(
        app, driver, db):
    add_staff(db, user_id=DR_ZHANG, name="Dr Zhang", role="investigator", actor="test")
    add_staff(db, user_id=DR_WANG, name="Dr Wang", role="investigator", actor="test",
              language="zh_Hans")  # as `trialbot staff add --language zh` stores it
    driver.language_codes = {DR_ZHANG: "zh-hans"}
    first_dl1_cohort(app)
    today = days(app, 0)

    [choose] = await driver.send(DR_ZHANG, "/dlt")
    assert get_staff(db, DR_ZHANG)["language"] == "zh_Hans"  # chosen at the first contact
    assert choose.text.startswith("哪位受试者发生了该事件？")
    *_, ask_event = await driver.press(DR_ZHANG, choose.labels[0])
    *_, ask_grade = await driver.press(DR_ZHANG, "细胞因子释放综合征（CRS）")
    assert "分级" in ask_grade.text and ask_grade.labels[3] == "4 级"
    *_, ask_onset = await driver.press(DR_ZHANG, "4 级")
    *_, ask_attribution = await driver.send(DR_ZHANG, today.strftime("%Y年%-m月%-d日"))
    assert ask_attribution.labels == ["无关", "可能无关", "可能相关", "很可能相关", "肯定相关"]
    *_, ask_judgement = await driver.press(DR_ZHANG, "很可能相关")
    *_, summary = await driver.press(DR_ZHANG, "是 DLT")
    assert summary.text.startswith("保存此报告？")
    *_, saved = await driver.press(DR_ZHANG, "✅ 保存")
    assert saved.text.startswith("已保存：P-03")

    [report] = dlt_reports(db)  # the record keeps codes, not words
    assert (report["event"], report["attribution"], report["onset_date"]) == (
        "crs", "probable", today)

    await app.bot_data["sender"].deliver_due()
    english = [t for t in driver.texts(INVESTIGATOR) if t and t.startswith("🔔")]
    chinese = [t for t in driver.texts(DR_WANG) if t and t.startswith("🔔")]
    assert any("DLT reported: P-03 DL1, CRS grade 4" in t for t in english)
    assert any("DLT 报告：P-03 DL1" in t for t in chinese), chinese
    for text in driver.texts(DR_ZHANG) + driver.texts(DR_WANG):
        assert not untranslated(text or ""), (untranslated(text), text)


async def test_language_is_changed_with_a_command(app, driver, db):
    [ask] = await driver.send(INVESTIGATOR, "/language")
    assert ask.labels == ["English", "中文"]
    *_, done = await driver.press(INVESTIGATOR, "中文")
    assert get_staff(db, INVESTIGATOR)["language"] == "zh_Hans"
    assert done.text.startswith("从现在起")
    [help_text] = await driver.send(INVESTIGATOR, "/help")
    assert help_text.text.startswith("trialbot，Dr Mei（研究者）")
    [back] = await driver.send(INVESTIGATOR, "/language en")
    assert back.text.startswith("From now on the bot speaks English")


async def test_menus_are_registered_in_both_languages(app):
    await app.post_init(app)
    calls = app.bot.request.calls_of("setMyCommands")
    menus = {c.params.get("language_code"): c.params["commands"] for c in calls}
    assert set(menus) == {None, "zh"}
    described = {c["command"]: c["description"] for c in menus["zh"]}
    assert described["dlt"] == "报告剂量限制性毒性（DLT）"
