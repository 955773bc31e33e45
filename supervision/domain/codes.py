"""Code lists of the filing specification: one copy, kept in :mod:`supervision.rules.codes`."""

from supervision.rules.codes import CODE_LISTS, PROVINCE_ALIASES
from supervision.rules.codes import VERSION as CODES_VERSION

__all__ = ["CODES_VERSION", "CODE_LISTS", "PROVINCE_ALIASES"]
