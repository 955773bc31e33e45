"""The platform's own codes and English status words that must never appear on a Chinese page
(issue 10, "No raw codes or JSON in the UI"), and the reading of a page's visible text. The list is
owned here: the stored values of every state, kind and code list a page shows, plus the English
words earlier pages leaked. Not a test module.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from supervision.domain import enums as E

#: English words and placeholders that leaked onto pages before
LEAKED = ["queued", "complaint(s)", "median", "None", "null", "undefined", "Traceback", "true", "false",
          "ranked", "not_ranked", "not_filed", "carried over", "REGULATOR"]
#: stored codes of the complaint code lists that have English-looking codes (§4.5)
COMPLAINT_CODES = ["UPHELD", "PARTIAL", "SETTLED", "NOT_UPHELD", "DIRECT", "OTHER", "TXN", "SVC", "ELDERLY",
                   "MINOR", "EXT30", "EXT60", "CONSUMER_LOAN", "CREDIT_PAY", "PAYMENT_SERVICE", "ON_SALE",
                   "DISCONTINUED", "HOTLINE", "ONLINE", "COLLECTION", "GUARANTEE", "PLATFORM"]
#: stored values of every state, level, severity, role, kind shown on pages (from the enums)
ENUM_VALUES = sorted({m.value for enum in (E.VersionStatus, E.RegisterUploadStatus, E.FindingStatus,
                                           E.ReferralStatus, E.JobRunStatus, E.JobTrigger, E.NotificationKind,
                                           E.FindingLevel, E.Severity)
                      for m in enum}
                     | {"finding_opened", "job_failed", "opened_to_institution", "auto_closed", "referral_accepted",
                        "referral_answered", "referral_declined", "referred", "answered", "created", "updated",
                        "reopened"})
#: the §10.2 lexicon topic codes (pages show the topic's name)
TOPIC_CODES = ["T_COLLECTION_ABUSE", "T_AUTO_DEDUCTION", "T_HIDDEN_FEES", "T_CREDIT_REPORT", "T_EARLY_REPAYMENT",
               "T_MIS_SELLING", "T_ACCOUNT_FROZEN", "T_FRAUD", "T_PRIVACY", "T_SERVICE_ACCESS", "T_REFUND"]
RAW_WORDS: list[str] = sorted(set(LEAKED + COMPLAINT_CODES + ENUM_VALUES + TOPIC_CODES))

_SKIP_TAGS = {"script", "style", "template", "noscript"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_ENGLISH_SENTENCE = re.compile(r"([A-Za-z_]+[ ,;:.]+){4}")
_BRACKETED = re.compile(r"[(（][^()（）]*[)）]")
_JSON = re.compile(r'\{\s*"[A-Za-z_]+"\s*:')


class _Text(HTMLParser):
    """The text a reader sees, one line per block; hidden elements and ``<option>`` values skipped."""

    BLOCKS = frozenset({"p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "br",
                        "option", "summary", "caption", "label", "button", "section", "nav", "ul", "ol", "table", "pre",
                        "form"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.skip = 0
        self.stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in _VOID:
            hides = tag in _SKIP_TAGS or "hidden" in attrs
            self.stack.append((tag, hides))
            self.skip += hides
        if tag in self.BLOCKS:
            self.lines.append("")

    def handle_endtag(self, tag):
        if any(t == tag for t, _ in self.stack):
            while self.stack:
                t, hides = self.stack.pop()
                self.skip -= hides
                if t == tag:
                    break
        if tag in self.BLOCKS:
            self.lines.append("")

    def handle_data(self, data):
        if not self.skip:
            self.lines[-1] += data


def visible_lines(html: str) -> list[str]:
    """The page's text lines (e-mail addresses removed: an address is a name, not a code)."""
    parser = _Text()
    parser.feed(html)
    return [_EMAIL.sub(" ", " ".join(line.split())) for line in parser.lines if line.strip()]


def raw_words_on(html: str) -> list[str]:
    """The words of :data:`RAW_WORDS` on the page. As in the lead's walk (walk_roles.py), a code in
    brackets beside its Chinese name (the spec's own wording: 已办结（CLOSED）) and English sentences
    of bilingual texts (the English half of an error message) are not counted."""
    found = set()
    for line in visible_lines(html):
        line = _BRACKETED.sub("", line)
        if _ENGLISH_SENTENCE.search(line):
            continue
        for word in RAW_WORDS:
            if re.search(r"(?<![A-Za-z_])" + re.escape(word) + r"(?![A-Za-z_])", line):
                found.add(word)
    return sorted(found)


def json_on(html: str) -> bool:
    """True when JSON is shown on the page."""
    return any(_JSON.search(line) for line in visible_lines(html))
