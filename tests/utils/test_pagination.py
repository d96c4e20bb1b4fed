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


def _offset_walks(bodies):
    """Walk ``bodies`` blocking, then awaited; return each walk's (queries, pages)."""
    import asyncio

    from airflow_provider_releases.utils.pagination import PagesByOffset, awalk, walk

    def items_of(body):
        return body["items"]

    blocking_queries, awaited_queries = [], []

    def get(query):
        blocking_queries.append(dict(query))
        return bodies[len(blocking_queries) - 1], {}

    async def aget(query):
        awaited_queries.append(dict(query))
        return bodies[len(awaited_queries) - 1], {}

    async def collect():
        return [page async for page in awalk(PagesByOffset({"q": "x"}, page_size=2, items_of=items_of), aget)]

    blocking = list(walk(PagesByOffset({"q": "x"}, page_size=2, items_of=items_of), get))
    awaited = asyncio.run(collect())
    return (blocking_queries, blocking), (awaited_queries, awaited)


def test_offset_pages_stop_at_the_total_count_blocking_and_awaited():
    bodies = [{"items": [1, 2], "totalCount": 3}, {"items": [3], "totalCount": 3}]
    blocking, awaited = _offset_walks(bodies)
    assert awaited == blocking
    assert blocking == (
        [{"q": "x", "limit": 2, "offset": 0}, {"q": "x", "limit": 2, "offset": 2}],
        [[1, 2], [3]],
    )


def test_offset_pages_without_a_total_stop_at_a_short_or_empty_page():
    short = [{"items": [1, 2]}, {"items": [3]}]
    empty = [{"items": [1, 2]}, {"items": []}]
    for bodies, pages in ((short, [[1, 2], [3]]), (empty, [[1, 2], []])):
        blocking, awaited = _offset_walks(bodies)
        assert awaited == blocking
        assert blocking[1] == pages
        assert len(blocking[0]) == 2
