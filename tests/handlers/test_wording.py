"""The domain speaks codes; handlers/texts.py says them (handlers/wording.py).

Every code a domain module declares, and every refusal a use case may raise (domain.reasons
REFUSALS), has words in the catalogue; every catalogue entry is a declared code; no domain module
builds a user-facing English sentence.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

import domain.dates
import domain.dlt
import domain.dosing
import domain.eligibility
import domain.escalation
import domain.questions
import domain.reasons
import domain.simulation
import domain.units
from domain.reasons import Codes, Reason, Refused
from domain.scores import EULAR_ACR_2019_ITEMS, SLEDAI_DESCRIPTORS
from handlers import texts
from handlers.texts import COMPUTED_NAMES, CRITERION_TITLES, REASONS
from handlers.wording import plural, say
from storage.usecases.evaluation import NOT_TO_CONFIRM

MODULES = [domain.units, domain.questions, domain.dlt, domain.eligibility, domain.escalation,
           domain.simulation, domain.dosing]
DECLARED = sorted([*(code for module in MODULES for code in module.CODES),
                   *domain.reasons.REFUSALS.all])


def fields(template: str | dict) -> set[str]:
    """The parameter names a template (or each of its plural forms) uses."""
    forms = template.values() if isinstance(template, dict) else [template]
    return {name.split(".")[0].split("[")[0]
            for form in forms for _, name, _, _ in string.Formatter().parse(form) if name}


@pytest.mark.parametrize("code", DECLARED)
def test_every_declared_code_has_words(code):
    assert code in REASONS, f"{code} has no text in handlers/texts.py REASONS"
    example = {name: 1 for name in fields(REASONS[code])} | {"count": 2}
    assert say(Reason(code=code, params=example)).strip()


def test_every_catalogue_entry_is_a_declared_code():
    assert sorted(REASONS) == DECLARED


def test_a_use_case_cannot_refuse_with_an_undeclared_name():
    assert Refused("no_screening", number="S-404").reason == Reason(
        code="refusal.no_screening", params={"number": "S-404"})
    with pytest.raises(ValueError, match="undeclared reason code refusal.no_such_refusal"):
        Refused("no_such_refusal")


# Refusal names built from a domain.dates problem (f"infusion_{problem}"), by prefix.
REFUSAL_FAMILIES = {"infusion_": domain.dates.NEW_INFUSION_PROBLEMS,
                    "event_": domain.dates.EVENT_PROBLEMS,
                    "reschedule_": domain.dates.RESCHEDULE_REFUSALS,
                    "infused_": domain.dates.INFUSED_PROBLEMS,
                    "lymphodepletion_": domain.dates.LYMPHODEPLETION_PROBLEMS}
# Refusal names held in a variable: the names it may hold (corrections.checked_reason's problem).
REFUSAL_VARIABLES = {"problem": ("short_reason", "long_reason")}
# Refusal names looked up in a table of the use case (storage.usecases.evaluation).
REFUSAL_TABLES = {"NOT_TO_CONFIRM": tuple(NOT_TO_CONFIRM.values())}
STORAGE = Path(domain.reasons.__file__).parent.parent / "storage"


def refusals_raised(source: str) -> list[tuple[int, list[str], set[str]]]:
    """(line, refusal codes, parameter names) of every Refused(...) built in a module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Refused"):
            continue
        name, params = node.args[0], {k.arg for k in node.keywords}
        if isinstance(name, ast.Constant):
            codes = [name.value]
        elif isinstance(name, ast.Name):
            codes = list(REFUSAL_VARIABLES[name.id])
        elif isinstance(name, ast.Subscript):  # a table of names: NOT_TO_CONFIRM[outcome]
            codes = list(REFUSAL_TABLES[name.value.id])
        else:  # f"infusion_{problem}"
            prefix = name.values[0].value
            codes = [prefix + problem for problem in REFUSAL_FAMILIES[prefix]]
        found.append((node.lineno, [f"refusal.{code}" for code in codes], params))
    return found


@pytest.mark.parametrize("path", sorted(STORAGE.rglob("*.py")),
                         ids=lambda path: str(path.relative_to(STORAGE)))
def test_every_refusal_raised_gives_the_parameters_its_words_use(path):
    for line, codes, params in refusals_raised(path.read_text(encoding="utf-8")):
        for code in codes:
            assert code in domain.reasons.REFUSALS.all, f"{path.name}:{line} {code} undeclared"
            missing = fields(REASONS[code]) - params
            assert not missing, f"{path.name}:{line} {code} lacks {sorted(missing)}"


def test_the_refusal_parameter_check_can_fail():
    source = 'raise Refused("no_screening", numbr=n)\nraise Refused(f"event_{p}", date=d)'
    [(_, [typo], params), (_, family, _)] = refusals_raised(source)
    assert fields(REASONS[typo]) - params == {"number"}
    assert "refusal.event_after_window" in family


def test_every_criterion_computed_value_and_score_item_has_a_name():
    assert set(CRITERION_TITLES) == {cid for _, cid, _ in domain.eligibility.CRITERIA}
    assert set(COMPUTED_NAMES) == domain.eligibility.COMPUTED
    assert list(texts.SLEDAI_LABELS) == list(SLEDAI_DESCRIPTORS)   # in the published order
    assert list(texts.EULAR_LABELS) == list(EULAR_ACR_2019_ITEMS)


# A date problem is a plain key that each conversation words its own way.
DATE_TEXTS = [
    ("ENROLLMENT", domain.dates.INFUSION_PROBLEMS),
    ("RESCHEDULE", domain.dates.NEW_INFUSION_PROBLEMS | domain.dates.RESCHEDULE_REFUSALS),
    ("DLT", domain.dates.EVENT_PROBLEMS),
    # a withdrawal date has no last day (event_problem without last_day): no "after_window"
    ("WITHDRAWAL", domain.dates.EVENT_PROBLEMS - {"after_window"}),
    ("INFUSION", domain.dates.INFUSED_PROBLEMS | domain.dates.LYMPHODEPLETION_PROBLEMS),
]


@pytest.mark.parametrize(("conversation", "keys"), DATE_TEXTS)
def test_every_date_problem_has_words_where_it_can_arise(conversation, keys):
    words = getattr(texts, conversation)
    assert keys <= set(words), f"{conversation} lacks {sorted(keys - set(words))}"
    for key in keys:
        assert words[key].format(date="2026-01-01", first=2000, last=2099, example="x",
                                 max_days=60, latest="x", earliest="x", number="P-01",
                                 infusion="x", window_end="x", on="x")


def test_every_date_code_is_worded_somewhere():
    assert set().union(*(keys for _, keys in DATE_TEXTS)) == domain.dates.CODES


def test_a_code_without_words_fails_loudly():
    with pytest.raises(KeyError):
        say(Reason(code="units.no_such_code"))


def test_a_module_cannot_produce_an_undeclared_code():
    reason = Codes("units", "whole")
    assert reason("whole", example="45") == Reason(code="units.whole", params={"example": "45"})
    with pytest.raises(ValueError, match="undeclared"):
        reason("wholly")


# --- how wording fills a template ------------------------------------------------------------

def test_lists_floats_and_stored_reasons_are_said_by_the_catalogue():
    missing = Reason(code="units.unit_missing", params={"units": ["g/L", "g/dL"], "example": "1"})
    assert say(missing) == "Please add the unit (g/L or g/dL), e.g. 1."
    stored = missing.as_json()
    assert say(stored) == say(missing)
    choose = Reason(code="answer.choose_one", params={"choices": ["yes", "no"]})
    assert say(choose) == "Please choose one of: yes, no."
    above = Reason(code="answer.clinical_above_total", params={"clinical": 9.0, "total": 8.25})
    assert "(9) cannot be higher than the SLEDAI-2K total (8.25)" in say(above)


def test_plural_forms():
    forms = {"zero": "none", "one": "1 place", "other": "{count} places"}
    assert [plural(forms, n) for n in (0, 1, 2)] == ["none", "1 place", "{count} places"]
    assert plural({"one": "a", "other": "b"}, 0) == "b"


def test_a_stored_verdict_says_what_the_live_one_says():
    """A verdict is stored as JSON (finish_screening): its nested reasons read back the same."""
    from domain.eligibility import Verdict, assess
    from domain.questions import Context
    from domain.site import UpperLimits
    from storage.protocol_file import load_protocol
    from tests.domain.conftest import eligible_answers

    ctx = Context(load_protocol(), UpperLimits())
    verdict = assess(eligible_answers(ctx, creatinine="2 mg/dL", weight="72", age="60",
                                      sex="male"), ctx)
    stored = verdict.model_dump(mode="json")
    for live, kept in zip(verdict.criteria, stored["criteria"], strict=True):
        assert say(kept["reason"]) == say(live.reason)
    for key, value in Verdict.model_validate(stored).computed.items():
        assert say(value) == say(verdict.computed[key])


# --- no English sentence is built under domain/ -----------------------------------------------

DOMAIN = Path(domain.reasons.__file__).parent
WORD = re.compile(r"\b[a-z]{3,}\b")  # a lowercase word of three letters or more
# Raised builtin errors are programming errors (a value the chat never offers, e.g.
# dlt.check_report, scores' unknown items) or a protocol file the operator must fix (pydantic
# validators): their messages are for developers and the shell, not chat users.
PROGRAMMING_ERRORS = {"ValueError", "KeyError", "TypeError"}
ALLOWED_MODULES = {
    "protocol.py": "ProtocolError and the protocol file's checks speak to the shell operator "
                   "who edits the TOML file, never to chat users",
    "site.py": "the settings' field descriptions document the configuration for the operator",
}
ALLOWED_STRINGS = {
    "2019 EULAR/ACR item": "scores.py: names what is unknown in a ValueError (programming error)",
}


def _docstrings(tree: ast.AST) -> set[int]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {id(node.body[0].value) for node in ast.walk(tree) if isinstance(node, kinds)
            and node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)}


def _raised_builtin_errors(tree: ast.AST) -> set[int]:
    raised = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                and getattr(node.exc.func, "id", None) in PROGRAMMING_ERRORS):
            raised |= {id(part) for part in ast.walk(node.exc)}
    return raised


def string_constants(source: str) -> list[tuple[int, str]]:
    """Every string literal of a module except docstrings and raised programming errors; an
    f-string as one text with {} for each field."""
    tree = ast.parse(source)
    skipped = _docstrings(tree) | _raised_builtin_errors(tree)
    parts = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
             for part in node.values}
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped or id(node) in parts:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            found.append((node.lineno, "".join(
                part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)))
    return found


def sentences(source: str) -> list[tuple[int, str]]:
    """The string literals that look like English words for a user: a space and a lowercase
    word (codes, identifiers, units and format specs have neither)."""
    return [(line, text) for line, text in string_constants(source)
            if " " in text.strip() and WORD.search(text) and text not in ALLOWED_STRINGS]


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda path: path.name)
def test_no_english_sentence_is_built_under_domain(path):
    if path.name in ALLOWED_MODULES:
        pytest.skip(ALLOWED_MODULES[path.name])
    found = sentences(path.read_text(encoding="utf-8"))
    assert not found, f"{path.name} builds words for users (say them in handlers/texts.py): {found}"


def test_the_sentence_check_can_fail():
    source = '''
"""A docstring may say anything."""
def refuse(number):
    """So may this one."""
    code = "history.places_taken"
    if number > 12:
        raise ValueError(f"participant {number} is over the cap")
    return f"participant {number} was enrolled at DL2", code, "1NNT 2N", "×10^9/L"
'''
    assert sentences(source) == [(8, "participant {} was enrolled at DL2")]


def test_stored_alerts_say_what_the_engine_raised(tmp_path):
    """Engine alerts go to the outbox as kind + JSON params (nested reasons as dicts) and are
    worded when sent: the same words as the live alert. A history conflict stores its reason."""
    from domain.escalation import HistoryError, decide, parse_history
    from handlers.alert_words import alert_text
    from storage.database import open_database
    from storage.outbox import AlertDraft, add_alert
    from storage.protocol_file import load_protocol
    from storage.usecases.escalation import alert_draft

    protocol = load_protocol()
    db = open_database(tmp_path / "alerts.db", create=True)
    for alert in decide(protocol, parse_history("1NNN 2NTT")).alerts:
        stored = add_alert(db, alert_draft(alert))
        assert alert_text(protocol, stored) == say(alert.reason)
    with pytest.raises(HistoryError) as refused:
        decide(protocol, parse_history("2N"))
    error = refused.value.reason
    stored = add_alert(db, AlertDraft("history-conflict", "investigator", {
        "number": "P-01", "event": "report", "error": error.as_json()}))
    assert say(error) in alert_text(protocol, stored)
    assert "dose escalation starts at DL1" in alert_text(protocol, stored)


def test_a_list_is_joined_as_the_readers_language_joins_one():
    from handlers import i18n
    from handlers.wording import listed

    assert listed(["P-01", "P-02"]) == "P-01, P-02"
    with i18n.speaking(i18n.CHINESE):
        assert listed(["P-01", "P-02"]) == "P-01、P-02"
        assert listed(["a", "b"], "semicolons") == "a；b"
