"""Shared helpers for the clinical-domain tests.

Answers are built the way the chat builds them: walk `next_question`, read each typed answer
with `read_answer`, store `.value`. `TYPED` is a complete eligible screening (a woman of
childbearing potential); a test changes only what it is about.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from domain.eligibility import CriterionResult, Verdict, assess
from domain.protocol import Protocol
from domain.questions import Context, next_question, question_by_id, read_answer
from domain.site import UpperLimits
from storage.protocol_file import DEFAULT_PROTOCOL_FILE, load_protocol

TYPED: dict[str, Any] = {
    "consent": "yes",
    "age": "45",
    "sex": "female",
    "sle_criteria": "eular_acr_2019",
    "ana_entry": "yes",
    "eular_items": ["fever", "anti_dsdna_or_sm", "low_c3_and_c4"],
    "glucocorticoid": "yes",
    "immunosuppressant": "yes",
    "biologic": "no",
    "treatment_months": "6",
    "stable_weeks": "4",
    "still_active": "yes",
    "glucocorticoid_drug": "prednisone",
    "glucocorticoid_dose": "10 mg",
    "ana": "yes",
    "anti_dsdna": "yes",
    "anti_sm": "no",
    "sledai_mode": "descriptors",
    "sledai_descriptors": ["arthritis", "rash", "low_complement", "proteinuria"],  # 12 / 6
    "sledai_total": "12",
    "clinical_sledai_total": "6",
    "bilag_constitutional": "C",
    "bilag_mucocutaneous": "A",
    "bilag_neuropsychiatric": "E",
    "bilag_musculoskeletal": "C",
    "bilag_cardiorespiratory": "E",
    "bilag_gastrointestinal": "E",
    "bilag_ophthalmic": "E",
    "bilag_renal": "D",
    "bilag_haematological": "C",
    "pga": "1.5",
    "alt": "35",
    "ast": "30 U/L",
    "bilirubin": "12 µmol/L",
    "gilbert": "no",
    "creatinine": "80 µmol/L",
    "weight": "62 kg",
    "neutrophils": "2.5 ×10^9/L",
    "haemoglobin": "110 g/L",
    "platelets": "150 ×10^9/L",
    "lymphocytes": "1.2 ×10^9/L",
    "inr": "1.0",
    "pt": "12.5 s",
    "spo2": "97",
    "lvef": "60 %",
    "childbearing_potential": "yes",
    "pregnancy_test_negative": "yes",
    "contraception_consent": "yes",
    "reproductive_potential": "yes",
    "barrier_contraception_consent": "yes",
}


@pytest.fixture(scope="session")
def protocol() -> Protocol:
    return load_protocol()


@pytest.fixture
def ctx(protocol: Protocol) -> Context:
    return Context(protocol, UpperLimits())


def walk(ctx: Context, **changes: Any) -> dict[str, Any]:
    """Answers as the chat stores them, asking in `next_question` order.

    `changes` replace typed answers; a question typed as None (or not typed) ends the walk
    there, leaving an incomplete screening.
    """
    typed = {**TYPED, **changes}
    answers: dict[str, Any] = {}
    while (question := next_question(answers, ctx)) is not None:
        if typed.get(question.id) is None:
            break
        answers[question.id] = read_answer(question, typed[question.id], answers, ctx).value
    return answers


def eligible_answers(ctx: Context, **changes: Any) -> dict[str, Any]:
    """A complete screening: the eligible one, with `changes` typed instead."""
    answers = walk(ctx, **changes)
    assert next_question(answers, ctx) is None, "the typed answers do not complete the screening"
    return answers


def changed(ctx: Context, answers: dict[str, Any], question_id: str, typed: Any) -> dict:
    """`answers` with one answer retyped (read against the other answers), nothing re-walked."""
    answers = dict(answers)
    answers[question_id] = read_answer(question_by_id(ctx, question_id), typed, answers,
                                       ctx).value
    return answers


def criterion(verdict: Verdict, criterion_id: str) -> CriterionResult:
    return next(c for c in verdict.criteria if c.id == criterion_id)


def judge(ctx: Context, criterion_id: str, **changes: Any) -> CriterionResult:
    """The result of one criterion for the eligible screening with `changes` typed instead."""
    return criterion(assess(eligible_answers(ctx, **changes), ctx), criterion_id)


def amend_protocol(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """A copy of the shipped protocol file with each (old, new) text replaced once."""
    text = DEFAULT_PROTOCOL_FILE.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, f"{old!r} is not in the shipped protocol file"
        text = text.replace(old, new, 1)
    path = tmp_path / "amended.toml"
    path.write_text(text, encoding="utf-8")
    return path
