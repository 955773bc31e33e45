"""Server-side lists: one page of a query, its exact total, the sort and the page size, all kept in
the URL (so a list can be bookmarked, shared and walked back to).

A view declares which columns may be sorted (a whitelist: a sort key from the URL never reaches
SQL unless it is one of them), parses the request with :func:`list_state` and asks
:func:`paginate` for the page. A page never holds more than :data:`MAX_PER_PAGE` rows. Templates
use the macros of ``_paging.html`` (sortable headers, the pager) and :func:`url_with`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from sqlalchemy import Select, func, select

from supervision.extensions import db

#: the page sizes offered; the largest is the most a page ever renders
PER_PAGE_CHOICES: tuple[int, ...] = (25, 50, 100)
MAX_PER_PAGE = PER_PAGE_CHOICES[-1]
DEFAULT_PER_PAGE = 50
ORDERS = ("asc", "desc")


@dataclass(frozen=True)
class ListState:
    """Page number (1-based), page size, sort key and direction of a list, read from the URL."""

    page: int
    per_page: int
    sort: str
    order: str

    @property
    def descending(self) -> bool:
        """True when sorted from the highest value down."""
        return self.order == "desc"


def _positive_int(raw: str | None, default: int) -> int:
    if raw is None or not raw.isdigit() or len(raw) > 9:
        return default
    return max(1, int(raw))


def list_state(args: Mapping[str, str], sorts: Sequence[str], default_sort: str, default_order: str = "asc",
               default_per_page: int = DEFAULT_PER_PAGE) -> ListState:
    """The list state of ``args`` (``page``, ``per_page``, ``sort``, ``order``); anything unknown or
    malformed falls back to the default, so a hand-edited URL never errors."""
    sort = args.get("sort") if args.get("sort") in sorts else default_sort
    order = args.get("order") if args.get("order") in ORDERS else default_order
    per_page = _positive_int(args.get("per_page"), default_per_page)
    if per_page not in PER_PAGE_CHOICES:
        per_page = default_per_page
    return ListState(page=_positive_int(args.get("page"), 1), per_page=per_page, sort=sort, order=order)


@dataclass(frozen=True)
class Paged:
    """One page of a list: its items, the exact total and the state that produced it."""

    items: list
    total: int
    state: ListState

    @property
    def page(self) -> int:
        """The page shown (1-based)."""
        return self.state.page

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.state.per_page))

    @property
    def first(self) -> int:
        """1-based position of the first item shown (0 when the list is empty)."""
        return 0 if not self.items else (self.page - 1) * self.state.per_page + 1

    @property
    def last(self) -> int:
        """1-based position of the last item shown."""
        return 0 if not self.items else self.first + len(self.items) - 1

    def window(self, size: int = 2) -> list[int | None]:
        """Page numbers for the pager: the first, the last and ``size`` either side of the current
        one, with ``None`` where pages are skipped."""
        keep = {1, self.pages, *range(self.page - size, self.page + size + 1)}
        out: list[int | None] = []
        for p in range(1, self.pages + 1):
            if p in keep:
                out.append(p)
            elif out and out[-1] is not None:
                out.append(None)
        return out


def paginate(query: Select, state: ListState, sorts: Mapping[str, Any | Sequence[Any]], *,
             tiebreak: Sequence[Any] = (), scalars: bool = True) -> Paged:
    """The page of ``query`` described by ``state``: ordered by ``sorts[state.sort]`` (a column or
    a sequence of columns) in the state's direction, then by ``tiebreak`` (ascending; give a unique
    column so pages never overlap), counted exactly. A page past the end shows the last page."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // state.per_page))
    if state.page > pages:
        state = ListState(pages, state.per_page, state.sort, state.order)
    columns = sorts[state.sort]
    columns = list(columns) if isinstance(columns, list | tuple) else [columns]
    ordering = [c.desc() if state.descending else c.asc() for c in columns] + [c.asc() for c in tiebreak]
    q = query.order_by(None).order_by(*ordering).offset((state.page - 1) * state.per_page).limit(state.per_page)
    items = list(db.session.scalars(q) if scalars else db.session.execute(q))
    return Paged(items, total, state)


def url_with(**changes) -> str:
    """The current page's URL with some query arguments changed (``None`` removes one); the other
    arguments — filters, sort, page size — are kept."""
    args: dict[str, list[str]] = {k: request.args.getlist(k) for k in request.args}
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    return url_for(request.endpoint, **(request.view_args or {}), **{k: v if len(v) > 1 else v[0]
                                                                    for k, v in args.items() if v})
