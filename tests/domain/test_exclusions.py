"""Exclusion criteria from the protocol file: asked after the inclusion questions, judged in
the same criteria table, listed in the verdict; none shipped, and then every verdict says so."""

import pytest

from domain.eligibility import Verdict, assess
from domain.protocol import ProtocolError, parse_protocol
from domain.questions import AnswerError, Context, next_question, question_by_id, read_answer
from domain.site import UpperLimits
from handlers.wording import say
from storage.protocol_file import DEFAULT_PROTOCOL_FILE
from tests.domain.conftest import criterion, eligible_answers, walk

# What a site appends to its protocol file (README.md shows the same).
EXCLUSIONS = '''
[[eligibility.exclusions]]
id = "active_infection"
title = "Active infection"
question = "Does the candidate have an active infection needing systemic treatment?"
kind = "yes_no"
excludes = "yes"

[[eligibility.exclusions]]
id = "hbv_dna"
title = "HBV DNA"
question = "HBV DNA in IU/mL? Type 0 if undetectable."
kind = "number"
unit = "IU/mL"
plausible = [0, 1e9]
excludes = ">="
limit = 20

[[eligibility.exclusions]]
id = "lactation"
title = "Lactation"
question = "Is she breastfeeding?"
kind = "yes_no"
excludes = "yes"
sex = "female"
'''
CLEAR = {"exclusion_active_infection": "no", "exclusion_hbv_dna": "0",
         "exclusion_lactation": "no"}


def with_exclusions(text: str = EXCLUSIONS):
    return parse_protocol(DEFAULT_PROTOCOL_FILE.read_text(encoding="utf-8") + text)


@pytest.fixture
def site() -> Context:
    return Context(with_exclusions(), UpperLimits())


def exclusions_of(verdict: Verdict) -> list[tuple[int, str, str]]:
    return [(c.number, c.status, say(c.reason)) for c in verdict.criteria
            if c.group == "exclusion"]


def test_the_shipped_protocol_has_none_and_every_verdict_says_so(ctx):
    assert ctx.protocol.eligibility.exclusions == ()
    eligible = assess(eligible_answers(ctx), ctx)
    assert eligible.status == "eligible"
    assert say(eligible.summary) == ("Inclusion criteria 1-11 met; no exclusion criteria are "
                                     "configured: check the full protocol")
    failed = assess(eligible_answers(ctx, age="75"), ctx)
    assert say(failed.summary) == "No exclusion criteria are configured: check the full protocol"
    assert say(assess({}, ctx).summary) == say(failed.summary)
    assert [c.group for c in eligible.criteria] == ["inclusion"] * 22


def test_exclusions_are_asked_after_the_inclusion_questions_in_file_order(site):
    answers = walk(site, exclusion_active_infection=None)
    assert list(answers)[-1] == "contraception_consent"       # the last inclusion question
    assert next_question(answers, site).id == "exclusion_active_infection"
    answers = eligible_answers(site, **CLEAR)
    assert list(answers)[-3:] == ["exclusion_active_infection", "exclusion_hbv_dna",
                                  "exclusion_lactation"]


def test_an_exclusion_for_one_sex_is_asked_only_of_it(site):
    man = eligible_answers(site, sex="male", **CLEAR)
    assert "exclusion_lactation" not in man
    verdict = assess(man, site)
    assert verdict.status == "eligible"
    assert exclusions_of(verdict)[2] == (3, "not_applicable",
                                         "Lactation: not applicable (male)")


def test_none_applies_the_candidate_is_eligible_and_the_verdict_lists_them(site):
    verdict = assess(eligible_answers(site, **CLEAR), site)
    assert verdict.status == "eligible"
    assert say(verdict.summary) == ("Inclusion criteria 1-11 met; none of the 3 exclusion "
                                    "criteria applies")
    assert exclusions_of(verdict) == [
        (1, "met", "Active infection: no, not excluded"),
        (2, "met", "HBV DNA: 0 IU/mL < 20 IU/mL, not excluded"),
        (3, "met", "Lactation: no, not excluded"),
    ]


def test_an_excluding_answer_makes_the_candidate_not_eligible(site):
    verdict = assess(eligible_answers(site, **{**CLEAR, "exclusion_lactation": "yes"}), site)
    assert verdict.status == "not_eligible"
    assert verdict.summary is None
    [failed] = verdict.failed
    assert (failed.group, failed.number, failed.title) == ("exclusion", 3, "Lactation")
    assert say(failed.reason) == "Lactation: yes, which excludes the candidate"


@pytest.mark.parametrize(("typed", "status", "reason"), [
    ("19.99", "met", "HBV DNA: 19.99 IU/mL < 20 IU/mL, not excluded"),
    ("20", "not_met", "HBV DNA: 20 IU/mL ≥ 20 IU/mL, which excludes the candidate"),
    ("20 IU/mL", "not_met", "20 IU/mL ≥ 20 IU/mL"),
    ("20.01 iu/ml", "not_met", "20.01 IU/mL ≥ 20 IU/mL"),
])
def test_a_number_exclusion_at_its_limit(site, typed, status, reason):
    answers = eligible_answers(site, **{**CLEAR, "exclusion_hbv_dna": typed})
    result = criterion(assess(answers, site), "exclusion_hbv_dna")
    assert result.status == status
    assert reason in say(result.reason)


@pytest.mark.parametrize(("typed", "message"), [
    ("2e9", "without 'e' notation"),
    ("2000000000", "outside 0-1000000000 IU/mL"),
    ("20 copies/mL", "'copies/mL' is not a unit I accept here. Use IU/mL"),
    ("lots", "Please type a number, e.g. 20."),
])
def test_a_number_exclusion_refuses_what_is_not_a_plausible_value(site, typed, message):
    question = question_by_id(site, "exclusion_hbv_dna")
    with pytest.raises(AnswerError) as refused:
        read_answer(question, typed, {}, site)
    assert message in say(refused.value.reason)


def test_an_unanswered_exclusion_leaves_the_screening_incomplete(site):
    verdict = assess(walk(site, **{**CLEAR, "exclusion_hbv_dna": None}), site)
    assert verdict.status == "incomplete"
    assert verdict.missing_questions == ["exclusion_hbv_dna", "exclusion_lactation"]
    assert criterion(verdict, "exclusion_hbv_dna").status == "missing"


def test_a_stored_verdict_keeps_the_exclusions_and_their_words(site):
    verdict = assess(eligible_answers(site, **{**CLEAR, "exclusion_active_infection": "yes"}),
                     site)
    stored = Verdict.model_validate(verdict.model_dump(mode="json"))
    assert [(c.group, c.number, c.title, c.status, say(c.reason)) for c in stored.criteria] == [
        (c.group, c.number, c.title, c.status, say(c.reason)) for c in verdict.criteria]
    assert say(stored.failed[0].reason) == "Active infection: yes, which excludes the candidate"


def test_one_exclusion_is_said_in_the_singular(ctx):
    one = Context(with_exclusions(EXCLUSIONS.split("\n\n")[0]), UpperLimits())
    verdict = assess(eligible_answers(one, exclusion_active_infection="no"), one)
    assert say(verdict.summary) == ("Inclusion criteria 1-11 met; the exclusion criterion does "
                                    "not apply")


@pytest.mark.parametrize(("entry", "message"), [
    ('id = "x"\ntitle = "X"\nquestion = "X?"\nkind = "yes_no"\nexcludes = ">"',
     'excludes on "yes" or "no"'),
    ('id = "x"\ntitle = "X"\nquestion = "X?"\nkind = "yes_no"\nexcludes = "yes"\nlimit = 3',
     "has no unit"),
    ('id = "x"\ntitle = "X"\nquestion = "X?"\nkind = "number"\nexcludes = "yes"',
     'excludes on ">", ">=", "<" or "<="'),
    ('id = "x"\ntitle = "X"\nquestion = "X?"\nkind = "number"\nexcludes = ">"\nlimit = 3',
     "needs unit, plausible"),
    ('id = "x"\ntitle = "X"\nquestion = "X?"\nkind = "number"\nexcludes = ">"\nlimit = 30\n'
     'unit = "%"\nplausible = [0, 20]', "around the limit"),
    ('id = "Active infection"\ntitle = "X"\nquestion = "X?"\nkind = "yes_no"\nexcludes = "yes"',
     "exclusions.0.id"),
    ('id = "x"\ntitle = "X"\nquestion = "X?"\nkind = "free_text"\nexcludes = "yes"',
     "exclusions.0.kind"),
])
def test_a_malformed_exclusion_is_refused_naming_the_field(entry, message):
    with pytest.raises(ProtocolError, match="eligibility") as refused:
        with_exclusions(f"\n[[eligibility.exclusions]]\n{entry}\n")
    assert message in str(refused.value)


def test_an_exclusion_id_used_twice_is_refused():
    entry = '\n[[eligibility.exclusions]]\nid = "hiv"\ntitle = "HIV"\nquestion = "HIV?"\n' \
            'kind = "yes_no"\nexcludes = "yes"\n'
    with pytest.raises(ProtocolError, match="id hiv is used twice"):
        with_exclusions(entry + entry)


def test_the_readme_example_is_a_valid_protocol_file_addition():
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    protocol = with_exclusions(block)
    assert [e.id for e in protocol.eligibility.exclusions] == [
        "active_infection", "hbv_dna", "lactation"]
    assert protocol == with_exclusions()      # the same criteria these tests screen against
