"""The 通报's CJK font (``supervision.notice.charts.cjk_font``) is found even when matplotlib's cached
font list predates its installation (a machine where the font package came after matplotlib's
first use: the charts failed with "no CJK font installed" until the cache was deleted)."""

from __future__ import annotations

from matplotlib import font_manager

from supervision.notice import charts


def test_a_font_installed_after_matplotlib_cached_its_list_is_found(monkeypatch):
    real = charts.cjk_font.__wrapped__()  # the platform's machines have one (CI installs it)
    family = font_manager.get_font(real).family_name
    assert family in charts.CJK_FONTS
    # the cached list without any CJK font (as it was on this machine before the fix)
    stale = [f for f in font_manager.fontManager.ttflist if f.name not in charts.CJK_FONTS]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    charts.cjk_font.cache_clear()
    try:
        found = charts.cjk_font()
    finally:
        charts.cjk_font.cache_clear()
    assert font_manager.get_font(found).family_name in charts.CJK_FONTS
    assert found.endswith((".ttf", ".ttc", ".otf"))
