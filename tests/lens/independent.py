"""Independent computations for the §10 tests: a separate jieba tokenizer built from the lexicon
file, and the spec's formulas over the generated rows (never the platform's own functions)."""

from __future__ import annotations

import io
import json
from fractions import Fraction
from pathlib import Path

import jieba

LEXICON = Path(__file__).resolve().parents[2] / "supervision" / "data" / "reference" / "topics.json"
_TK = None


def lexicon() -> dict[str, set[str]]:
    """Topic code → its terms, read from the shipped file."""
    data = json.loads(LEXICON.read_text(encoding="utf-8"))
    return {t["code"]: set(t["terms"]) for t in data["topics"]}


def tokenizer():
    """A jieba tokenizer of its own with every lexicon term as a user word."""
    global _TK
    if _TK is None:
        tk = jieba.Tokenizer()
        words = sorted({w for terms in lexicon().values() for w in terms})
        tk.load_userdict(io.StringIO("".join(f"{w} 2000000\n" for w in words)))
        _TK = tk
    return _TK


def topics_of(text: str | None) -> set[str]:
    """§10.2: the topics whose terms appear among the text's segments."""
    if not text:
        return set()
    segs = set(tokenizer().lcut(text, HMM=False))
    return {code for code, terms in lexicon().items() if segs & terms}


def received_rows(filing) -> list[dict]:
    """Rows received in the filing's period (not carried over)."""
    return [r for r in filing.rows if r["received_date"] >= filing.period.start]


def topic_counts(filing) -> dict[str, int]:
    """Received rows mentioning each topic."""
    out = dict.fromkeys(lexicon(), 0)
    for r in received_rows(filing):
        for code in topics_of(r["summary"]):
            out[code] += 1
    return out


def k01_expected(now: dict[str, int], before: dict[str, int] | None, min_rows=20, rise=100) -> set[str]:
    """§10.3 K01 over independent counts."""
    out = set()
    for code, n in now.items():
        prev = None if before is None else before.get(code, 0)
        if n >= min_rows and (prev is None or prev < 5 or Fraction(n - prev, prev) * 100 >= rise):
            out.add(code)
    return out


def group_measures(filing) -> dict[str, dict[str, int]]:
    """Per customer group: received (in period), closed, on time (§4.2), favourable (§4.4)."""
    out: dict[str, dict[str, int]] = {}
    deadlines = {"NONE": 15, "EXT30": 30, "EXT60": 60}
    for r in filing.rows:
        g = out.setdefault(r["customer_group"] or "NONE",
                           {"received": 0, "closed": 0, "on_time": 0, "favourable": 0, "escalated": 0})
        g["received"] += r["received_date"] >= filing.period.start
        if r["status"] == "CLOSED":
            g["closed"] += 1
            g["on_time"] += (r["closed_date"] - r["received_date"]).days <= deadlines[r["extension"]]
            g["favourable"] += r["outcome"] in ("UPHELD", "PARTIAL", "SETTLED")
            g["escalated"] += bool(r["escalated"])
    return out


def g01_expected(groups: dict[str, dict[str, int]]) -> set[str]:
    """§10.3 G01 with the default thresholds over independent group measures."""
    base = groups.get("NONE")
    if not base or not base["closed"]:
        return set()
    on0 = Fraction(base["on_time"] * 100, base["closed"])
    fav0 = Fraction(base["favourable"] * 100, base["closed"])
    out = set()
    for code, g in groups.items():
        if code == "NONE" or g["closed"] < 20:
            continue
        on = Fraction(g["on_time"] * 100, g["closed"])
        fav = Fraction(g["favourable"] * 100, g["closed"])
        if on0 - on > 10 or fav0 - fav > 15:
            out.add(code)
    return out
