"""Structure a screen reader or keyboard user relies on, and the plain error pages."""

import re
from itertools import pairwise

import pytest
from django.template.loader import render_to_string


@pytest.fixture
def pages(outage, upgrade, dashboard, website):
    return ["/", f"/incidents/{outage.pk}", f"/maintenance/{upgrade.pk}", "/history"]


def test_every_page_has_one_h1_landmarks_and_a_skip_link(client, pages):
    for url in pages:
        html = client.get(url).content.decode()
        assert html.count("<h1") == 1, url
        assert '<a class="skip-link" href="#main">' in html, url
        assert '<main id="main"' in html, url
        for landmark in ("<header", "<footer", "<nav"):
            assert landmark in html, (url, landmark)
        assert '<meta name="viewport"' in html, url


def test_headings_never_skip_a_level(client, pages):
    for url in pages:
        levels = [int(n) for n in re.findall(r"<h([1-6])", client.get(url).content.decode())]
        assert levels[0] == 1, url
        assert all(b - a <= 1 for a, b in pairwise(levels)), (url, levels)


def test_the_server_error_page_stands_alone():
    html = render_to_string("500.html")
    assert "<h1>Something went wrong</h1>" in html
    assert '<a href="/">' in html
