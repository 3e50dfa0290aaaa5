"""Rebuild handlers/fonts/NotoSansSC-trialbot.otf: Noto Sans CJK SC cut down to the characters
the Chinese catalogue uses, so charts drawn for a zh reader show Chinese instead of boxes
(matplotlib's DejaVu Sans has no CJK glyphs) without shipping a 16 MB font.

    make font SOURCE=/path/to/NotoSansCJKsc-Regular.otf

The source is Adobe's and Google's Noto Sans CJK SC (SIL Open Font License 1.1, which allows
subsetting and redistribution: OFL.txt beside the font), e.g. from the noto-cjk release or the
mplfonts wheel on PyPI. Run it again whenever a translation brings a new character:
tests/handlers/test_chart_font.py fails until then.
"""

from __future__ import annotations

import string
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from fontTools import subset

HERE = Path(__file__).parent
FONT = HERE / "NotoSansSC-trialbot.otf"
CATALOGUE = HERE.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "trialbot.po"
# Beside the catalogue's own characters: ASCII, the marks charts and numbers use.
ALWAYS = string.printable + "×⁰¹²³⁴⁵⁶⁷⁸⁹⁻·–—…≥≤±°µμ"


def catalogue_characters(path: Path = CATALOGUE) -> set[str]:
    """Every character of every Chinese translation."""
    with path.open("rb") as file:
        catalogue = read_po(file)
    texts = [m.string for m in catalogue if m.id]
    return {c for t in texts for s in (t if isinstance(t, tuple | list) else [t]) for c in s or ""}


def chinese(character: str) -> bool:
    """A character DejaVu Sans lacks and Noto Sans CJK SC has: CJK ideographs, punctuation and
    full-width forms (emoji and arrows in buttons are never drawn in a chart)."""
    code = ord(character)
    return any(low <= code <= high for low, high in CJK_BLOCKS)


CJK_BLOCKS = ((0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xFF00, 0xFFEF))


def characters() -> str:
    return "".join(sorted(catalogue_characters() | set(ALWAYS)))


def build(source: Path, target: Path = FONT) -> None:
    options = subset.Options()
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.name_languages = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters())
    subsetter.subset(font)
    subset.save_font(font, str(target), options)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    build(Path(sys.argv[1]))
    print(f"{FONT}: {FONT.stat().st_size:,} bytes")
