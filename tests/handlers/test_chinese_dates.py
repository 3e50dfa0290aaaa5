"""Issue 14: dates and times as the reader's locale writes them. A Chinese-speaking coordinator
enrols a participant and reads /status and /participant, a Chinese-speaking investigator reports
a DLT and gets the alerts and the daily reminder: every date they read is 2026年11月28日 and
every time 2026年11月28日 14:05, never ISO text; an English-speaking investigator's copy of the
same alerts keeps the ISO dates. The record keeps ISO dates (language-neutral)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from domain.reasons import Reason
from handlers import i18n
from handlers.wording import dated, day, moment, say
from storage.outbox import alerts
from storage.participants import dlt_reports, participant
from storage.staff import add_staff
from tests.handlers.helpers_alerts import (
    INVESTIGATOR2,
    alert_settings,
    alerts_in,
    delivered,
    running_app,
    site_time,
)
from tests.handlers.helpers_enrollment import eligible, enrol_directly, trial_of
from tests.handlers.test_reminders import run_daily
from tests.storage.conftest import Clock
from tests.telegram_fake import ChatDriver, Sent

CHEN, DR_WANG, DR_ZHOU = 5020, 5021, 5022
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def chinese(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def everything_read(driver: ChatDriver, chat_id: int) -> list[str]:
    """Every text and button label of the bot's messages in a chat, as they stand."""
    stored = driver.fake.messages.get(chat_id, {}).values()
    sent = [Sent.of("current", msg) for msg in stored]
    return [s.text or "" for s in sent] + [label for s in sent for label in s.labels]


async def chen_enrols(driver: ChatDriver, planned: date) -> None:
    screening = eligible(trial_of(driver.app).db)
    await driver.send(CHEN, f"/enroll {screening}")
    await driver.send(CHEN, "62")
    [review] = await driver.send(CHEN, chinese(planned))
    assert f"输注 {chinese(planned)}，DLT 观察期至 {chinese(planned + timedelta(days=28))}" \
        in review.text, review.text
    pressed = await driver.press(CHEN, "✅ 确认")
    [done] = [s for s in pressed if s.chat_id == CHEN and s.method == "sendMessage"]
    assert done.text.startswith("已将 P-03 入组 DL1"), done.text
    assert chinese(planned) in done.text and chinese(planned + timedelta(days=28)) in done.text


async def wang_reports_a_dlt(driver: ChatDriver, today: date) -> None:
    await driver.send(DR_WANG, "/dlt P-02")
    await driver.press(DR_WANG, "细胞因子释放综合征（CRS）")
    [ask_onset] = [s for s in await driver.press(DR_WANG, "4 级") if s.labels]
    assert ask_onset.labels[0] == f"今天（{chinese(today)}）", ask_onset.labels
    await driver.press(DR_WANG, ask_onset.labels[0])
    await driver.press(DR_WANG, "很可能相关")
    await driver.press(DR_WANG, "是 DLT")
    [saved] = [s for s in await driver.press(DR_WANG, "✅ 保存")
               if s.chat_id == DR_WANG and s.method == "sendMessage" and s.text.startswith("已")]
    assert saved.text.startswith("已保存：P-02") and f"{chinese(today)}" in saved.text


async def test_chinese_readers_read_dates_as_chinese_writes_them(tmp_path):
    settings = alert_settings(tmp_path, reminder_time="06:00")
    clock = Clock(site_time(settings, 5, 30))  # before the daily reminders
    async with running_app(settings, clock) as app:
        db, today = trial_of(app).db, trial_of(app).today()
        add_staff(db, user_id=CHEN, name="陈敏", role="coordinator", actor="test",
                  language="zh_Hans")
        for investigator, name in ((DR_WANG, "王医生"), (DR_ZHOU, "周医生")):
            add_staff(db, user_id=investigator, name=name, role="investigator", actor="test",
                      language="zh_Hans")
        enrol_directly(app, days_ago=28, evaluated=False)  # P-01: its window ends today
        enrol_directly(app, days_ago=5)                    # P-02: infused, in its window
        driver = ChatDriver(app)

        planned = today + timedelta(days=2)
        await chen_enrols(driver, planned)
        assert participant(db, "P-03")["infusion_date"] == planned
        *_, status = await driver.send(CHEN, "/status")  # its chart, then its text
        assert chinese(today + timedelta(days=23)) in status.text, status.text
        [record] = [s for s in await driver.send(CHEN, "/participant P-02") if s.text]
        assert f"{chinese(today - timedelta(days=5))} 09:00" in record.text, record.text

        await wang_reports_a_dlt(driver, today)
        assert dlt_reports(db)[0]["onset_date"] == today  # the record keeps the date itself
        assert any(a["params"].get("onset") == today.isoformat() for a in alerts(db))
        clock.at = site_time(settings, 6, 30)
        await run_daily(app)
        await delivered(app)

        zhou_alerts = [s.text for s in alerts_in(app, DR_ZHOU)]  # Wang raised the DLT alert
        assert any(t.startswith("🔔 DLT 报告：P-02") and chinese(today) in t
                   for t in zhou_alerts), zhou_alerts
        assert any(t.startswith("⏰") and f"今天（{chinese(today)}）" in t
                   for t in zhou_alerts), zhou_alerts
        [dlt_alert] = [s for s in alerts_in(app, DR_ZHOU) if s.text.startswith("🔔 DLT")]
        await driver.press(DR_ZHOU, "✔ 确认收到", message=dlt_alert)
        [acknowledged] = [s for s in alerts_in(app, DR_ZHOU)
                          if s.message_id == dlt_alert.message_id]
        assert f"于 {chinese(today)} " in acknowledged.text, acknowledged.text
        english = [s.text for s in alerts_in(app, INVESTIGATOR2)]
        assert any(t.startswith("🔔 DLT reported: P-02") and f"onset {today.isoformat()}" in t
                   for t in english), english
        assert any(t.startswith("⏰ DLT windows ending: P-01 (DL1) today "
                                f"({today.isoformat()})") for t in english), english

        for reader in (CHEN, DR_WANG, DR_ZHOU):
            read = everything_read(driver, reader)
            assert len(read) > 4
            for text in read:
                assert not ISO.search(text), text


def test_one_wording_for_a_date_and_one_for_a_local_time():
    """English keeps ISO (the way the ward types it); Chinese as its locale writes it; the ISO
    text records and alerts keep is read as the date it is; any other text is left alone."""
    when = datetime(2026, 11, 8, 14, 5)
    with i18n.speaking(i18n.ENGLISH):
        assert [day(date(2026, 11, 8)), day("2026-11-08"), moment(when),
                moment("2026-11-08 14:05")] == ["2026-11-08"] * 2 + ["2026-11-08 14:05"] * 2
    with i18n.speaking(i18n.CHINESE):
        assert [day(date(2026, 11, 8)), day("2026-11-08"), moment(when),
                moment("2026-11-08 14:05")] == ["2026年11月8日"] * 2 + ["2026年11月8日 14:05"] * 2
        assert dated({"number": "P-03", "typed": "tomorrow", "level": 1,
                      "who": [{"number": "P-01", "end": "2026-11-28"}]}) == {
            "number": "P-03", "typed": "tomorrow", "level": 1,
            "who": [{"number": "P-01", "end": "2026年11月28日"}]}


def test_a_reason_s_dates_are_worded_for_its_reader():
    """A Reason keeps its dates as ISO text (language-neutral); say() words them per reader."""
    reason = Reason(code="refusal.already_infused", params={"number": "P-03",
                                                           "at": "2026-11-08 09:00"})
    with i18n.speaking(i18n.ENGLISH):
        assert say(reason) == "The infusion of P-03 is already recorded (2026-11-08 09:00)."
    with i18n.speaking(i18n.CHINESE):
        assert "2026年11月8日 09:00" in say(reason) and not ISO.search(say(reason))
