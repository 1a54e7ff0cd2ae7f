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
