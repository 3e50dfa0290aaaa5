"""Laboratory units: conversion to the canonical unit, phone spellings, refusals."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.reasons import Reason
from domain.units import (
    ANALYTES,
    QuantityError,
    convert,
    format_number,
    parse_quantity,
    readings,
)
from handlers.wording import say


def refusal(analyte: str, typed: str) -> Reason:
    """Why `typed` is refused for `analyte` (the test fails if it is read)."""
    with pytest.raises(QuantityError) as refused:
        parse_quantity(analyte, typed)
    return refused.value.reason


@pytest.mark.parametrize(("analyte", "typed", "canonical"), [
    ("haemoglobin", "11 g/dL", 110.0),          # g/dL × 10
    ("haemoglobin", "5.9 g/dL", 59.0),
    ("haemoglobin", "110 g/L", 110.0),
    ("platelets", "150000 /µL", 150.0),          # cells/µL ÷ 1000
    ("platelets", "19999 /µL", 19.999),
    ("platelets", "150 ×10^3/µL", 150.0),        # ×10^3/µL = ×10^9/L
    ("platelets", "150 ×10^9/L", 150.0),
    ("lymphocytes", "300 /µL", 0.3),
    ("neutrophils", "9 /µL", 0.009),             # no float noise (0.009000000000000001)
    ("bilirubin", "1 mg/dL", 17.1),              # mg/dL × 17.1
    ("bilirubin", "2 mg/dL", 34.2),
    ("bilirubin", "12 µmol/L", 12.0),
    ("creatinine", "1 mg/dL", 88.4),             # mg/dL × 88.4
    ("creatinine", "2 mg/dL", 176.8),
    ("creatinine", "80 µmol/L", 80.0),
])
def test_conversion_to_canonical_unit(analyte, typed, canonical):
    assert parse_quantity(analyte, typed).value == canonical


def test_quantity_keeps_what_was_typed():
    quantity = parse_quantity("haemoglobin", "6.0 g/dL")
    assert (quantity.value, quantity.entered, quantity.unit) == (60.0, 6.0, "g/dL")


@pytest.mark.parametrize(("analyte", "typed", "unit", "canonical"), [
    ("haemoglobin", "110g/l", "g/L", 110.0),
    ("haemoglobin", "11 G/DL", "g/dL", 110.0),
    ("haemoglobin", "11gdl", "g/dL", 110.0),
    ("bilirubin", "12 umol/l", "µmol/L", 12.0),
    ("bilirubin", "12 μmol/L", "µmol/L", 12.0),      # Greek mu
    ("bilirubin", "12 µmol", "µmol/L", 12.0),        # micro sign
    ("bilirubin", "1,5 mg/dl", "mg/dL", 25.65),      # decimal comma
    ("creatinine", "1.2mg/dl", "mg/dL", 106.08),
    ("platelets", "150 x10^9/l", "×10^9/L", 150.0),
    ("platelets", "150 10^9/L", "×10^9/L", 150.0),
    ("platelets", "150 x10e9/L", "×10^9/L", 150.0),
    ("platelets", "150 K/uL", "×10^3/µL", 150.0),
    ("platelets", "150 x 10^3/μL", "×10^3/µL", 150.0),  # spaces and Greek mu
    ("platelets", "150000 cells/ul", "/µL", 150.0),
    ("platelets", "150000/ul", "/µL", 150.0),
    ("alt", "35 IU/L", "U/L", 35.0),
    ("pt", "12.5 sec", "s", 12.5),
    ("steroid_mg", "10 mg", "mg/day", 10.0),
    ("spo2", "97%", "%", 97.0),
    ("age", "45 y", "years", 45.0),
    ("age", "35 yrs", "years", 35.0),
    ("age", "35 岁", "years", 35.0),
    ("weight", "62KG", "kg", 62.0),
])
def test_unit_spellings_typed_on_a_phone(analyte, typed, unit, canonical):
    quantity = parse_quantity(analyte, typed)
    assert (quantity.unit, quantity.value) == (unit, canonical)


@pytest.mark.parametrize(("analyte", "typed", "units"), [
    ("haemoglobin", "110", "g/L or g/dL"),
    ("haemoglobin", "6", "g/L or g/dL"),
    ("platelets", "150", "×10^9/L or ×10^3/µL or /µL"),
    ("bilirubin", "1.2", "µmol/L or mg/dL"),
    ("creatinine", "80", "µmol/L or mg/dL"),
])
def test_missing_unit_is_asked_for_when_ambiguous(analyte, typed, units):
    reason = refusal(analyte, typed)
    assert reason.code == "units.unit_missing" and reason.params["units"] == units.split(" or ")
    assert say(reason).startswith(f"Please add the unit ({units})")


@pytest.mark.parametrize(("analyte", "typed", "canonical"), [
    ("alt", "35", 35.0), ("inr", "1.1", 1.1), ("spo2", "97", 97.0), ("age", "45", 45.0),
    ("pt", "12.5", 12.5),
])
def test_unit_may_be_left_out_when_there_is_only_one(analyte, typed, canonical):
    assert parse_quantity(analyte, typed).value == canonical


@pytest.mark.parametrize(("analyte", "typed", "unit"), [
    ("haemoglobin", "7 mmol/L", "mmol/L"),
    ("platelets", "150 g/L", "g/L"),             # a mass concentration is not a count
    ("creatinine", "0.9 mg/L", "mg/L"),
    ("bilirubin", "1 g/dL", "g/dL"),
    ("lvef", "55 mL", "mL"),
    ("age", "45 kg", "kg"),          # '45 yrs' is read since issue 11: a coordinator types it
])
def test_unknown_unit_is_refused(analyte, typed, unit):
    reason = refusal(analyte, typed)
    assert (reason.code, reason.params["typed"]) == ("units.unit_unknown", unit)
    assert say(reason).startswith(f"'{unit}' is not a unit I accept here")


@pytest.mark.parametrize(("analyte", "typed"), [
    ("haemoglobin", "20 g/L"), ("haemoglobin", "250 g/L"), ("haemoglobin", "2 g/dL"),
    ("haemoglobin", "25 g/dL"), ("spo2", "50"), ("spo2", "100"), ("lvef", "5"), ("lvef", "90"),
    ("age", "0"), ("age", "120"), ("weight", "20"), ("weight", "300 kg"),
])
def test_plausible_at_the_edges(analyte, typed):
    parse_quantity(analyte, typed)


@pytest.mark.parametrize(("analyte", "typed"), [
    ("haemoglobin", "19.9 g/L"), ("haemoglobin", "250.1 g/L"), ("haemoglobin", "1.9 g/dL"),
    ("haemoglobin", "25.1 g/dL"), ("haemoglobin", "1100 g/L"), ("spo2", "49.9"), ("spo2", "101"),
    ("spo2", "0.97"), ("lvef", "4.9"), ("lvef", "90.1"), ("lvef", "0.55"), ("age", "-1"),
    ("age", "121"), ("weight", "19.9"), ("weight", "300.1 kg"),
])
def test_implausible_values_are_refused(analyte, typed):
    reason = refusal(analyte, typed)
    assert reason.code == "units.implausible"
    assert "probably a typo or the wrong unit" in say(reason)


def test_implausible_message_names_value_and_range():
    reason = refusal("haemoglobin", "1.9 g/dL")
    assert reason.params == {"example": "110 g/L", "number": "1.9", "unit": "g/dL", "low": 20,
                             "high": 250, "canonical": "g/L"}
    assert say(reason).startswith("1.9 g/dL is outside 20-250 g/L")


@pytest.mark.parametrize(("analyte", "typed"), [("age", "45.5"), ("sledai", "6.5")])
def test_whole_numbers_only(analyte, typed):
    reason = refusal(analyte, typed)
    assert reason.code == "units.whole" and say(reason).startswith("Please type a whole number")


def test_whole_number_may_be_written_with_zero_decimals():
    assert parse_quantity("sledai", "7.0").value == 7


@pytest.mark.parametrize("typed", ["", "abc", "high", "g/L 110", "1..2"])
def test_not_a_number(typed):
    with pytest.raises(QuantityError):
        parse_quantity("haemoglobin", typed)


@pytest.mark.parametrize("typed", ["150,000 /µL", "1,500 µmol/L"])
def test_thousands_comma_is_refused_not_guessed(typed):
    analyte = "platelets" if "µL" in typed else "creatinine"
    reason = refusal(analyte, typed)
    assert reason.code == "units.ambiguous" and "without a thousands separator" in say(reason)


@pytest.mark.parametrize(("value", "analyte", "unit", "expected"), [
    (88.4, "creatinine", "mg/dL", 1.0), (176.8, "creatinine", "mg/dL", 2.0),
    (34.2, "bilirubin", "mg/dL", 2.0), (110.0, "haemoglobin", "g/dL", 11.0),
])
def test_convert_back(value, analyte, unit, expected):
    assert convert(value, analyte, unit) == pytest.approx(expected)


@pytest.mark.parametrize(("value", "shown"), [
    (12.0, "12"), (1.5, "1.5"), (0.3, "0.3"), (3.025, "3.025"), (39.95, "39.95"), (0.0, "0"),
])
def test_format_number(value, shown):
    assert format_number(value) == shown


def test_readings_offer_only_plausible_units_for_a_bare_number():
    from domain.units import readings

    assert readings("haemoglobin", "11.5") == ["11.5 g/dL"]
    assert readings("haemoglobin", "115") == ["115 g/L"]
    assert readings("creatinine", "1.2") == ["1.2 mg/dL"]
    assert readings("haemoglobin", "11.5 g/dL") == []   # the unit is there already
    assert readings("alt", "35") == []                 # one unit: nothing to choose


# --- hostile typing: thousands separators, signs, non-finite and absurdly long numbers --------

@pytest.mark.parametrize(("analyte", "typed", "decimal", "thousands"), [
    ("alt", "1.500", "1.5", "1500"),              # European thousands point, or 1.5?
    ("alt", "1,500", "1.5", "1500"),
    ("platelets", "150.000 /µL", "150", "150000"),
    ("platelets", "150,000 /µL", "150", "150000"),
    ("platelets", "1500,000 /µL", "1500", "1500000"),  # 1,500,000 with a point left out?
    ("lymphocytes", "1.200 /µL", "1.2", "1200"),
    ("creatinine", "1.250 µmol/L", "1.25", "1250"),    # only the thousands reading plausible
    ("alt", "+1.500", "1.5", "1500"),
])
def test_point_or_comma_before_three_digits_is_refused_not_guessed(analyte, typed, decimal,
                                                                  thousands):
    assert say(refusal(analyte, typed)) == (
        f"{typed.split()[0]} could be {decimal} or {thousands}: please type {thousands} or "
        f"{decimal}, without a thousands separator."
    )


@pytest.mark.parametrize(("analyte", "typed", "value"), [
    ("inr", "0.500", 0.5),                # after a lone 0 a point is a decimal point
    ("inr", "0,750", 0.75),
    ("pga", "0.500", 0.5),
    ("alt", "1.5000", 1.5),               # four decimals: not a thousands group
    ("alt", "1.50", 1.5),
    ("inr", "1.25", 1.25),
    ("platelets", "150.5 ×10^9/L", 150.5),
    ("inr", "1.725", 1.725),              # 1725 is no INR: the point is a decimal point
    ("haemoglobin", "11.500 g/dL", 115),  # 11500 g/dL is no haemoglobin
    ("haemoglobin", "110.000 g/L", 110),
    ("creatinine", "1.250 mg/dL", 110.5),
    ("platelets", "150.000 ×10^9/L", 150),
    ("creatinine", "1500.000 µmol/L", 1500),
    ("sledai", "7.000", 7),
    ("age", "45,000", 45),
])
def test_decimals_that_cannot_be_thousands_are_read(analyte, typed, value):
    assert parse_quantity(analyte, typed).value == value


@pytest.mark.parametrize("typed", [
    "1.234.567 /µL", "1,234,567 /µL", "1,234.5 /µL", "1.234,5 /µL", "150'000 /µL",
    "150’000 /µL", "1.5.3 /µL",
])
def test_thousands_separators_are_refused(typed):
    reason = refusal("platelets", typed)
    assert reason.code == "units.separators"
    assert say(reason) == (
        f"Please type {typed.split()[0]} without thousands separators and with at most one "
        f"decimal point, e.g. 150 ×10^9/L."
    )


@pytest.mark.parametrize("typed", [
    "150 000 /µL", "150 000", "150\u2009000 /µL", "150\u202f000/µL", "150\u00a0000", "2 5 ×10^9/L",
])
def test_a_number_in_pieces_is_refused(typed):
    reason = refusal("platelets", typed)
    assert reason.code == "units.in_pieces"
    assert say(reason) == (
        "Please type the number in one piece, without spaces inside it, e.g. 150 ×10^9/L.")


@pytest.mark.parametrize(("analyte", "typed"), [
    ("age", "-0"), ("age", "-0.0"), ("treatment", "-0"), ("weeks", "-0"), ("steroid_mg", "-0"),
    ("pga", "-0"), ("pga", "-0,0"), ("pga", "-0.000"), ("platelets", "-0 ×10^9/L"),
])
def test_minus_zero_is_refused_never_stored_as_negative_zero(analyte, typed):
    analyte = "months" if analyte == "treatment" else analyte
    reason = refusal(analyte, typed)
    assert reason.code == "units.minus_zero"
    assert say(reason).startswith("Please type 0 without a minus sign")


@pytest.mark.parametrize(("analyte", "typed"), [("age", "0"), ("age", "+0"), ("pga", "+0.0")])
def test_zero_is_stored_as_plain_zero(analyte, typed):
    value = parse_quantity(analyte, typed).value
    assert value == 0 and math.copysign(1, value) == 1


@pytest.mark.parametrize("analyte", sorted(ANALYTES))
@pytest.mark.parametrize("number", ["-1", "-0.5", "-35", "-150"])
def test_negative_numbers_are_refused_for_every_analyte(analyte, number):
    with pytest.raises(QuantityError):
        parse_quantity(analyte, f"{number} {ANALYTES[analyte].canonical}")


@pytest.mark.parametrize("typed", ["nan", "NaN", "inf", "-inf", "infinity", "∞", ".5", "5.",
                                   "1..2", "+", "-"])
def test_non_numbers_are_refused(typed):
    reason = refusal("alt", typed)
    assert reason == Reason(code="units.not_a_number", params={"example": "35"})
    assert say(reason) == "Please type a number, e.g. 35."


@pytest.mark.parametrize("typed", ["1e999", "1E5", "1e-5", "3e2 U/L"])
def test_e_notation_is_refused(typed):
    reason = refusal("alt", typed)
    assert reason.code == "units.exponent" and "without 'e' notation" in say(reason)


@pytest.mark.parametrize(("analyte", "typed", "value"), [
    ("alt", "999999999999", None),              # 12 digits: read (and found implausible)
    ("alt", "000000000035", 35.0),
    ("inr", "1.00000000000", 1.0),
    ("platelets", "150.000000000 ×10^9/L", 150.0),
])
def test_twelve_digits_are_read(analyte, typed, value):
    if value is None:
        assert refusal(analyte, typed).code == "units.implausible"
    else:
        assert parse_quantity(analyte, typed).value == value


@pytest.mark.parametrize("typed", [
    "1000000000000", "0000000000035", "1.000000000000", "150.0000000000 ×10^9/L",
    "1" * 45, "0" * 43 + "35", "150." + "0" * 42 + "1 ×10^9/L", "1" * 5000,
])
def test_more_than_twelve_digits_is_refused(typed):
    analyte = "platelets" if "×" in typed else "alt"
    reason = refusal(analyte, typed)
    assert reason.code == "units.too_long"
    assert say(reason).startswith("That number has more than 12 digits")
    assert len(say(reason)) < 200                       # the typed number is not echoed


def test_full_width_digits_and_comma_are_read():
    assert parse_quantity("haemoglobin", "１１，５ g/dL").value == 115.0
    assert readings("haemoglobin", "１１，５") == ["11.5 g/dL"]


def test_a_long_unknown_unit_is_not_echoed_in_full():
    assert len(say(refusal("haemoglobin", "110 " + "g" * 4000))) < 200


def test_readings_of_a_thousands_group_are_refused_too():
    assert readings("platelets", "150.000") == []      # not even '150.000 ×10^9/L'
    assert readings("haemoglobin", "11.500") == []
    assert readings("platelets", "150,000") == []
    assert readings("platelets", "-0") == []
    assert readings("platelets", "1" * 45) == []
    assert readings("platelets", "0" * 40 + "150") == []


def test_readings_spell_the_number_plainly():
    assert readings("haemoglobin", "11,5") == ["11.5 g/dL"]
    assert readings("platelets", "+150") == ["150 ×10^9/L", "150 ×10^3/µL", "150 /µL"]


LONGEST = ["999999999999", "000000000150", "0.00000000001", "150.000000000", "1234567.12345",
           "０００００００００１５０", "+99999999999.9", "0,99999999999"]


@pytest.mark.parametrize("analyte", sorted(ANALYTES))
@pytest.mark.parametrize("number", LONGEST)
def test_readings_fit_in_callback_data_for_the_longest_numbers(analyte, number):
    for reading in readings(analyte, number):
        assert len(reading.encode()) <= 40, reading


@given(st.sampled_from(sorted(ANALYTES)),
       st.text(alphabet="0123456789０１２.,，'’ +-e\u2009", max_size=60))
@settings(max_examples=1500, deadline=None)
def test_every_reading_fits_in_callback_data(analyte, typed):
    for reading in readings(analyte, typed):
        assert len(reading.encode()) <= 40, reading
        assert parse_quantity(analyte, reading).unit in ANALYTES[analyte].units


@given(st.sampled_from(sorted(ANALYTES)), st.text(max_size=40))
@settings(max_examples=1500, deadline=None)
def test_any_text_is_read_or_refused_with_a_message(analyte, typed):
    try:
        quantity = parse_quantity(analyte, typed)
    except QuantityError as refused:
        assert say(refused.reason)
        return
    low, high = ANALYTES[analyte].plausible
    assert math.isfinite(quantity.value) and low <= quantity.value <= high
    assert math.copysign(1, quantity.value) == 1
