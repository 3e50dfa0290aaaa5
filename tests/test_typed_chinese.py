"""Issue 14: answers typed on a Chinese keyboard are read as meant (domain code)."""

from __future__ import annotations

from datetime import date

from domain.questions import QUESTIONS, read_answer
from domain.units import parse_quantity
from handlers.common import read_date

BY_ID = {q.id: q for q in QUESTIONS}


def test_chinese_units_and_full_width_digits():
    assert parse_quantity("bilirubin", "１２０，５ 微摩尔/升").value == 120.5
    assert parse_quantity("haemoglobin", "１２０克/升").unit == "g/L"
    assert parse_quantity("platelets", "150 ×10⁹/升").value == 150.0


def test_yes_no_and_sex_in_chinese():
    assert read_answer(BY_ID["consent"], "是", {}).value == "yes"
    assert read_answer(BY_ID["consent"], "否", {}).value == "no"
    answer = read_answer(BY_ID["sex"], "女", {})
    assert (answer.value, answer.entered) == ("female", "女")  # recorded as typed


def test_chinese_dates():
    assert read_date("2026年11月26日") == date(2026, 11, 26)
    assert read_date("２０２６－１１－２６") == date(2026, 11, 26)
    assert read_date("2026年2月30日") is None
