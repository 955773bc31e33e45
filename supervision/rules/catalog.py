"""The one rule registry: every rule ID of filing-spec §6 plus the ingest warnings, as data.

A :class:`Rule` carries its severity, finding level, bilingual title, description and message
templates (``str.format`` with named parameters). Rules with several distinct cases (e.g. ``F05``
upload size / ratio / rows) have named *variants*, each with its own pair of templates. The data
lives in :mod:`supervision.rules.defs_ingest` (F, V, C, W) and :mod:`supervision.rules.defs_cross`
(P, X, D, S, T); this module assembles and serves it.

Messages are always Chinese first: :func:`render` returns ``(zh, en)`` and :func:`combined`
joins them with the Chinese line first.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from supervision.domain.enums import FindingLevel, Severity

RULESET_VERSION = "1"

#: short names of the severities for the rule data (the enum is the definition)
BLOCKING, WARNING, FINDING = Severity.BLOCKING, Severity.WARNING, Severity.FINDING
SEVERITIES = tuple(Severity)
LEVELS = tuple(FindingLevel)


@dataclass(frozen=True)
class Variant:
    """A named case of a rule with its own message templates."""

    key: str
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class Rule:
    """One rule: ID, severity, finding level(s), bilingual texts and message templates.

    ``level`` is the finding level (``high``/``medium``/``low``) or None for non-findings and for
    rules whose level depends on the case (``T01``: ``low`` when late, ``medium`` when missing);
    ``levels`` lists every level a finding of the rule can have.
    """

    id: str
    severity: str
    level: str | None
    levels: tuple[str, ...]
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    message_zh: str
    message_en: str
    variants: tuple[Variant, ...] = field(default=())

    def __post_init__(self) -> None:
        """Check severity and level consistency at import time."""
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.id}: bad severity {self.severity!r}")
        if self.severity == FINDING:
            if not self.levels or any(lv not in LEVELS for lv in self.levels):
                raise ValueError(f"{self.id}: findings need levels")
            if self.level is not None and self.level not in self.levels:
                raise ValueError(f"{self.id}: level not in levels")
        elif self.level is not None or self.levels:
            raise ValueError(f"{self.id}: only findings have a level")

    def variant(self, key: str | None) -> tuple[str, str]:
        """Return the ``(zh, en)`` templates of variant ``key`` (the default ones for None)."""
        if key is None:
            return self.message_zh, self.message_en
        for v in self.variants:
            if v.key == key:
                return v.message_zh, v.message_en
        raise KeyError(f"{self.id} has no variant {key!r}")

    def params(self) -> set[str]:
        """Return the names of every parameter used by any of the rule's templates."""
        names: set[str] = set()
        templates = [self.message_zh, self.message_en]
        for v in self.variants:
            templates += [v.message_zh, v.message_en]
        for tpl in templates:
            names.update(f for _, f, _, _ in string.Formatter().parse(tpl) if f)
        return names

    def as_dict(self) -> dict[str, object]:
        """Return a JSON-ready description of the rule (for the catalogue page and API)."""
        return {
            "id": self.id, "severity": self.severity, "level": self.level, "levels": list(self.levels),
            "title_zh": self.title_zh, "title_en": self.title_en,
            "description_zh": self.description_zh, "description_en": self.description_en,
            "message_zh": self.message_zh, "message_en": self.message_en,
            "variants": [{"key": v.key, "message_zh": v.message_zh, "message_en": v.message_en}
                         for v in self.variants],
            "ruleset_version": RULESET_VERSION,
        }


def _build() -> dict[str, Rule]:
    from supervision.rules import defs_cross, defs_ingest, defs_lens

    rules: dict[str, Rule] = {}
    for rule in (*defs_ingest.RULES, *defs_cross.RULES, *defs_lens.RULES):
        if rule.id in rules:
            raise ValueError(f"duplicate rule {rule.id}")
        rules[rule.id] = rule
    return rules


RULES: Mapping[str, Rule] = _build()


def get(rule_id: str) -> Rule:
    """Return the rule ``rule_id`` (KeyError for an unknown ID)."""
    return RULES[rule_id]


def all_rules() -> Iterator[Rule]:
    """Iterate over every rule in catalogue order."""
    return iter(RULES.values())


class _Params(dict):
    """Format mapping that leaves an unknown ``{name}`` visible instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(rule_id: str, /, variant: str | None = None, **params: object) -> tuple[str, str]:
    """Render the messages of ``rule_id`` (or of its ``variant``) as ``(zh, en)``.

    A parameter missing from ``params`` stays visible as ``{name}`` rather than failing a filing.
    """
    zh, en = RULES[rule_id].variant(variant)
    values = _Params({k: "" if v is None else v for k, v in params.items()})
    return zh.format_map(values), en.format_map(values)


def combined(zh: str, en: str, sep: str = "\n") -> str:
    """Join a bilingual message, Chinese first."""
    return f"{zh}{sep}{en}"
