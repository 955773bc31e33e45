"""Every code of every spec code list has an English name (item 11 of the UX review); ``code_label``
follows the reader's locale and keeps the spec's Chinese names verbatim."""

from __future__ import annotations

import re

import pytest

from supervision.domain.code_labels import code_label, code_labels
from supervision.domain.code_names_en import CODE_NAMES_EN
from supervision.rules.codes import CODE_LISTS

CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


@pytest.mark.parametrize("list_name", sorted(CODE_LISTS))
def test_every_code_has_an_english_name(list_name):
    """Same codes in both tables, English names non-empty and free of Chinese characters."""
    assert set(CODE_NAMES_EN.get(list_name, {})) == set(CODE_LISTS[list_name])
    for code, name in CODE_NAMES_EN[list_name].items():
        assert name.strip() and not CJK.search(name), (list_name, code, name)


def test_no_english_list_without_a_spec_list():
    """The English table names no list the spec does not have."""
    assert set(CODE_NAMES_EN) == set(CODE_LISTS)


def test_code_label_by_locale():
    """Explicit locale wins; Chinese is the spec's name verbatim; unknown codes pass through."""
    assert code_label("status", "CLOSED", "zh") == CODE_LISTS["status"]["CLOSED"]
    assert code_label("status", "CLOSED", "en") == "Closed"
    assert code_label("province", "11", "en") == "Beijing"
    assert code_label("outcome", "WITHDRAWN", "en_GB") == "Withdrawn"
    assert code_label("cause", "C77", "en") == "C77"
    assert code_label("cause", None, "en") == "—"
    assert code_label("cause", "C05") == CODE_LISTS["cause"]["C05"]  # no request: Chinese
    assert list(code_labels("sector", "en")) == list(CODE_LISTS["sector"])


def test_code_label_follows_request_locale(app):
    """Inside a request the reader's language decides."""
    from supervision.main.helpers import code_name

    with app.test_request_context("/?lang=en"):
        from flask_babel import force_locale

        with force_locale("en"):
            assert code_name("business_category", "B03") == "Loans"
        with force_locale("zh"):
            assert code_name("business_category", "B03") == "贷款"


def test_coded_finding_subject_in_the_readers_language(app):
    """A G01 finding about elderly customers reads "Elderly" in English (the stored label is Chinese)."""
    from types import SimpleNamespace

    from flask_babel import force_locale

    from supervision.main.helpers import finding_subject

    g01 = SimpleNamespace(rule="G01", subject="ELDERLY", subject_label="老年人")
    other = SimpleNamespace(rule="D05", subject="P01", subject_label="某产品")
    with app.test_request_context("/"):
        with force_locale("en"):
            assert finding_subject(g01) == "Elderly" and finding_subject(other) == "某产品"
        with force_locale("zh"):
            assert finding_subject(g01) == "老年人"
