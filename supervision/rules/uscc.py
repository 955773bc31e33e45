"""Unified social credit code (统一社会信用代码, GB 32100-2015) check character, per filing-spec §1.2."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def uscc_check_char(first17: str) -> str:
    """Return the check character for the first 17 characters of a USCC (ValueError if malformed)."""
    if len(first17) != 17 or any(ch not in _VALUE for ch in first17):
        raise ValueError("a USCC starts with 17 characters of 0-9 and A-Y without I, O, S, V, Z")
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_well_formed(code: str) -> bool:
    """True when ``code`` has 18 characters of the USCC alphabet (check character not verified)."""
    return isinstance(code, str) and len(code) == 18 and all(ch in _VALUE for ch in code)


def is_valid_uscc(code: str) -> bool:
    """True when ``code`` is an 18-character upper-case USCC with a correct check character."""
    return is_well_formed(code) and uscc_check_char(code[:17]) == code[17]
