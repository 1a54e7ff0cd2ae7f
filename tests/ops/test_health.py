"""/healthz: for load balancers and container health checks.

These tests have no database access at all (pytest-django refuses any query without the db
mark), so they also show that the health check answers while PostgreSQL is down.
"""


def test_the_health_check_answers_ok_without_a_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert not response.cookies
    assert "no-cache" in response["Cache-Control"]


def test_the_health_check_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


def test_the_health_check_answers_a_prober_that_uses_an_ip_address(client, settings):
    settings.ALLOWED_HOSTS = ["status.example.com"]
    response = client.get("/healthz", HTTP_HOST="10.0.3.7:8000")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_the_health_check_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
