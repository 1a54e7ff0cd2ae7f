"""The status badge and the embeddable widget, as a README or another site shows them."""

import re
import xml.etree.ElementTree as ET

import pytest

from components import services as component_services

SVG = "{http://www.w3.org/2000/svg}"


def badge(client, query: str = "", status: int = 200) -> ET.Element:
    response = client.get("/badge.svg" + query)
    assert response.status_code == status
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert not response.cookies
    return ET.fromstring(response.content)


def words(svg: ET.Element) -> list[str | None]:
    return [text.text for text in svg.iter(f"{SVG}text")]


def title(svg: ET.Element) -> str | None:
    found = svg.find(f"{SVG}title")
    assert found is not None
    return found.text


def test_the_badge_names_the_overall_status_in_its_title_and_text(world, client):
    svg = badge(client)

    assert title(svg) == "status: Partial System Outage"
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == "status: Partial System Outage"
    assert "Partial System Outage" in words(svg)
    fills = {rect.get("fill") for rect in svg.iter(f"{SVG}rect")}
    assert "#c2410c" in fills  # the major indicator's colour


def test_the_badge_turns_green_when_all_is_well(page, api, client):
    svg = badge(client)

    assert title(svg) == "status: All Systems Operational"
    assert "#2e7d32" in {rect.get("fill") for rect in svg.iter(f"{SVG}rect")}


def test_a_component_badge_shows_that_component(world, alice, client):
    component_services.set_component_status(
        component=world.website, status="major_outage", actor=alice
    )

    website = badge(client, f"?component={world.website.pk}")
    group = badge(client, f"?component={world.core.pk}")

    assert title(website) == "Website: Major outage"
    assert "#b91c1c" in {rect.get("fill") for rect in website.iter(f"{SVG}rect")}
    assert title(group) == "Core Services: Partial outage"


def test_a_component_name_with_markup_stays_text(page, alice, client):
    odd = component_services.create_component(
        page=page, name='<script>alert("x")</script> & co', actor=alice
    )

    svg = badge(client, f"?component={odd.pk}")

    assert title(svg) == '<script>alert("x")</script> & co: Operational'
    assert not list(svg.iter(f"{SVG}script"))


@pytest.mark.parametrize(
    "query", ["?component=zzzzzzzzzzzz", "?component=%3Cb%3E", "?component=" + "a" * 300]
)
def test_an_unknown_component_badge_is_a_404_badge_not_an_error(world, client, query):
    svg = badge(client, query, status=404)

    assert title(svg) == "status: unknown component"


def test_the_badge_width_grows_with_its_text(page, alice, client):
    short = component_services.create_component(page=page, name="A", actor=alice)
    long = component_services.create_component(page=page, name="A much longer name", actor=alice)

    long_width = badge(client, f"?component={long.pk}").get("width", "")
    short_width = badge(client, f"?component={short.pk}").get("width", "")
    assert int(long_width) > int(short_width)


def test_the_embed_can_be_framed_by_other_sites_and_shows_the_status(world, client):
    response = client.get("/embed")

    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors *" in csp
    assert "script-src" not in csp and "default-src 'none'" in csp
    html = response.content.decode()
    assert "Partial System Outage" in html
    assert 'href="https://status.example.com"' in html
    assert f'href="https://status.example.com/incidents/{world.outage.pk}"' in html
    assert "Elevated API error rates" in html
    assert "Search reindex" in html
    assert "<script" not in html
    assert not re.search(r"\sstyle=", html)
    assert not response.cookies


def test_other_pages_still_refuse_to_be_framed(world, client):
    response = client.get("/")

    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_embed_script_is_served_as_javascript_to_any_origin(page, client):
    response = client.get("/embed.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    script = response.content.decode()
    assert "/api/v2/status.json" in script
    assert "innerHTML" not in script
    assert not response.cookies
