from __future__ import annotations

from airflow_provider_releases.utils.pagination import PagedItems


def make(pages):
    fetched = []

    def fetch():
        for number, page in enumerate(pages, start=1):
            fetched.append(number)
            yield page

    return PagedItems(fetch, "test list"), fetched


def test_iteration_fetches_pages_only_as_they_are_reached():
    items, fetched = make([[1, 2], [3, 4], [5]])
    iterator = iter(items)
    assert fetched == []
    assert [next(iterator), next(iterator)] == [1, 2]
    assert fetched == [1]
    assert list(iterator) == [3, 4, 5]
    assert fetched == [1, 2, 3]


def test_streaming_keeps_no_items_and_iterating_again_fetches_again():
    items, fetched = make([[1], [2]])
    assert [item for item in items] == [1, 2]  # a comprehension never asks len()
    assert [item for item in items] == [1, 2]
    assert fetched == [1, 2, 1, 2]
    assert repr(items) == "<PagedItems test list: not fetched yet>"


def test_len_index_and_equality_fetch_once_and_keep_the_items():
    items, fetched = make([[1, 2], [3]])
    assert len(items) == 3
    assert items[-1] == 3
    assert items == [1, 2, 3]
    assert list(items) == [1, 2, 3]
    assert fetched == [1, 2]
    assert repr(items) == "<PagedItems test list: 3 items>"


def test_pages_yields_page_lists():
    items, _ = make([[1, 2], [3]])
    assert list(items.pages()) == [[1, 2], [3]]


def test_list_of_paged_items_fetches_each_page_once():
    # list() asks len() after taking the iterator; that must not fetch the pages twice.
    items, fetched = make([[1, 2], [3]])
    assert list(items) == [1, 2, 3]
    assert fetched == [1, 2]
    assert sorted(items, reverse=True) == [3, 2, 1]
    assert fetched == [1, 2]
