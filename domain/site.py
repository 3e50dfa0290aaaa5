"""Site settings the clinical rules need: the local laboratory's upper limits of normal and the
units it reports in."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from domain.units import ANALYTES, spelled_unit

SEXES = ("female", "male")


class UpperLimits(BaseModel):
    """The site laboratory's upper limits of normal, in trialbot's canonical units.

    Defaults are common adult reference values; each site sets its own (configuration).
    Creatinine may have one limit per sex (`creatinine_female`, `creatinine_male`); where one is
    not set, `creatinine` holds for that sex too.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    alt: float = Field(40.0, gt=0, description="ALT, U/L")
    ast: float = Field(40.0, gt=0, description="AST, U/L")
    bilirubin: float = Field(21.0, gt=0, description="total bilirubin, µmol/L")
    creatinine: float = Field(104.0, gt=0, description="creatinine, µmol/L (both sexes)")
    creatinine_female: float | None = Field(None, gt=0, description="creatinine, women, µmol/L")
    creatinine_male: float | None = Field(None, gt=0, description="creatinine, men, µmol/L")
    inr: float = Field(1.2, gt=0, description="INR, ratio")
    pt: float = Field(13.0, gt=0, description="prothrombin time, s")

    def of(self, lab: str, sex: str | None = None) -> float:
        """The ULN of `lab` for a candidate of `sex`: the limit set for that sex if there is
        one, else the one for both. Sex unknown: the lowest limit that may apply (the strictest
        ratio), never a man's limit for a woman."""
        shared = getattr(self, lab)
        by_sex = {s: getattr(self, f"{lab}_{s}", None) for s in SEXES}
        if sex in by_sex:
            return by_sex[sex] or shared
        return min([shared, *(limit for limit in by_sex.values() if limit)])


class LabUnits(BaseModel):
    """The unit the site laboratory reports each analyte in, where more than one is accepted: a
    number typed without a unit is read in it when that is its only likely reading
    (domain.units.parse_quantity), else the coordinator is asked. None: always asked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bilirubin: str | None = "µmol/L"
    creatinine: str | None = "µmol/L"
    haemoglobin: str | None = "g/L"
    neutrophils: str | None = "×10^9/L"
    lymphocytes: str | None = "×10^9/L"
    platelets: str | None = "×10^9/L"

    @field_validator("*")
    @classmethod
    def _accepted(cls, unit: str | None, info: ValidationInfo) -> str | None:
        """A unit the analyte accepts, spelled as typed on a phone or properly ('umol/L')."""
        if unit is None:
            return None
        spelled = spelled_unit(info.field_name, unit)
        if spelled is None:
            accepted = ", ".join(ANALYTES[info.field_name].units)
            raise ValueError(f"{unit!r} is not a unit of {info.field_name} ({accepted})")
        return spelled

    def of(self, analyte: object) -> str | None:
        """The site's unit for an analyte named in domain.units.ANALYTES, if it has one."""
        return getattr(self, analyte, None) if isinstance(analyte, str) else None
