"""The trial protocol as data: one validated pydantic model parsed from TOML text.

An amendment is an edit of the TOML file (read by storage.protocol_file). A malformed text is
refused with a message that names the field (pydantic's own error locations).
"""

from __future__ import annotations

import operator
import tomllib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from domain.design import DESIGN_SETTINGS, Design

Comparison = Literal["<=", "<", ">=", ">"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DoseLevel(Strict):
    level: int = Field(ge=1)
    label: str
    cells_per_kg: float = Field(gt=0)


class Escalation(Strict):
    cohort_size: int = Field(3, ge=1)
    expanded_cohort_size: int = Field(6, ge=1)
    max_participants: int = Field(12, ge=1)
    # Whether a not-evaluable participant, who is replaced, still takes one of the places.
    replaced_count_toward_cap: bool = True
    dlt_window_days: int = Field(28, ge=1)
    days_between_infusions: int = Field(0, ge=0)
    max_days_to_infusion: int = Field(60, gt=0)  # how far ahead an infusion may be planned
    # below this fraction of the target dose infused: not evaluable for DLT, replaced (unset:
    # no minimum; the registry entry names none)
    min_dose_fraction: float | None = Field(None, gt=0, le=1)

    @model_validator(mode="after")
    def _expansion_is_larger(self) -> Escalation:
        if self.expanded_cohort_size <= self.cohort_size:
            raise ValueError("expanded_cohort_size must be larger than cohort_size")
        return self


class LabLimit(Strict):
    """A laboratory threshold: absolute, or a multiple of the site's upper limit of normal."""

    kind: Literal["uln", "absolute"]
    op: Comparison
    limit: float = Field(gt=0)

    def compared(self, value: float, uln: float) -> float:
        """What is compared with `limit`: the value, or value / ULN (rounded against float noise,
        so that exactly 1.5×ULN is 1.5 and not 1.5000000000000002)."""
        return round(value / uln, 9) if self.kind == "uln" else value

    def passes(self, compared: float) -> bool:
        return _OPERATORS[self.op](compared, self.limit)


_OPERATORS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}


class Exclusion(Strict):
    """An exclusion criterion of the site's protocol: asked after the inclusion questions, in
    the protocol's own words (`question`), and named in the verdict by `title`.

    kind = "yes_no": `excludes` is the answer that excludes ("yes" or "no").
    kind = "number": a value typed in `unit`, refused outside `plausible` (a typo), and
    `excludes` is how it relates to `limit` to exclude (">" 500 excludes 501, not 500).
    `sex` asks it only of candidates of that sex (lactation: "female").
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,27}$")
    title: str = Field(min_length=1, max_length=60)
    question: str = Field(min_length=1, max_length=400)
    kind: Literal["yes_no", "number"]
    excludes: Literal["yes", "no"] | Comparison
    unit: str | None = Field(None, min_length=1, max_length=12)
    plausible: tuple[float, float] | None = None
    limit: float | None = None
    sex: Literal["female", "male"] | None = None

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Exclusion:
        if self.kind == "yes_no":
            if self.excludes not in ("yes", "no"):
                raise ValueError('a yes_no exclusion excludes on "yes" or "no"')
            if (self.unit, self.plausible, self.limit) != (None, None, None):
                raise ValueError("a yes_no exclusion has no unit, plausible range or limit")
            return self
        if self.excludes not in _OPERATORS:
            raise ValueError('a number exclusion excludes on ">", ">=", "<" or "<=" the limit')
        if self.unit is None or self.plausible is None or self.limit is None:
            raise ValueError("a number exclusion needs unit, plausible = [low, high] and limit")
        low, high = self.plausible
        if not 0 <= low < high or not low <= self.limit <= high:
            raise ValueError("plausible must be [low, high], 0 <= low < high, around the limit")
        return self

    def excluded(self, value: object) -> bool:
        """Whether an answer (yes/no, or a number in `unit`) excludes the candidate."""
        if self.kind == "yes_no":
            return value == self.excludes
        return _OPERATORS[self.excludes](value, self.limit)


REQUIRED_LABS = (
    "alt", "ast", "bilirubin", "creatinine", "neutrophils", "haemoglobin", "platelets",
    "lymphocytes", "inr", "pt", "spo2", "lvef",
)


class Eligibility(Strict):
    age_min: int = Field(ge=0, le=120)
    age_max: int = Field(ge=0, le=120)
    treatment_min_months: float = Field(ge=0)
    stable_dose_min_weeks: float = Field(ge=0)
    prednisone_min_mg_alone: float = Field(ge=0)
    sledai_min_exclusive: int = Field(ge=0)
    clinical_sledai_min: int = Field(ge=0)
    bilag_min_a: int = Field(ge=1, le=9)
    bilag_min_b: int = Field(ge=1, le=9)
    pga_min: float = Field(ge=0, le=3)
    creatinine_clearance_min: float = Field(gt=0)
    clinical_sledai_excludes: tuple[str, ...]
    labs: dict[str, LabLimit]
    screening_valid_days: int = Field(28, ge=1)  # a screening older than this is not enrolled
    exclusions: tuple[Exclusion, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Eligibility:
        if self.age_min > self.age_max:
            raise ValueError("age_min must not exceed age_max")
        missing = [lab for lab in REQUIRED_LABS if lab not in self.labs]
        if missing:
            raise ValueError(f"labs: missing {', '.join(missing)}")
        unknown_labs = [lab for lab in self.labs if lab not in REQUIRED_LABS]
        if unknown_labs:
            raise ValueError(f"labs: unknown {', '.join(unknown_labs)} (never checked)")
        from domain.site import UpperLimits  # local: site is a sibling pure module

        no_uln = [lab for lab, rule in self.labs.items()
                  if rule.kind == "uln" and lab not in UpperLimits.model_fields]
        if no_uln:
            raise ValueError(f"labs: {', '.join(no_uln)} has no site ULN, use kind = \"absolute\"")
        from domain.scores import SLEDAI_WEIGHTS  # local: scores is a sibling pure module

        unknown = [d for d in self.clinical_sledai_excludes if d not in SLEDAI_WEIGHTS]
        if unknown:
            raise ValueError(f"clinical_sledai_excludes: unknown descriptor {', '.join(unknown)}")
        ids = [exclusion.id for exclusion in self.exclusions]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"exclusions: id {', '.join(twice)} is used twice")
        return self


class DltRule(Strict):
    event: Literal["crs", "icans", "cytopenia", "infection", "other", "any"]
    min_grade: int = Field(ge=1, le=5)
    text: str
    check: str = ""  # what the grade alone cannot show (a duration, a course), for the investigator


class Protocol(Strict):
    name: str
    title: str
    escalation: Escalation
    dose_levels: tuple[DoseLevel, ...] = Field(min_length=1)
    eligibility: Eligibility
    dlt_definition: tuple[DltRule, ...] = ()

    @model_validator(mode="after")
    def _levels_numbered_in_order(self) -> Protocol:
        numbers = [d.level for d in self.dose_levels]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError("dose_levels must be numbered 1, 2, 3... in order")
        doses = [d.cells_per_kg for d in self.dose_levels]
        if doses != sorted(doses) or len(set(doses)) != len(doses):
            raise ValueError("dose_levels must have strictly increasing cells_per_kg")
        return self

    @property
    def design(self) -> Design:
        """What the 3+3 engine needs of the protocol (domain.design)."""
        return Design(name=self.name, labels=tuple(dose.label for dose in self.dose_levels),
                      **{setting: getattr(self.escalation, setting)
                         for setting in DESIGN_SETTINGS})

    def dose_level(self, level: int) -> DoseLevel:
        for dose in self.dose_levels:
            if dose.level == level:
                return dose
        raise KeyError(f"dose level {level} is not in protocol {self.name}")


class ProtocolError(ValueError):
    """The protocol file cannot be used; the message names the file and the field.

    Its messages (and the validators' above) stay English on purpose: they are for the shell
    operator who edits the TOML file and starts the bot, never shown to chat users, so they are
    not reasons of the catalogue (see tests/handlers/test_wording.py, ALLOWED_MODULES)."""


def parse_protocol(text: str, source: str = "protocol") -> Protocol:
    """Validate the TOML text of a protocol; `source` (e.g. the file's path) starts each error."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{source}: not valid TOML ({exc})") from exc
    try:
        return Protocol.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ProtocolError(f"{source}: {field}: {first['msg']}") from exc
