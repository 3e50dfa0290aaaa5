"""Clinical scores and formulas: SLEDAI-2K, 2019 EULAR/ACR, Cockcroft-Gault, steroid equivalents.

Sources: ../shared/reference/clinical.md (Gladman 2002; Aringer 2019; Cockcroft-Gault).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

# SLEDAI-2K: descriptor -> weight. Order as on the published form (names: handlers/texts.py).
SLEDAI_DESCRIPTORS: dict[str, int] = {
    "seizure": 8,
    "psychosis": 8,
    "organic_brain_syndrome": 8,
    "visual_disturbance": 8,
    "cranial_nerve_disorder": 8,
    "lupus_headache": 8,
    "cerebrovascular_accident": 8,
    "vasculitis": 8,
    "arthritis": 4,
    "myositis": 4,
    "urinary_casts": 4,
    "hematuria": 4,
    "proteinuria": 4,
    "pyuria": 4,
    "rash": 2,
    "alopecia": 2,
    "mucosal_ulcers": 2,
    "pleurisy": 2,
    "pericarditis": 2,
    "low_complement": 2,
    "increased_dna_binding": 2,
    "fever": 1,
    "thrombocytopenia": 1,
    "leukopenia": 1,
}
SLEDAI_WEIGHTS = SLEDAI_DESCRIPTORS
SLEDAI_MAX = sum(SLEDAI_WEIGHTS.values())  # 105


def _check_known(items: Iterable[str], known: dict, what: str) -> set[str]:
    chosen = set(items)
    unknown = chosen - known.keys()
    if unknown:
        raise ValueError(f"unknown {what}: {', '.join(sorted(unknown))}")
    return chosen


def sledai_2k(present: Iterable[str]) -> int:
    """SLEDAI-2K total: the sum of the weights of the descriptors present."""
    return sum(SLEDAI_WEIGHTS[d] for d in _check_known(present, SLEDAI_WEIGHTS, "descriptor"))


def clinical_sledai_2k(present: Iterable[str], excluded: Iterable[str]) -> int:
    """SLEDAI-2K without the descriptors the protocol excludes (urine and laboratory items)."""
    chosen = _check_known(present, SLEDAI_WEIGHTS, "descriptor")
    return sledai_2k(chosen - set(excluded))


def excluded_points(excluded: Iterable[str]) -> int:
    """The most the excluded (urine and laboratory) descriptors can add: 22 for RD06-04's 8."""
    return sledai_2k(excluded)


def sledai_pair_problem(total: float, clinical: float, excluded: Iterable[str]) -> str | None:
    """Why a SLEDAI-2K total and a clinical SLEDAI-2K cannot both be true, or None.

    The clinical score is the total without the excluded descriptors, so it is never above the
    total, the two differ by at most what the excluded descriptors can add, and the clinical
    score is at most what the other descriptors can add (83 for RD06-04)."""
    most_excluded = excluded_points(excluded)
    if clinical > total:
        return "clinical_above_total"
    if clinical > SLEDAI_MAX - most_excluded:
        return "clinical_above_most"
    if total - clinical > most_excluded:
        return "difference_above_excluded"
    return None


class ClassificationItem(NamedTuple):
    domain: str
    weight: int
    clinical: bool


# 2019 EULAR/ACR SLE classification: additive criteria, only the highest per domain counts.
# (Item names: handlers/texts.py.)
EULAR_ACR_2019_ITEMS: dict[str, ClassificationItem] = {
    "fever": ClassificationItem("constitutional", 2, True),
    "leukopenia": ClassificationItem("haematologic", 3, True),
    "thrombocytopenia": ClassificationItem("haematologic", 4, True),
    "autoimmune_haemolysis": ClassificationItem("haematologic", 4, True),
    "delirium": ClassificationItem("neuropsychiatric", 2, True),
    "psychosis": ClassificationItem("neuropsychiatric", 3, True),
    "seizure": ClassificationItem("neuropsychiatric", 5, True),
    "alopecia": ClassificationItem("mucocutaneous", 2, True),
    "oral_ulcers": ClassificationItem("mucocutaneous", 2, True),
    "subacute_or_discoid": ClassificationItem("mucocutaneous", 4, True),
    "acute_cutaneous": ClassificationItem("mucocutaneous", 6, True),
    "effusion": ClassificationItem("serosal", 5, True),
    "acute_pericarditis": ClassificationItem("serosal", 6, True),
    "joint_involvement": ClassificationItem("musculoskeletal", 6, True),
    "proteinuria": ClassificationItem("renal", 4, True),
    "nephritis_ii_v": ClassificationItem("renal", 8, True),
    "nephritis_iii_iv": ClassificationItem("renal", 10, True),
    # Immunology is three domains in Aringer 2019 (antiphospholipid antibodies, complement
    # proteins, SLE-specific antibodies): the highest of each counts, up to 2 + 4 + 6.
    "antiphospholipid": ClassificationItem("antiphospholipid_antibodies", 2, False),
    "low_c3_or_c4": ClassificationItem("complement_proteins", 3, False),
    "low_c3_and_c4": ClassificationItem("complement_proteins", 4, False),
    "anti_dsdna_or_sm": ClassificationItem("sle_specific_antibodies", 6, False),
}
EULAR_ACR_2019_THRESHOLD = 10


class ClassificationScore(NamedTuple):
    points: int
    has_clinical: bool
    classified: bool


def eular_acr_2019(ana_entry: bool, items: Iterable[str]) -> ClassificationScore:
    """2019 EULAR/ACR: ANA >= 1:80 entry, >= 10 points, at least one clinical criterion."""
    chosen = _check_known(items, EULAR_ACR_2019_ITEMS, "2019 EULAR/ACR item")
    best: dict[str, int] = {}
    for key in chosen:
        item = EULAR_ACR_2019_ITEMS[key]
        best[item.domain] = max(best.get(item.domain, 0), item.weight)
    points = sum(best.values())
    has_clinical = any(EULAR_ACR_2019_ITEMS[key].clinical for key in chosen)
    classified = ana_entry and has_clinical and points >= EULAR_ACR_2019_THRESHOLD
    return ClassificationScore(points, has_clinical, classified)


def cockcroft_gault(*, age: float, weight_kg: float, creatinine_mg_dl: float, sex: str) -> float:
    """Creatinine clearance in mL/min: (140 - age) × kg / (72 × Cr mg/dL), × 0.85 for women."""
    if creatinine_mg_dl <= 0:
        raise ValueError("creatinine must be positive")
    clearance = (140 - age) * weight_kg / (72 * creatinine_mg_dl)
    return clearance * 0.85 if sex == "female" else clearance


# Glucocorticoid doses equivalent to prednisone 5 mg.
PREDNISONE_5MG_EQUIVALENT = {
    "prednisone": 5.0,
    "prednisolone": 5.0,
    "methylprednisolone": 4.0,
    "triamcinolone": 4.0,
    "hydrocortisone": 20.0,
    "cortisone": 25.0,
    "dexamethasone": 0.75,
    "betamethasone": 0.6,
}


def prednisone_equivalent(drug: str, mg_per_day: float) -> float:
    """Daily dose of `drug` expressed as prednisone mg/day."""
    return mg_per_day * 5.0 / PREDNISONE_5MG_EQUIVALENT[drug]
