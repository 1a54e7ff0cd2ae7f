"""How the API answers over HTTP: CORS, methods, headers and query strings clients send."""

import json

import pytest

from tests.support.documents import API_V2_PATHS

PATHS = API_V2_PATHS


@pytest.mark.parametrize("path", PATHS)
def test_every_document_can_be_read_from_any_origin_and_set_no_cookie(world, client, path):
    response = client.get(path, headers={"Origin": "https://intranet.example.org"})

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert "max-age" in response["Cache-Control"]


@pytest.mark.parametrize("path", PATHS)
def test_head_answers_like_get_without_a_body(world, client, path):
    head = client.head(path)
    get = client.get(path)

    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == get["Content-Type"]
    assert head["Access-Control-Allow-Origin"] == "*"


def test_a_cors_preflight_is_answered_harmlessly(page, client):
    response = client.options(
        "/api/v2/summary.json",
        headers={"Origin": "https://intranet.example.org", "Access-Control-Request-Method": "GET"},
    )

    assert response.status_code in (200, 204)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]


def test_cache_busters_and_client_headers_change_nothing(world, client):
    plain = client.get("/api/v2/summary.json").content

    busted = client.get("/api/v2/summary.json?_=1732390000000&page=2&limit=1")
    with_headers = client.get(
        "/api/v2/summary.json",
        headers={
            "Authorization": "OAuth 0123456789abcdef",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )

    assert busted.status_code == with_headers.status_code == 200
    assert json.loads(busted.content) == json.loads(plain)
    assert json.loads(with_headers.content) == json.loads(plain)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/nope.json",
        "/api/v2/incidents/resolvedd.json",
        "/api/v2/summary.json/",
        "/api/v2/",
        "/api/v2/components",
    ],
)
def test_unknown_paths_are_json_404s_that_any_origin_can_read(page, client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "error" in json.loads(response.content)


def test_writing_to_the_api_is_refused_with_a_clear_answer(page, client):
    response = client.post("/api/v2/summary.json", {"x": "1"})

    assert response.status_code == 405
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "read-only" in json.loads(response.content)["error"]


def test_without_any_page_the_api_says_not_found_in_json(db, client):
    response = client.get("/api/v2/summary.json")

    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"
    assert json.loads(response.content)["error"]


def test_incident_shortlinks_open_the_incident_page(world, client):
    incident = json.loads(client.get("/api/v2/incidents.json").content)["incidents"][0]

    response = client.get(incident["shortlink"].removeprefix("https://status.example.com"))

    assert response.status_code == 200
    assert "Elevated API error rates" in response.content.decode()


def test_maintenance_shortlinks_redirect_to_the_maintenance_page(world, client):
    document = json.loads(client.get("/api/v2/scheduled-maintenances/upcoming.json").content)
    shortlink = document["scheduled_maintenances"][0]["shortlink"]

    response = client.get(shortlink.removeprefix("https://status.example.com"))

    assert response.status_code == 301
    assert response["Location"] == f"/maintenance/{world.upcoming.pk}"
    assert "Database upgrade" in client.get(response["Location"]).content.decode()


def test_an_unknown_incident_is_still_the_page_not_found(world, client):
    response = client.get("/incidents/zzzzzzzzzzzz")

    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]


def test_a_client_polling_with_its_etag_gets_a_304_it_may_read(world, client):
    first = client.get("/api/v2/summary.json")

    again = client.get("/api/v2/summary.json", headers={"If-None-Match": first["ETag"]})

    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "*"
