"""SLEDAI-2K, 2019 EULAR/ACR, Cockcroft-Gault and glucocorticoid equivalents."""

import pytest

from domain.scores import (
    EULAR_ACR_2019_ITEMS,
    PREDNISONE_5MG_EQUIVALENT,
    SLEDAI_DESCRIPTORS,
    clinical_sledai_2k,
    cockcroft_gault,
    eular_acr_2019,
    prednisone_equivalent,
    sledai_2k,
)
from domain.units import convert, parse_quantity

RD06_EXCLUDES = (
    "urinary_casts", "hematuria", "proteinuria", "pyuria",
    "low_complement", "increased_dna_binding", "thrombocytopenia", "leukopenia",
)


@pytest.mark.parametrize(("present", "total", "clinical"), [
    ((), 0, 0),
    (tuple(SLEDAI_DESCRIPTORS), 105, 83),                                 # 105 - 22 laboratory
    (("arthritis", "rash", "low_complement", "proteinuria"), 12, 6),
    (("seizure", "vasculitis"), 16, 16),
    (("urinary_casts", "hematuria", "proteinuria", "pyuria"), 16, 0),
    (("fever", "thrombocytopenia", "leukopenia"), 3, 1),
    (("rash", "alopecia", "increased_dna_binding"), 6, 4),
])
def test_sledai_2k_worked_cases(present, total, clinical):
    assert sledai_2k(present) == total
    assert clinical_sledai_2k(present, RD06_EXCLUDES) == clinical


def test_protocol_excludes_are_the_eight_laboratory_items(protocol):
    assert set(protocol.eligibility.clinical_sledai_excludes) == set(RD06_EXCLUDES)


def test_clinical_sledai_follows_the_excluded_set():
    present = ("arthritis", "rash", "low_complement", "proteinuria")
    assert clinical_sledai_2k(present, ("low_complement", "increased_dna_binding")) == 10
    assert clinical_sledai_2k(present, ()) == 12


def test_unknown_sledai_descriptor_is_refused():
    with pytest.raises(ValueError, match="unknown descriptor: headache"):
        sledai_2k(["arthritis", "headache"])
    with pytest.raises(ValueError, match="unknown descriptor: rash2"):
        clinical_sledai_2k(["rash2"], RD06_EXCLUDES)


@pytest.mark.parametrize(("items", "points", "has_clinical", "classified"), [
    # only the highest item of a domain counts
    (["acute_cutaneous", "oral_ulcers", "alopecia", "subacute_or_discoid"], 6, True, False),
    (["nephritis_iii_iv", "proteinuria", "nephritis_ii_v"], 10, True, True),
    (["seizure", "psychosis", "delirium"], 5, True, False),
    (["leukopenia", "thrombocytopenia", "autoimmune_haemolysis"], 4, True, False),
    (["effusion", "acute_pericarditis"], 6, True, False),
    (["low_c3_or_c4", "low_c3_and_c4"], 4, False, False),
    # the immunology criteria are three domains (antiphospholipid, complement, SLE antibodies)
    (["anti_dsdna_or_sm", "low_c3_and_c4"], 10, False, False),                # 10, no clinical
    (["anti_dsdna_or_sm", "low_c3_and_c4", "antiphospholipid"], 12, False, False),
    (["fever", "anti_dsdna_or_sm", "low_c3_and_c4"], 12, True, True),
    (["fever", "anti_dsdna_or_sm", "low_c3_or_c4"], 11, True, True),
    (["joint_involvement", "fever"], 8, True, False),
    (["joint_involvement", "oral_ulcers", "fever"], 10, True, True),          # exactly 10
    (["joint_involvement", "alopecia", "oral_ulcers"], 8, True, False),       # one domain: 2
    ([], 0, False, False),
    (list(EULAR_ACR_2019_ITEMS), 2 + 4 + 5 + 6 + 6 + 6 + 10 + 2 + 4 + 6, True, True),
])
def test_eular_acr_2019(items, points, has_clinical, classified):
    assert eular_acr_2019(True, items) == (points, has_clinical, classified)


def test_eular_acr_2019_needs_the_ana_entry_criterion():
    score = eular_acr_2019(False, ["nephritis_iii_iv", "anti_dsdna_or_sm", "joint_involvement"])
    assert (score.points, score.has_clinical, score.classified) == (22, True, False)


def test_unknown_2019_item_is_refused():
    with pytest.raises(ValueError, match="unknown 2019 EULAR/ACR item: malar"):
        eular_acr_2019(True, ["malar"])


@pytest.mark.parametrize(("age", "weight", "creatinine", "sex", "clearance"), [
    (40, 72, 1.0, "male", 100.0),
    (40, 72, 1.0, "female", 85.0),
    (60, 72, 2.0, "male", 40.0),
    (20, 72, 2.55, "female", 40.0),
    (70, 50, 1.0, "male", 70 * 50 / 72),
])
def test_cockcroft_gault(age, weight, creatinine, sex, clearance):
    result = cockcroft_gault(age=age, weight_kg=weight, creatinine_mg_dl=creatinine, sex=sex)
    assert result == pytest.approx(clearance)


def test_cockcroft_gault_from_micromoles():
    mg_dl = convert(parse_quantity("creatinine", "88.4 µmol/L").value, "creatinine", "mg/dL")
    assert mg_dl == pytest.approx(1.0)
    assert cockcroft_gault(age=40, weight_kg=72, creatinine_mg_dl=mg_dl, sex="male") == (
        pytest.approx(100.0))


def test_cockcroft_gault_refuses_zero_creatinine():
    with pytest.raises(ValueError, match="creatinine must be positive"):
        cockcroft_gault(age=40, weight_kg=72, creatinine_mg_dl=0, sex="male")


@pytest.mark.parametrize(("drug", "mg_equal_to_5_prednisone"), [
    ("prednisone", 5), ("prednisolone", 5), ("methylprednisolone", 4), ("triamcinolone", 4),
    ("hydrocortisone", 20), ("cortisone", 25), ("dexamethasone", 0.75), ("betamethasone", 0.6),
])
def test_prednisone_equivalents(drug, mg_equal_to_5_prednisone):
    assert prednisone_equivalent(drug, mg_equal_to_5_prednisone) == pytest.approx(5.0)
    assert prednisone_equivalent(drug, 1.5 * mg_equal_to_5_prednisone) == pytest.approx(7.5)


def test_every_listed_glucocorticoid_has_an_equivalent():
    assert len(PREDNISONE_5MG_EQUIVALENT) == 8
    assert prednisone_equivalent("methylprednisolone", 16) == pytest.approx(20.0)
    assert prednisone_equivalent("dexamethasone", 1.5) == pytest.approx(10.0)
