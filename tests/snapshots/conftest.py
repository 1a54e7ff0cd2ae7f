import pytest

from incidents.models import Incident
from tests.support import scenes
from tests.support.stack import demo_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The demo page on a throwaway PostgreSQL and Redis, with an admin, Olivia."""
    with demo_stack(tmp_path_factory.mktemp("survival")) as running:
        running.beacon.shell(
            "from django.contrib.auth.models import User; "
            "User.objects.create_superuser('olivia', 'olivia@example.com', 'a long passphrase')"
        )
        yield running.beacon, running.postgres, running.redis


@pytest.fixture
def incident(page, api) -> Incident:
    """Elevated API errors, open, with the API in partial outage."""
    return scenes.open_api_incident(page, api)
