"""The reader's language: which catalogue a text of handlers/texts.py is read from.

English is the source: handlers/texts.py holds the English texts, and each dict path
("SCREENING.started") is a gettext message context. Other languages are gettext catalogues
under handlers/locale/<language>/LC_MESSAGES/trialbot.po (handlers/catalogue.py extracts and
refreshes them; `trialbot messages` / `make messages`). The compiled .mo is made from the .po
at first use when it is missing or older, so a fresh install needs no manual step.

The language is the recipient's: the gate sets it for each update from the staff record (or
Telegram's language_code), alert delivery for each recipient (`speaking`). A context variable
carries it, so handlers keep reading `T["key"]` as before. No telegram import here: the shell
words texts too.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from domain.languages import CHINESE, ENGLISH, LANGUAGES, language_for

__all__ = ["CHINESE", "ENGLISH", "LANGUAGES", "language_for", "speaking", "use", "current"]
DOMAIN = "trialbot"
LOCALE_DIR = Path(__file__).parent / "locale"
PLURAL_FORMS = frozenset({"zero", "one", "other"})
# Not words for a reader: command names, icons, and the export (the trial's record stays
# language-neutral, in the source language of its column meanings).
NOT_TRANSLATED = frozenset({"HELP.roles", "ALERTS.icons", "EXPORT"})

_language: ContextVar[str] = ContextVar("language", default=ENGLISH)


def current() -> str:
    return _language.get()


def use(language: str | None) -> None:
    """The language of the rest of this update (the gate calls it first thing)."""
    _language.set(language if language in LANGUAGES else ENGLISH)


@contextmanager
def speaking(language: str | None) -> Iterator[None]:
    """Texts read inside are in `language` (an alert worded for one recipient)."""
    token = _language.set(language if language in LANGUAGES else ENGLISH)
    try:
        yield
    finally:
        _language.reset(token)


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def compiled(language: str) -> bytes:
    """The .mo of a language: the shipped file if it is up to date, else compiled from the .po
    now (and saved, where the package directory is writable)."""
    po, mo = po_path(language), po_path(language).with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return mo.read_bytes()
    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    try:
        mo.write_bytes(buffer.getvalue())
    except OSError:
        pass
    return buffer.getvalue()


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    if language == ENGLISH:
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compiled(language)))


def text(context: str, english: str) -> str:
    """An empty text is empty in every language (msgid "" is a catalogue's header)."""
    return translations(current()).pgettext(context, english) if english else english


def plural_text(context: str, one: str, other: str, count: int) -> str:
    return translations(current()).npgettext(context, one, other, count)


def day(value: date) -> str:
    """A date as the reader's locale writes it: 2026-11-26 in English (as the ward types it),
    2026年11月26日 in Chinese."""
    if current() == ENGLISH:
        return value.isoformat()
    return format_date(value, format="long", locale=Locale.parse(current()))


def moment(value: datetime) -> str:
    """A local time (already in the site's time zone) as the reader's locale writes it:
    2026-11-26 14:05 in English, 2026年11月26日 14:05 in Chinese (the locale's date, its short
    time, joined by its own pattern)."""
    if current() == ENGLISH:
        return value.strftime("%Y-%m-%d %H:%M")
    locale = Locale.parse(current())
    return get_datetime_format("long", locale=locale).format(
        format_time(value, format="short", locale=locale), day(value.date()))


def is_plural(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= PLURAL_FORMS \
        and "other" in value


class Plural(dict):
    """A text with plural forms ("zero", "one", "other"), a dict of its English forms: in a
    catalogue a gettext msgid / msgid_plural pair (one, other) with the context of its path;
    "zero" is an entry of its own (path.zero), gettext having no zero form."""

    def __init__(self, path: str, forms: Mapping[str, str]):
        super().__init__(forms)
        self.path = path

    def pick(self, count: int) -> str:
        if count == 0 and "zero" in self:
            return text(f"{self.path}.zero", dict.__getitem__(self, "zero"))
        other = dict.__getitem__(self, "other")
        return plural_text(self.path, self.get("one", other), other, count)

    def __getitem__(self, form: str) -> str:
        dict.__getitem__(self, form)  # KeyError for a form it has not
        return self.pick({"zero": 0, "one": 1, "other": 2}[form])


class Texts(Mapping):
    """A dict of handlers/texts.py, read in the current language."""

    def __init__(self, path: str, english: Mapping[str, Any]):
        self.path, self.english = path, english

    def __getitem__(self, key: str) -> Any:
        return localised(f"{self.path}.{key}", self.english[key])

    def __iter__(self):
        return iter(self.english)

    def __len__(self) -> int:
        return len(self.english)

    def __repr__(self) -> str:
        return f"Texts({self.path!r})"


def translated(namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Each catalogue dict of handlers/texts.py (an upper-case name), read in the current
    language."""
    return {name: Texts(name, value) for name, value in namespace.items()
            if name.isupper() and isinstance(value, dict) and name not in NOT_TRANSLATED}


def localised(path: str, value: Any) -> Any:
    if path in NOT_TRANSLATED:
        return value
    if isinstance(value, str):
        return text(path, value)
    if is_plural(value):
        return Plural(path, value)
    if isinstance(value, dict):
        return Texts(path, value)
    if isinstance(value, tuple) and all(isinstance(item, str) for item in value):
        return tuple(text(f"{path}.{n}", item) for n, item in enumerate(value))
    return value
