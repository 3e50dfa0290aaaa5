"""The gettext catalogues of handlers/texts.py: extract, refresh, compile.

`trialbot messages` (and `make messages`) runs `refresh()`: it extracts every text of
handlers/texts.py into handlers/locale/trialbot.pot (message context = the dict path, msgid =
the English text, plural dicts as msgid / msgid_plural), merges it into each language's .po
(new texts arrive untranslated, changed ones fuzzy; the tests then fail until they are
translated) and compiles the .mo files. No telegram import: it runs from the shell.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from handlers import i18n, texts

Entry = tuple[str, str | tuple[str, str]]  # (context, msgid or (msgid, msgid_plural))
POT = i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot"


def entries() -> Iterator[Entry]:
    """Every text of the catalogue, in the order of handlers/texts.py."""
    for name, value in vars(texts).items():
        if isinstance(value, i18n.Texts):
            yield from _walk(name, value.english)


def _walk(path: str, value) -> Iterator[Entry]:
    if path in i18n.NOT_TRANSLATED:
        return
    if isinstance(value, str):
        if value:  # an empty text needs no translation (msgid "" is the header)
            yield path, value
    elif i18n.is_plural(value):
        other = value["other"]
        yield path, (value.get("one", other), other)
        if "zero" in value:
            yield from _walk(f"{path}.zero", value["zero"])
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(f"{path}.{key}", item)
    elif isinstance(value, tuple):
        for n, item in enumerate(value):
            yield from _walk(f"{path}.{n}", item)


def template() -> Catalog:
    catalog = Catalog(project="trialbot", version="0.1.0", fuzzy=False)
    for context, msgid in entries():
        catalog.add(msgid, context=context)
    return catalog


def read(path: Path, language: str) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=language)


def write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as target:
        write_po(target, catalog, width=100, sort_output=False)


def compile_mo(language: str) -> Path:
    mo = i18n.po_path(language).with_suffix(".mo")
    with mo.open("wb") as target:
        write_mo(target, read(i18n.po_path(language), language))
    return mo


def refresh() -> list[Path]:
    """Extract the .pot, merge it into every translation's .po, compile the .mo files."""
    pot = template()
    write(pot, POT)
    written = [POT]
    for language in i18n.LANGUAGES:
        if language == i18n.ENGLISH:
            continue
        po = i18n.po_path(language)
        catalog = read(po, language) if po.exists() else Catalog(locale=language)
        catalog.update(pot, no_fuzzy_matching=True)
        catalog.fuzzy = False  # the header: a fuzzy one would leave Plural-Forms out of the .mo
        write(catalog, po)
        written += [po, compile_mo(language)]
    return written
