from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident
from maintenance.models import Maintenance
from tests.support.scenes import open_api_incident, schedule_upgrade


@pytest.fixture
def get(client):
    def fetch(url: str, status: int = 200):
        response = client.get(url)
        assert response.status_code == status, response.content[:500]
        return response.content.decode()

    return fetch


@pytest.fixture
def outage(page, api) -> Incident:
    """Outage: the API down, under investigation."""
    return open_api_incident(page, api, api_status="major_outage", name="Outage", body="Down.")


@pytest.fixture
def upgrade(page, api) -> Maintenance:
    """Upgrade: the API's planned maintenance, tomorrow for an hour."""
    start = timezone.now() + timedelta(days=1)
    return schedule_upgrade(page, start, hours=1, name="Upgrade", body="Planned.", components=[api])
