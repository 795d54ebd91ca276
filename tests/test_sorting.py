"""Sortable lists: only the keys a list allows, in either direction, empty values last, the
filters kept in the headers' links."""

from types import SimpleNamespace

from django.http import QueryDict

from civicpanel.common.sorting import list_sort, sort_rows


def rows():
    return [SimpleNamespace(pk=1, title="beta", count=None), SimpleNamespace(pk=2, title="Alpha", count=3),
            SimpleNamespace(pk=3, title="gamma", count=1)]


VALUES = {"title": lambda r: r.title, "count": lambda r: r.count}


def test_an_allowed_key_sorts_either_way_with_empty_values_last():
    ascending = list_sort(QueryDict("sort=count"), VALUES)
    assert [r.pk for r in sort_rows(rows(), ascending, VALUES)] == [3, 2, 1]
    descending = list_sort(QueryDict("sort=-count"), VALUES)
    assert descending.key == "count" and descending.descending
    assert [r.pk for r in sort_rows(rows(), descending, VALUES)] == [2, 3, 1]
    assert [r.pk for r in sort_rows(rows(), list_sort(QueryDict("sort=title"), VALUES), VALUES)] == [2, 1, 3]


def test_an_unknown_key_is_ignored():
    for asked in ("sort=password", "sort=--title", "sort=", "sort=title%00", "sort=" + "x" * 5000):
        sorting = list_sort(QueryDict(asked), VALUES, default="-count")
        assert sorting.sort == "-count"
    assert list_sort(QueryDict("sort=nope"), VALUES).sort == ""
    assert [r.pk for r in sort_rows(rows(), list_sort(QueryDict("sort=nope"), VALUES), VALUES)] == [1, 2, 3]


def test_the_headers_keep_the_filters_and_start_again_at_page_one():
    sorting = list_sort(QueryDict("status=public&district=4&page=3&sort=title"), VALUES)
    assert sorting.query == "status=public&district=4"
    assert sorting.page_query == "status=public&district=4&sort=title"
    assert list_sort(QueryDict(""), VALUES).page_query == ""
