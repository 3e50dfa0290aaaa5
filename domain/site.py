"""Site settings the clinical rules need: the local laboratory's upper limits of normal."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class UpperLimits(BaseModel):
    """The site laboratory's upper limits of normal, in trialbot's canonical units.

    Defaults are common adult reference values; each site sets its own (configuration).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    alt: float = Field(40.0, gt=0, description="ALT, U/L")
    ast: float = Field(40.0, gt=0, description="AST, U/L")
    bilirubin: float = Field(21.0, gt=0, description="total bilirubin, µmol/L")
    creatinine: float = Field(104.0, gt=0, description="creatinine, µmol/L")
    inr: float = Field(1.2, gt=0, description="INR, ratio")
    pt: float = Field(13.0, gt=0, description="prothrombin time, s")
