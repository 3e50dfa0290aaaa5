"""The gettext catalogues of handlers/texts.py (issue 14): every text has its Chinese
translation, with the same placeholders, and every catalogue entry is a text that exists."""

from __future__ import annotations

import string

from handlers import i18n
from handlers.catalogue import entries, read


def chinese():
    return {m.context: m for m in read(i18n.po_path(i18n.CHINESE), i18n.CHINESE) if m.id}


def fields(text: str) -> list:
    return sorted((n, s, c) for _, n, s, c in string.Formatter().parse(text) if n is not None)


def test_every_text_has_a_chinese_translation():
    catalogue = chinese()
    missing = [context for context, msgid in entries()
               if context not in catalogue or catalogue[context].id != msgid
               or not all(catalogue[context].string if isinstance(msgid, tuple)
                          else [catalogue[context].string])
               or catalogue[context].fuzzy]
    assert not missing, f"untranslated (run `make messages`, then translate): {missing}"


def test_every_catalogue_entry_is_a_text():
    texts = {context for context, _ in entries()}
    stale = sorted(set(chinese()) - texts)
    assert not stale, f"catalogue entries of no text (run `make messages`): {stale}"


def test_translations_keep_the_placeholders():
    catalogue = chinese()
    for context, msgid in entries():
        english = msgid[-1] if isinstance(msgid, tuple) else msgid
        said = catalogue[context].string
        said = said[0] if isinstance(said, tuple) else said
        assert fields(said) == fields(english), context


def test_a_text_is_read_in_the_readers_language():
    from handlers.texts import ALERTS, COMMON, SCREENING
    from handlers.wording import plural

    assert COMMON["yes"] == "Yes"
    with i18n.speaking(i18n.CHINESE):
        assert COMMON["yes"] == "是"
        assert SCREENING["verdict"]["eligible"] == "合格"
        assert plural(ALERTS["list_title"], 0) == "没有等待确认收到的提醒。"
    assert COMMON["yes"] == "Yes"
