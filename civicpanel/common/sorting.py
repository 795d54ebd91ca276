"""Sortable staff lists: the `?sort=` a column heading asks for (components/sort_header.html).

Each list names the keys it may be sorted by; a key it does not know (typed in the address bar,
left over from an older link) is ignored and the list keeps its default order, so no sort can
make a page fail. "-key" sorts the other way round. Empty values go last both ways, and the
row's id settles ties, so a page of a long list never shows a row twice or skips one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import F, QuerySet
from django.http import QueryDict


@dataclass(frozen=True)
class ListSort:
    sort: str  # an allowed key, or "-" and the key
    query: str  # the request's query string without sort and page: the headers' links keep the filters

    @property
    def key(self) -> str:
        return self.sort.removeprefix("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    @property
    def page_query(self) -> str:
        """The query string for the pagination's links: the filters and this sort."""
        return "&".join(part for part in (self.query, urlencode({"sort": self.sort}) if self.sort else "") if part)


def list_sort(params: QueryDict, keys: Iterable[str], default: str = "") -> ListSort:
    """The sort asked for in `params` if its key is one of `keys`, else `default` ("": the list's
    own order, with no column marked as sorted)."""
    asked = params.get("sort", "")
    sort = asked if asked.removeprefix("-") in set(keys) and asked.count("-") <= 1 else default
    rest = params.copy()
    for name in ("sort", "page"):
        rest.pop(name, None)
    return ListSort(sort=sort, query=rest.urlencode())


def sort_queryset(queryset: QuerySet, sorting: ListSort, fields: Mapping[str, Sequence[str]]) -> QuerySet:
    """Order by the fields of the sort's key (empty values last), then by id."""
    if not sorting.sort:
        return queryset
    order = [F(field).desc(nulls_last=True) if sorting.descending else F(field).asc(nulls_last=True)
             for field in fields[sorting.key]]
    return queryset.order_by(*order, "-pk" if sorting.descending else "pk")


def sort_rows(rows: Iterable, sorting: ListSort, values: Mapping[str, Callable]) -> list:
    """Sort objects in Python, for columns the database cannot order the way the page shows them
    (a title in the reader's language, a count made per row). Text sorts without regard to case."""
    if not sorting.sort:
        return list(rows)

    def value(row):
        found = values[sorting.key](row)
        return found.casefold() if isinstance(found, str) else found

    rows = list(rows)
    present = [row for row in rows if value(row) is not None]
    present.sort(key=lambda row: (value(row), row.pk), reverse=sorting.descending)
    return present + [row for row in rows if value(row) is None]
