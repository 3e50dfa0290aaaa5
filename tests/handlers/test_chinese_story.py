"""Issue 14, the story a Chinese-speaking coordinator lives: Coordinator Chen (staff language
zh) screens a candidate on her phone entirely in Chinese (sections, the serology line, the
SLEDAI-2K ticks, the BILAG-2004 grid, several laboratory values per message typed on a Chinese
keyboard, the review, a change from the review, Save), then enrols her (/enroll, an unusual
weight, a past date, a Chinese date). The English-speaking investigator receives the enrolment
alert in English, a Chinese-speaking one in Chinese. Every text, button label and button answer
Chen receives is checked for untranslated English (tests.handlers.test_chinese.untranslated)."""

from __future__ import annotations

from datetime import date, timedelta

from storage.participants import participant
from storage.screenings import get_screening, screening_answers
from storage.staff import add_staff
from tests.handlers.conftest import INVESTIGATOR
from tests.handlers.test_chinese import untranslated
from tests.telegram_fake import Sent

CHEN, DR_WANG = 5010, 5011


def chinese(day: date) -> str:
    """A date as a coordinator types it on a Chinese keyboard: 2026年11月26日."""
    return f"{day.year}年{day.month}月{day.day}日"


class Coordinator:
    """Chen's phone: what she types and presses, and everything the bot shows her."""

    def __init__(self, driver):
        self.driver, self.seen = driver, []

    async def type(self, text: str) -> Sent:
        return self._saw(await self.driver.send(CHEN, text))

    async def press(self, label: str) -> Sent:
        """Press the button labelled `label` on the latest message with buttons."""
        return self._saw(await self.driver.press(CHEN, label))

    async def press_one_with(self, words: str) -> Sent:
        """Press the one button whose label contains `words` ('关节炎' of a SLEDAI-2K tick)."""
        [label] = [label for label in self.last.labels if words in label]
        return await self.press(label)

    async def press_in_row(self, row: str, label: str) -> Sent:
        """Press `label` in the grid row named `row` (BILAG-2004: '肾脏', 'C')."""
        [data] = [data for buttons in self.last.buttons if buttons[0][0] == row
                  for text, data in buttons if text == label]
        return await self.press(data)

    @property
    def last(self) -> Sent:
        return self.driver.last(CHEN)

    def _saw(self, sent: list[Sent]) -> Sent:
        self.seen += sent
        return sent[-1] if sent else self.last

    def everything_read(self) -> list[str]:
        """Every text and button label sent or edited to Chen, and the answers to her presses."""
        acks = self.driver.fake.calls_of("answerCallbackQuery")
        return ([s.text or "" for s in self.seen] + [label for s in self.seen for label in s.labels]
                + [a.params.get("text") or "" for a in acks] + self.driver.texts(CHEN))


async def screen_on_the_phone(chen: Coordinator) -> Sent:
    """Chen screens S-001, as she reads the source documents, to the review."""
    first = await chen.type("/screen")
    assert first.text.startswith("新筛选 S-001") and first.labels == ["是", "否"]
    await chen.press("是")                                   # informed consent
    again = await chen.type("四十五")                        # not a number: asked again
    assert "请输入数值" in again.text and again.text.endswith("年龄（岁）？\n请输入数值，例如 45")
    saved = await chen.type("45 女")                         # age and sex in one message
    assert saved.text.startswith("已保存：年龄 45 岁 · 性别 女。")
    await chen.press("2019 EULAR/ACR")
    await chen.press("甲泼尼龙")                              # on a glucocorticoid: which
    await chen.type("８")                                    # mg a day, full-width
    await chen.press("是")                                   # an immunosuppressant
    await chen.press("否")                                   # no biologic
    durations = await chen.type("6个月，稳定4周")
    assert durations.text.startswith("已保存：治疗时长 6个月 · 稳定 4周。")
    await chen.press("是")                                   # still active
    await chen.type("ANA+ dsDNA+ Sm-")                       # the serology line
    for descriptor in ("关节炎", "皮疹", "低补体", "蛋白尿"):
        await chen.press_one_with(descriptor)
    await chen.press_one_with("完成")
    for row, grade in (("皮肤黏膜", "B"), ("肌肉骨骼", "B"), ("肾脏", "C")):
        await chen.press_in_row(row, grade)
    await chen.press("其余均为 D/E")
    await chen.type("１．５")                                 # PGA
    await chen.type("ALT 35 AST 30 TBIL 13.7 微摩尔/升 Cr 80 微摩尔/升")
    blood = await chen.type("ANC 2.5 Hb １１５ 克/升 PLT 150 ×10⁹/升 LYM 0.9")
    assert "血红蛋白 １１５ 克/升" in blood.text and "中性粒细胞 2.5 ×10^9/L" in blood.text
    await chen.type("INR 1.0")
    await chen.type("SpO2 97 LVEF 60")
    for _ in ("有生育能力", "妊娠试验阴性", "同意避孕"):
        await chen.press("是")
    return chen.last


async def test_a_chinese_coordinator_screens_and_enrols_entirely_in_chinese(app, driver, db):
    add_staff(db, user_id=CHEN, name="陈敏", role="coordinator", actor="test", language="zh_Hans")
    add_staff(db, user_id=INVESTIGATOR, name="Dr Mei", role="investigator", actor="test",
              language="en")
    add_staff(db, user_id=DR_WANG, name="Dr Wang", role="investigator", actor="test",
              language="zh_Hans")
    chen, today = Coordinator(driver), app.bot_data["trial"].today()

    review = await screen_on_the_phone(chen)
    assert review.text.startswith("S-001：合格\n")
    assert "糖皮质激素 + 免疫抑制剂 治疗 6 个月，稳定 4 周" in review.text
    assert "8 mg/天 甲泼尼龙 = 10 mg/天 泼尼松" in review.text
    assert review.labels == ["✅ 保存为合格", "↩ 修改答案"]
    await chen.press("↩ 修改答案")                            # the age was 46 after all
    await chen.press("年龄：45 岁")
    review = await chen.type("４６")
    assert review.text.startswith("S-001：合格\n") and "年龄 46 在 18-70 之内" in review.text
    saved = await chen.press("✅ 保存为合格")
    assert saved.text.startswith("筛选 S-001 已保存为合格。")
    assert get_screening(db, "S-001")["status"] == "eligible"
    stored = screening_answers(db, "S-001")                   # codes and canonical values
    assert (stored["age"], stored["sex"], stored["glucocorticoid_drug"]) == (
        46, "female", "methylprednisolone")
    assert (stored["treatment_months"], stored["stable_weeks"], stored["glucocorticoid_dose"]) == (
        6, 4, 8)
    assert (stored["bilirubin"], stored["haemoglobin"], stored["platelets"]) == (13.7, 115, 150)
    assert stored["bilag_renal"] == "C" and stored["bilag_ophthalmic"] == "D/E"

    place = await chen.type("/enroll S-001")
    assert place.text.startswith("正在入组 S-001：DL1") and place.text.endswith("例如 62")
    unusual = await chen.type("２５０ 公斤")
    assert "超出该剂量的常见范围 30-200 kg" in unusual.text
    ask_date = await chen.type("６２．５ 公斤")                # the weight typed again, right
    assert ask_date.text.startswith("计划输注日期？")
    past = await chen.type(chinese(today - timedelta(days=1)))
    assert "已过去" in past.text
    assert past.text.endswith("计划输注日期？请按按钮，或按 YYYY-MM-DD 输入。")  # asked again
    planned = today + timedelta(days=2)
    review = await chen.type(chinese(planned))
    assert "1×10^5/kg × 62.5 kg = 6.25×10^6 个 CAR+ T 细胞" in review.text
    done = await chen.press("✅ 确认")
    assert done.text.startswith("已将 P-01 入组 DL1")
    enrolled = participant(db, "P-01")
    assert (enrolled["screening"], enrolled["weight_kg"], enrolled["infusion_date"]) == (
        "S-001", 62.5, planned)

    await app.bot_data["sender"].deliver_due()
    [english] = [t for t in driver.texts(INVESTIGATOR) if t and t.startswith("🔔")]
    assert english.startswith("🔔 P-01 enrolled at DL1 (cohort 1 place 1 of 3): 6.25×10^6 CAR+ "
                              "T cells for 62.5 kg")
    [in_chinese] = [t for t in driver.texts(DR_WANG) if t and t.startswith("🔔")]
    assert "P-01" in in_chinese and not untranslated(in_chinese), in_chinese
    assert not [t for t in driver.texts(CHEN) if t and t.startswith("🔔")]  # she raised it

    read = chen.everything_read()
    assert len(read) > 60
    for text in read:
        assert not untranslated(text), (untranslated(text), text)
