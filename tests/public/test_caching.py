"""Public pages are the same for everyone: no cookies, no Vary: Cookie, no inline code."""

import re

import pytest


@pytest.fixture
def urls(outage, upgrade, website):
    return [
        "/",
        "/fragments/home",
        f"/incidents/{outage.pk}",
        f"/incidents/{outage.pk}/fragment",
        f"/maintenance/{upgrade.pk}",
        "/history",
        "/brand.css",
    ]


def test_public_pages_set_no_cookie_and_do_not_vary_on_it(client, urls):
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.cookies, url
        assert "cookie" not in response.get("Vary", "").lower(), url


def test_a_signed_in_operator_gets_the_same_cacheable_page(client, alice, urls):
    client.force_login(alice)
    anonymous_free = []
    for url in urls:
        response = client.get(url)
        assert not response.cookies, url
        assert "cookie" not in response.get("Vary", "").lower(), url
        assert "public" in response["Cache-Control"], url
        anonymous_free.append("alice" not in response.content.decode())
    assert all(anonymous_free)


def test_pages_carry_no_inline_script_or_style(client, urls):
    for url in urls[:-1]:
        response = client.get(url)
        html = response.content.decode()
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert " style=" not in html, url
        assert "<style" not in html, url
        assert " onclick=" not in html, url


def test_the_home_page_refreshes_itself_with_vendored_htmx(client, urls):
    html = client.get("/").content.decode()

    assert '<script src="/static/vendor/htmx.min.js" defer></script>' in html
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false}\'>' in html
    assert 'hx-get="/fragments/home" hx-trigger="every 10s" hx-swap="outerHTML"' in html


def test_the_home_fragment_is_just_the_live_region(client, urls):
    html = client.get("/fragments/home").content.decode().strip()

    assert html.startswith('<div id="live"')
    assert 'hx-get="/fragments/home"' in html
    assert "<html" not in html
    assert "Major System Outage" in html


def test_the_incident_fragment_refreshes_the_incident(client, urls):
    incident_url = urls[2]
    page_html = client.get(incident_url).content.decode()
    fragment = client.get(f"{incident_url}/fragment").content.decode().strip()

    assert f'hx-get="{incident_url}/fragment"' in page_html
    assert fragment.startswith('<div id="live"')
    assert "<h1>Outage</h1>" in fragment
    assert "<html" not in fragment


def test_public_pages_refuse_writes(client, urls):
    assert client.post("/").status_code == 405


def test_an_unknown_address_gets_the_styled_404(client, page):
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert not response.cookies
