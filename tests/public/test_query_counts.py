"""Every public view runs the same number of queries with 10 or 500 of everything."""

import pytest

from tests.support.documents import count_queries
from tests.support.scenes import grow_page


@pytest.mark.parametrize(
    "url",
    ["/", "/fragments/home", "incident", "incident-fragment", "maintenance", "/history"],
)
def test_query_count_stays_the_same_with_10_or_500_of_everything(client, page, url):
    incident, maintenance = grow_page(page, 10)
    url = {
        "incident": f"/incidents/{incident.pk}",
        "incident-fragment": f"/incidents/{incident.pk}/fragment",
        "maintenance": f"/maintenance/{maintenance.pk}",
    }.get(url, url)
    small, small_html = count_queries(client, url)

    grow_page(page, 490, incident=incident, maintenance=maintenance)
    large, large_html = count_queries(client, url)

    assert len(large_html) > len(small_html)
    assert large == small
