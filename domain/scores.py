"""Clinical scores and formulas: SLEDAI-2K, 2019 EULAR/ACR, Cockcroft-Gault, steroid equivalents.

Sources: ../shared/reference/clinical.md (Gladman 2002; Aringer 2019; Cockcroft-Gault).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

# SLEDAI-2K: descriptor -> (weight, label). Order as on the published form.
SLEDAI_DESCRIPTORS: dict[str, tuple[int, str]] = {
    "seizure": (8, "Seizure"),
    "psychosis": (8, "Psychosis"),
    "organic_brain_syndrome": (8, "Organic brain syndrome"),
    "visual_disturbance": (8, "Visual disturbance"),
    "cranial_nerve_disorder": (8, "Cranial nerve disorder"),
    "lupus_headache": (8, "Lupus headache"),
    "cerebrovascular_accident": (8, "Cerebrovascular accident"),
    "vasculitis": (8, "Vasculitis"),
    "arthritis": (4, "Arthritis (≥2 joints)"),
    "myositis": (4, "Myositis"),
    "urinary_casts": (4, "Urinary casts"),
    "hematuria": (4, "Haematuria (>5 RBC/hpf)"),
    "proteinuria": (4, "Proteinuria (>0.5 g/24 h)"),
    "pyuria": (4, "Pyuria (>5 WBC/hpf)"),
    "rash": (2, "Rash (inflammatory)"),
    "alopecia": (2, "Alopecia"),
    "mucosal_ulcers": (2, "Mucosal ulcers"),
    "pleurisy": (2, "Pleurisy"),
    "pericarditis": (2, "Pericarditis"),
    "low_complement": (2, "Low complement (C3 or C4)"),
    "increased_dna_binding": (2, "Increased DNA binding"),
    "fever": (1, "Fever (>38 °C)"),
    "thrombocytopenia": (1, "Thrombocytopenia (<100×10^9/L)"),
    "leukopenia": (1, "Leukopenia (<3×10^9/L)"),
}
SLEDAI_WEIGHTS = {key: weight for key, (weight, _) in SLEDAI_DESCRIPTORS.items()}
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


class ClassificationItem(NamedTuple):
    domain: str
    weight: int
    label: str
    clinical: bool


# 2019 EULAR/ACR SLE classification: additive criteria, only the highest per domain counts.
EULAR_ACR_2019_ITEMS: dict[str, ClassificationItem] = {
    "fever": ClassificationItem("constitutional", 2, "Fever >38.3 °C", True),
    "leukopenia": ClassificationItem("haematologic", 3, "Leukopenia <4×10^9/L", True),
    "thrombocytopenia": ClassificationItem("haematologic", 4, "Thrombocytopenia <100×10^9/L", True),
    "autoimmune_haemolysis": ClassificationItem("haematologic", 4, "Autoimmune haemolysis", True),
    "delirium": ClassificationItem("neuropsychiatric", 2, "Delirium", True),
    "psychosis": ClassificationItem("neuropsychiatric", 3, "Psychosis", True),
    "seizure": ClassificationItem("neuropsychiatric", 5, "Seizure", True),
    "alopecia": ClassificationItem("mucocutaneous", 2, "Non-scarring alopecia", True),
    "oral_ulcers": ClassificationItem("mucocutaneous", 2, "Oral ulcers", True),
    "subacute_or_discoid": ClassificationItem(
        "mucocutaneous", 4, "Subacute cutaneous or discoid lupus", True),
    "acute_cutaneous": ClassificationItem("mucocutaneous", 6, "Acute cutaneous lupus", True),
    "effusion": ClassificationItem("serosal", 5, "Pleural or pericardial effusion", True),
    "acute_pericarditis": ClassificationItem("serosal", 6, "Acute pericarditis", True),
    "joint_involvement": ClassificationItem("musculoskeletal", 6, "Joint involvement", True),
    "proteinuria": ClassificationItem("renal", 4, "Proteinuria >0.5 g/24 h", True),
    "nephritis_ii_v": ClassificationItem("renal", 8, "Biopsy: class II or V lupus nephritis", True),
    "nephritis_iii_iv": ClassificationItem(
        "renal", 10, "Biopsy: class III or IV lupus nephritis", True),
    # Immunology is three domains in Aringer 2019 (antiphospholipid antibodies, complement
    # proteins, SLE-specific antibodies): the highest of each counts, up to 2 + 4 + 6.
    "antiphospholipid": ClassificationItem(
        "antiphospholipid_antibodies", 2, "Antiphospholipid antibodies", False),
    "low_c3_or_c4": ClassificationItem("complement_proteins", 3, "Low C3 or low C4", False),
    "low_c3_and_c4": ClassificationItem("complement_proteins", 4, "Low C3 and low C4", False),
    "anti_dsdna_or_sm": ClassificationItem(
        "sle_specific_antibodies", 6, "Anti-dsDNA or anti-Smith", False),
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
