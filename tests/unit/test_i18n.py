"""Every visible string has a Chinese translation and the catalogue is compiled."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "supervision/translations/zh/LC_MESSAGES/messages.po"


def test_every_extracted_string_is_translated():
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="zh")
    translated = {m.id for m in catalog if m.id and m.string}
    method_map = [("supervision/**.py", "python"), ("supervision/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
    found = set()
    for _fn, _line, msg, _c, _ctx in extract_from_dir(str(ROOT), method_map=method_map, keywords=keywords):
        found.add(msg if isinstance(msg, str) else msg[0])
    missing = sorted(found - translated)
    assert not missing, f"untranslated (run tools/i18n_zh.py): {missing}"


def test_catalogue_is_compiled():
    assert PO.with_suffix(".mo").exists(), "run `make translations` (pybabel compile)"
