"""The Issue every ingest failure becomes, and a collector capping issues per rule with exact totals."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from supervision.rules import catalog

#: Values seen are shown up to this many characters, then cut with an explicit marker.
VALUE_DISPLAY_CHARS = 200
#: Default number of issues kept per rule (the total per rule is always exact).
DEFAULT_CAP_PER_RULE = 200


def value_text(value: object) -> str | None:
    """Render a value seen as text (dates ISO, Decimals plain, booleans TRUE/FALSE)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def display(text: str | None, limit: int = VALUE_DISPLAY_CHARS) -> tuple[str | None, int | None]:
    """Cut ``text`` to ``limit`` characters with an explicit marker; return it and the full length."""
    if text is None:
        return None, None
    if len(text) <= limit:
        return text, len(text)
    marker = f"…［已截断，共 {len(text)} 字符 / truncated, {len(text)} chars］"
    return text[:limit] + marker, len(text)


@dataclass(frozen=True)
class Issue:
    """One failure: rule, severity, where (sheet, 1-based row, column letter, field) and what was seen.

    ``value`` is the value seen as display text, cut to :data:`VALUE_DISPLAY_CHARS` with an
    explicit marker (``value_length`` holds the full length, so truncation is never silent).
    """

    rule: str
    severity: str
    sheet: str | None
    row: int | None
    column: str | None
    field: str | None
    value: str | None
    message_zh: str
    message_en: str
    value_length: int | None = None
    level: str | None = None

    @classmethod
    def make(cls, rule: str, *, sheet: str | None = None, row: int | None = None, column: str | None = None,
             field: str | None = None, value: object = None, variant: str | None = None,
             level: str | None = None, **params: object) -> Issue:
        """Build an issue of ``rule``, rendering its messages from the catalogue with ``params``.

        ``value`` is also passed to the templates as ``{value}`` (display text) unless given in
        ``params``; ``sheet`` and ``field`` likewise as ``{sheet}`` and ``{field}``.
        """
        r = catalog.get(rule)
        text, length = display(value_text(value))
        params.setdefault("value", text if text is not None else "（空 / empty）")
        if sheet is not None:
            params.setdefault("sheet", sheet)
        if field is not None:
            params.setdefault("field", field)
        zh, en = catalog.render(rule, variant=variant, **params)
        return cls(rule, r.severity, sheet, row, column, field, text, zh, en, length,
                   level if level is not None else r.level)

    @property
    def truncated(self) -> bool:
        """True when ``value`` was cut for display."""
        return self.value is not None and self.value_length is not None and len(self.value) != self.value_length

    @property
    def blocking(self) -> bool:
        """True for blocking issues."""
        return self.severity == catalog.BLOCKING

    @property
    def cell(self) -> str | None:
        """The A1 reference of the issue's cell, when it has both a row and a column."""
        if self.row is None or self.column is None:
            return None
        return f"{self.column}{self.row}"

    @property
    def message(self) -> str:
        """The combined message, Chinese first."""
        return catalog.combined(self.message_zh, self.message_en)

    def as_dict(self) -> dict[str, object]:
        """Return a JSON-ready dict of the issue."""
        return {"rule": self.rule, "severity": self.severity, "level": self.level, "sheet": self.sheet,
                "row": self.row, "column": self.column, "field": self.field, "value": self.value,
                "value_length": self.value_length, "message_zh": self.message_zh,
                "message_en": self.message_en}


@dataclass
class IssueCollector:
    """Collect every failure; keep at most ``cap_per_rule`` issues per rule, count all exactly."""

    cap_per_rule: int = DEFAULT_CAP_PER_RULE
    _kept: list[Issue] = field(default_factory=list)
    _totals: Counter = field(default_factory=Counter)
    _severity: dict[str, str] = field(default_factory=dict)

    def add(self, issue: Issue) -> None:
        """Count ``issue`` and keep it if its rule is still under the cap."""
        self._totals[issue.rule] += 1
        self._severity[issue.rule] = issue.severity
        if self._totals[issue.rule] <= self.cap_per_rule:
            self._kept.append(issue)

    def report(self, rule: str, **kwargs: object) -> None:
        """Shorthand for ``add(Issue.make(rule, **kwargs))`` that skips rendering past the cap."""
        if self._totals[rule] >= self.cap_per_rule:
            self._totals[rule] += 1
            self._severity[rule] = catalog.get(rule).severity
            return
        self.add(Issue.make(rule, **kwargs))

    def extend(self, issues: Iterable[Issue]) -> None:
        """Add every issue of ``issues``."""
        for issue in issues:
            self.add(issue)

    def extend_counted(self, kept: Iterable[Issue], totals: dict[str, int]) -> None:
        """Add failures counted elsewhere: ``totals`` per rule (every occurrence) and ``kept``, the first
        of them within each rule's remaining cap, already in the order they were found."""
        for issue in kept:
            self._kept.append(issue)
            self._severity[issue.rule] = issue.severity
        for rule, n in totals.items():
            if n:
                self._totals[rule] += n
                self._severity.setdefault(rule, catalog.get(rule).severity)

    @property
    def issues(self) -> list[Issue]:
        """The kept issues, in the order they were found."""
        return list(self._kept)

    def __iter__(self) -> Iterator[Issue]:
        """Iterate over the kept issues."""
        return iter(self._kept)

    def __len__(self) -> int:
        """Number of kept issues (see :attr:`totals` for exact counts)."""
        return len(self._kept)

    @property
    def totals(self) -> dict[str, int]:
        """Exact number of failures per rule, including those past the cap."""
        return dict(self._totals)

    @property
    def total(self) -> int:
        """Exact number of failures of all rules."""
        return sum(self._totals.values())

    def capped(self) -> dict[str, int]:
        """Rules whose issues were capped, with the number left out."""
        return {r: n - self.cap_per_rule for r, n in self._totals.items() if n > self.cap_per_rule}

    def count(self, severity: str) -> int:
        """Exact number of failures of ``severity``."""
        return sum(n for r, n in self._totals.items() if self._severity[r] == severity)

    @property
    def has_blocking(self) -> bool:
        """True if any blocking failure was found."""
        return self.count(catalog.BLOCKING) > 0

    def rules(self) -> set[str]:
        """IDs of every rule that failed at least once."""
        return set(self._totals)
