import pytest
from django.test import Client


@pytest.fixture
def admin_client_for(client: Client):
    def login(user) -> Client:
        client.force_login(user)
        return client

    return login
