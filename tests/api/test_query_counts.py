"""Every public document runs the same number of queries with 10 or 300 of everything."""

import pytest

from tests.support.documents import API_V2_PATHS, count_queries
from tests.support.scenes import grow_page


@pytest.mark.parametrize(
    "url",
    [
        *API_V2_PATHS,
        "/history.atom",
        "/history.rss",
        "/maintenance.ics",
        "/badge.svg",
        "/embed",
    ],
)
def test_query_count_stays_the_same_with_10_or_300_of_everything(client, page, url):
    grow_page(page, 10)
    small, small_body = count_queries(client, url)

    grow_page(page, 290)
    large, large_body = count_queries(client, url)

    assert len(large_body) >= len(small_body)
    assert large == small
