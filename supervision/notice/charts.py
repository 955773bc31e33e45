"""Charts of the 通报 rendered server-side as PNG with a CJK font (matplotlib, Agg; no network).

The font is the first installed of :data:`CJK_FONTS` (fonts-wqy-microhei on the platform's
machines); without one, Chinese labels would be boxes, so :func:`cjk_font` raises instead.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache

CJK_FONTS = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
             "SimHei", "Microsoft YaHei")


@cache
def cjk_font() -> str:
    """Path of an installed CJK font file (raises ``RuntimeError`` when there is none)."""
    from matplotlib import font_manager

    by_name = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in by_name:
            return by_name[name]
    # matplotlib's font list is cached on first use: a font installed since is found on disk
    found = {}
    for path in font_manager.findSystemFonts():
        try:
            found.setdefault(font_manager.get_font(path).family_name, path)
        except (OSError, RuntimeError, ValueError):  # a file FreeType cannot read is no candidate
            continue
    for name in CJK_FONTS:
        if name in found:
            return found[name]
    raise RuntimeError("没有可用的中文字体（如 fonts-wqy-microhei）/ no CJK font installed (e.g. fonts-wqy-microhei)")


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], median: float | None = None,
              median_label: str = "中位数", unit: str = "") -> bytes:
    """A horizontal bar chart (largest on top) as PNG bytes, with an optional median line."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    prop = font_manager.FontProperties(fname=cjk_font())
    n = max(len(labels), 1)
    fig = Figure(figsize=(6.3, 0.9 + 0.32 * n), dpi=150)
    ax = fig.add_subplot()
    ys = list(range(len(labels)))[::-1]
    ax.barh(ys, list(values), color="#3b6ea5")
    ax.set_yticks(ys, labels=list(labels), fontproperties=prop, fontsize=8)
    for y, v in zip(ys, values, strict=True):
        ax.text(v, y, f" {v:,g}{unit}", va="center", fontsize=7, fontproperties=prop)
    if median is not None:
        ax.axvline(median, color="#c0392b", linestyle="--", linewidth=1)
        ax.text(median, -0.75, f" {median_label} {median:g}", color="#c0392b", fontsize=7, va="top",
                fontproperties=prop)
    ax.set_title(title, fontproperties=prop, fontsize=10)
    ax.tick_params(axis="x", labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
