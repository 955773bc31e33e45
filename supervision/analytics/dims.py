"""The §10.1 dimensions of the complaint cube, as data (pure: no Flask, no database).

* *Key* dimensions (``sector``, ``institution``, ``period``) come from the version a cube cell
  belongs to; every cell carries its version, so they cost nothing to store.
* *Row* dimensions are values of a complaint row. The cube stores every single row dimension and
  every pair of them (45 pairs), so any view that uses at most two row dimensions — as rows,
  columns or filters — is read from the cube without touching complaint rows.
"""

from __future__ import annotations

#: dimensions taken from the version (institution, its sector, the period)
KEY_DIMS: tuple[str, ...] = ("sector", "institution", "period")
#: dimensions of a complaint row, in the cube's canonical order (a pair is stored as (earlier, later))
ROW_DIMS: tuple[str, ...] = ("business_category", "cause", "channel", "province", "customer_group", "source",
                             "complaint_type", "outcome", "extension", "handling")
DIMENSIONS: tuple[str, ...] = KEY_DIMS + ROW_DIMS

#: §10.1 handling buckets of ``days_to_close``: (code, lowest day, highest day or None)
HANDLING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("D0_1", 0, 1), ("D2_3", 2, 3), ("D4_7", 4, 7), ("D8_15", 8, 15), ("D16_30", 16, 30), ("D31_60", 31, 60),
    ("D61P", 61, None))
#: the value stored for an empty dimension value (open rows have no outcome nor handling bucket)
EMPTY = ""
#: §10.1: a province that is empty or not a code of the list is ``99``
UNKNOWN_PROVINCE = "99"
#: outcomes counted as favourable (§4.4)
FAVOURABLE = ("UPHELD", "PARTIAL", "SETTLED")


def handling_bucket(days: int | None) -> str:
    """The §10.1 bucket of a closed row's ``days_to_close`` (``""`` for none)."""
    if days is None:
        return EMPTY
    for code, low, high in HANDLING_BUCKETS:
        if days >= low and (high is None or days <= high):
            return code
    return HANDLING_BUCKETS[0][0]


def canonical(dims) -> tuple[str, str]:
    """The (dim_a, dim_b) key of the cube grain holding the given row dimensions (at most two):
    ``("", "")`` is the version total, ``(d, "")`` a single dimension."""
    ds = sorted(set(dims), key=ROW_DIMS.index)
    if len(ds) > 2:
        raise ValueError("at most two complaint dimensions per view")
    ds += [EMPTY] * (2 - len(ds))
    return ds[0], ds[1]


def grains() -> list[tuple[str, str]]:
    """Every grain the cube stores: the total, each row dimension, each pair of them."""
    out = [(EMPTY, EMPTY)] + [(d, EMPTY) for d in ROW_DIMS]
    for i, a in enumerate(ROW_DIMS):
        out.extend((a, b) for b in ROW_DIMS[i + 1:])
    return out
