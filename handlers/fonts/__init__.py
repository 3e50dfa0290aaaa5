"""The fonts charts are drawn with: matplotlib's DejaVu Sans, and for the Chinese characters it
has no glyph for, the cut-down Noto Sans CJK SC beside this file (handlers/fonts/subset.py
makes it; OFL.txt is its licence)."""

from __future__ import annotations

import functools
from pathlib import Path

FONT = Path(__file__).with_name("NotoSansSC-trialbot.otf")
FAMILIES = ["DejaVu Sans", "Noto Sans CJK SC"]  # the second fills in what the first lacks


@functools.cache
def chart_fonts() -> dict:
    """matplotlib settings drawing English in DejaVu Sans and Chinese in Noto Sans SC (the
    font is registered once)."""
    from matplotlib import font_manager  # noqa: PLC0415  (only when a chart is drawn)

    font_manager.fontManager.addfont(str(FONT))
    return {"font.family": FAMILIES}
