import pytest


@pytest.fixture
def get(client):
    def fetch(url: str, status: int = 200):
        response = client.get(url)
        assert response.status_code == status, response.content[:500]
        return response.content.decode()

    return fetch
